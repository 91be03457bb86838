"""The notification centre: the list, marking read (htmx, or a plain form post without
JavaScript), and each person's settings. A person sees and changes only their own notices:
anyone else's answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthedRequest
from notifications import services
from notifications.forms import PreferencesForm
from notifications.models import Notification

LIST = "notifications/list.html"
PAGE_SIZE = 20


def _page(request: AuthedRequest, number: str | None) -> Page:
    notices = Notification.objects.for_recipient(request.user)
    return Paginator(notices, PAGE_SIZE).get_page(number)


def _back_to_list(page: str) -> str:
    url = reverse("notifications:list")
    return f"{url}?page={page}" if page.isdigit() and page != "1" else url


@login_required
@require_GET
def notification_list(request: AuthedRequest) -> HttpResponse:
    return render(request, LIST, {"page": _page(request, request.GET.get("page"))})


@login_required
@require_POST
def mark_read(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_read(user=request.user, ids=[notice.pk])
    status = _("Marked as read: %(text)s") % {"text": notice.text}
    if request.htmx:
        notice.refresh_from_db()
        context = {
            "notice": notice,
            "item_status": status,
            "page_number": request.POST.get("page", ""),
        }
        return render(request, LIST + "#marked", context)
    messages.success(request, status, extra_tags="focus")
    return redirect(_back_to_list(request.POST.get("page", "")))


@login_required
@require_POST
def mark_all_read(request: AuthedRequest) -> HttpResponse:
    services.mark_read(user=request.user)
    status = _("All your notifications are marked as read.")
    page = request.POST.get("page", "")
    if request.htmx:
        context = {"page": _page(request, page), "status": status, "oob_bell": True}
        return render(request, LIST + "#notices", context)
    messages.success(request, status, extra_tags="focus")
    return redirect(_back_to_list(page))


@login_required
@require_GET
def open_notification(request: AuthedRequest, pk: int) -> HttpResponse:
    """Follow a notice's link, marking it read on the way."""
    notice = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_read(user=request.user, ids=[notice.pk])
    # Links are paths our services wrote; never follow one elsewhere all the same.
    safe = notice.link.startswith("/") and url_has_allowed_host_and_scheme(
        notice.link, allowed_hosts={request.get_host()}
    )
    return redirect(notice.link if safe else "notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: AuthedRequest) -> HttpResponse:
    initial_digest = services.wants_daily_digest(request.user)
    form = PreferencesForm(
        request.POST or None,
        initial={"daily_digest": initial_digest},
        initial_channels=services.channels(request.user),
    )
    if request.method == "POST" and form.is_valid():
        services.set_preferences(
            user=request.user,
            channels=form.channels(),
            daily_digest=form.cleaned_data["daily_digest"],
        )
        messages.success(request, _("Your notification settings are saved."), extra_tags="focus")
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})
