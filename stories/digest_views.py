"""The weekly digest's unsubscribe page, reached from the link in every digest. No login: the
signed link is the proof of whose digest it is.

GET only shows a button, because mail scanners open every link in an e-mail; a POST stops
(or restarts) the digest. The POST is exempt from CSRF on purpose: RFC 8058 one-click
unsubscribe has mail clients POST "List-Unsubscribe=One-Click" to this URL without a token,
and a forged cross-site POST would need the secret link anyway, which already allows it.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from stories import digest

TEMPLATE = "stories/digest_unsubscribe.html"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request: HttpRequest, signed: str) -> HttpResponse:
    user = digest.user_from_token(signed)
    if user is None:
        return render(request, TEMPLATE, {"state": "invalid"}, status=400)
    changed = request.method == "POST"
    if changed:
        # The resubscribe button says so; anything else (our button, one-click) unsubscribes.
        subscribed = request.POST.get("action") == "subscribe"
        digest.set_subscription(user=user, subscribed=subscribed)
    else:
        subscribed = digest.is_subscribed(user)
    context = {
        "signed": signed,
        "email": user.email,
        "state": "subscribed" if subscribed else "unsubscribed",
        "changed": changed,
    }
    return render(request, TEMPLATE, context)
