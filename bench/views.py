from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_required
@require_GET
def floor(request: HttpRequest) -> HttpResponse:
    """The floor every page is measured against: an authenticated page in the site's layout
    with nothing of its own (session, user, middleware, CSP nonce, base template)."""
    return render(request, "bench/floor.html")
