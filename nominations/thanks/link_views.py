"""The employee's own side of customer thank-yous: their personal link and its QR code.

The QR code is made on the fly from the current link (segno), so a new link means a new code;
it is private to its owner and never cached.
"""

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from accounts import services as accounts_services
from accounts.http import AuthedRequest
from nominations.thanks.selectors import personal_url

QR_FILENAME = "plaudit-thank-you-link"


# --- the personal link --------------------------------------------------------------------


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
