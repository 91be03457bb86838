"""The public thank-you pages: customers have no account and never sign in.

The services decide every rule (validation, rate limits, de-duplication, what a confirmation
link proves); these views only turn their answers into pages. The "sent" page is the same
whatever happened, so it tells a visitor nothing about other people's thank-yous.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from core.forms import service_errors
from core.ratelimit import RateLimited, client_ip
from nominations.models import ThankYou
from nominations.thanks import selectors, services
from nominations.thanks.forms import ThankYouForm
from nominations.thanks.services import ConfirmationLinkError

FORM = "thanks/form.html"
CONFIRM = "thanks/confirm.html"


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "thanks/not_found.html", status=404)


def _thank(request: HttpRequest, employee: User | None) -> HttpResponse:
    form = ThankYouForm(request.POST if request.method == "POST" else None, employee=employee)
    status, retry_after = 200, 0
    if form.is_bound:
        if form.caught_by_honeypot():
            return redirect("thanks:sent")  # exactly like success: nothing to learn for a bot
        if form.is_valid():
            try:
                with service_errors(form):
                    services.send_thanks(
                        employee=employee, ip=client_ip(request), **form.service_data()
                    )
                    return redirect("thanks:sent")
            except RateLimited as limited:
                form.add_error(None, limited.message)
                status, retry_after = limited.status, limited.retry_after
    response = render(request, FORM, {"form": form, "employee": employee}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_http_methods(["GET", "POST"])
def general(request: HttpRequest) -> HttpResponse:
    """Thank someone whose name the customer may not know: HR works out who it was."""
    return _thank(request, employee=None)


@require_http_methods(["GET", "POST"])
def personal(request: HttpRequest, token: str) -> HttpResponse:
    """Thank one employee through their personal link (or its QR code)."""
    employee = selectors.employee_for_link(token)
    if employee is None:
        return _not_found(request)
    return _thank(request, employee=employee)


@require_GET
def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "thanks/sent.html")


def _link_problem(request: HttpRequest, signed: str, error: ConfirmationLinkError) -> HttpResponse:
    context = {"signed": signed, "problem": error.message}
    if error.expired:
        return render(request, CONFIRM, context | {"state": "expired"}, status=410)
    return render(request, CONFIRM, context | {"state": "invalid"}, status=400)


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, signed: str) -> HttpResponse:
    """GET shows what is being confirmed and a button; only the POST confirms, because mail
    scanners open every link in an e-mail before the customer does."""
    try:
        if request.method == "POST":
            services.confirm_thanks(signed=signed)
            return redirect("thanks:confirm", signed=signed)
        thank_you = services.read_confirmation(signed)
    except ConfirmationLinkError as error:
        return _link_problem(request, signed, error)
    pending = thank_you.status == ThankYou.Status.PENDING_CONFIRMATION
    context = {
        "signed": signed,
        "thank_you": thank_you,
        "state": "pending" if pending else "confirmed",
    }
    return render(request, CONFIRM, context)


@require_POST
def resend(request: HttpRequest, signed: str) -> HttpResponse:
    """A new confirmation e-mail for an expired link."""
    try:
        services.resend_confirmation(signed=signed)
    except ConfirmationLinkError as error:
        return _link_problem(request, signed, error)
    except RateLimited as limited:
        context = {"signed": signed, "state": "resend_limited", "problem": limited.message}
        response = render(request, CONFIRM, context, status=limited.status)
        response["Retry-After"] = str(limited.retry_after)
        return response
    return redirect("thanks:sent")
