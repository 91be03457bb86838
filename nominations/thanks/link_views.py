"""The employee's own side of customer thank-yous: their personal link and its QR code, and
the wall of approved thank-yous shown on their profile and home page.

The QR code is made on the fly from the current link (segno), so a new link means a new code;
it is private to its owner and never cached.
"""

import io

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import services as accounts_services
from accounts.models import User
from core.http import AuthedRequest
from nominations.models import ThankYou
from nominations.thanks import access

WALL_SIZE = 20
HOME_WALL_SIZE = 3
QR_FILENAME = "plaudit-thank-you-link"


# --- the personal link --------------------------------------------------------------------


def personal_url(person: User) -> str:
    """The link customers open to thank this person (it works until they get a new one)."""
    return settings.SITE_URL + reverse("thanks:personal", args=[person.thanks_token])


def _qr_response(request: AuthedRequest, content: bytes, *, kind: str) -> HttpResponse:
    content_type = {"png": "image/png", "svg": "image/svg+xml"}[kind]
    response = HttpResponse(content, content_type=content_type)
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{QR_FILENAME}.{kind}"'
    # The code is the link: private to its owner, and stale as soon as they get a new one.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def qr_png(request: AuthedRequest) -> HttpResponse:
    buffer = io.BytesIO()
    # 10 px a module: about 4 cm wide at 300 dpi, sharp enough to print on a desk sign.
    segno.make(personal_url(request.user), error="m").save(
        buffer, kind="png", scale=10, border=4, dark="#000", light="#fff"
    )
    return _qr_response(request, buffer.getvalue(), kind="png")


@login_required
@require_GET
def qr_svg(request: AuthedRequest) -> HttpResponse:
    buffer = io.BytesIO()
    segno.make(personal_url(request.user), error="m").save(
        buffer,
        kind="svg",
        scale=6,
        border=4,
        dark="#000",
        light="#fff",  # a white ground, so that it scans on a dark page too
        xmldecl=False,
        svgclass="qr-code",
        title=f"QR code: thank {request.user.full_name} on Plaudit",
        desc="Scan it to open the page where customers can say thank you.",
    )
    # segno escapes the title; a role makes screen readers announce it as one image.
    svg = buffer.getvalue().replace(b"<svg ", b'<svg role="img" ', 1)
    return _qr_response(request, svg, kind="svg")


@login_required
@require_POST
def rotate_link(request: AuthedRequest) -> HttpResponse:
    accounts_services.rotate_thanks_token(person=request.user)
    messages.success(
        request,
        "Your new thank-you link is ready. The old link and any QR code you printed no longer "
        "work: replace them wherever you shared them.",
    )
    return redirect(request.user.get_absolute_url() + "#thank-you-link")


# --- the wall of approved thank-yous (profile and home page) -----------------------------------


def sees_wall(user: User, person: User) -> bool:
    """The person themself, their manager and HR: the people who may see a thank-you to them
    (access.visible_thanks), whether or not there is one yet."""
    return user.pk == person.pk or access.can_moderate(user, ThankYou(employee=person))


def wall(user: User, person: User) -> QuerySet[ThankYou]:
    """The approved thank-yous to `person` that `user` may see, newest first."""
    return (
        access.visible_thanks(user)
        .filter(employee=person)
        .for_wall()
        .select_related("cycle", "integration")
    )


def wall_context(user: User, person: User) -> dict:
    """The newest WALL_SIZE thank-yous and how many more there are (two queries)."""
    thanks = wall(user, person)
    shown = list(thanks[:WALL_SIZE])
    return {"wall": shown, "wall_more": thanks.count() - len(shown)}


def home_context(user: User) -> dict:
    """What the home page shows of thank-yous: the latest few to me, and (HR, managers) how
    many wait for my review."""
    context = {
        "my_thanks": list(wall(user, user)[:HOME_WALL_SIZE]),
        "thanks_waiting": 0,
    }
    if access.may_moderate_anything(user):
        context["thanks_waiting"] = (
            access.moderation_queue(user).filter(status=ThankYou.Status.CONFIRMED).count()
        )
    return context
