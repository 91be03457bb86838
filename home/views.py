"""The pages that gather several apps: the home page, a person's profile and HR's console.
Each app gives its part through its selectors and access rules; these views only compose.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts import access as accounts_access
from accounts.http import AuthedRequest
from accounts.models import User
from awards.models import AwardCycle, JudgeAssignment
from core.audit import AuditEvent
from core.decorators import hr_required
from nominations.models import ThankYou
from nominations.thanks import access as thanks_access
from nominations.thanks import selectors as thanks
from stories import selectors as stories


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    reports = user.reports.filter(is_active=True).select_related("department")
    context = {"reports": reports, **thanks.home_context(user)}
    context["latest_stories"] = stories.latest_stories(user)
    stories.mark_shareable(user, context["my_thanks"])
    # The cycles this person judges now: where their scores are awaited.
    context["judging"] = list(
        JudgeAssignment.objects.filter(judge=user, cycle__status=AwardCycle.Status.JUDGING)
        .select_related("cycle")
        .order_by("cycle__month")
    )
    return render(request, "home.html", context)


@login_required
def profile(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.select_related("department", "manager"), pk=pk)
    if not accounts_access.can_view_profile(request.user, person):
        # 404, not 403: a deactivated person's page must not confirm that they exist.
        raise Http404
    reports = person.reports.filter(is_active=True).select_related("department")
    is_me = person.pk == request.user.pk
    context = {
        "person": person,
        "reports": reports,
        "is_me": is_me,
        "can_edit": accounts_access.can_edit_profile(request.user, person),
        "sees_wall": thanks_access.sees_wall(request.user, person),
        "thanks_link": thanks.personal_url(person) if is_me else "",
    }
    if context["sees_wall"]:
        context |= thanks.wall_context(request.user, person)
        stories.mark_shareable(request.user, context["wall"])
    context["stories"] = stories.person_stories(person)
    # Winners are public once their cycle is announced (one query, whatever their number).
    context["awards"] = list(
        person.awards.filter(cycle__status=AwardCycle.Status.ANNOUNCED)
        .select_related("cycle")
        .order_by("-cycle__month")
    )
    return render(request, "accounts/profile.html", context)


@hr_required
def hr_console(request: AuthedRequest) -> HttpResponse:
    recent = AuditEvent.objects.for_log()[:10]
    counts = {
        "active": User.objects.filter(is_active=True).count(),
        "inactive": User.objects.filter(is_active=False).count(),
        "thanks_waiting": thanks_access.moderation_queue(request.user)
        .filter(status=ThankYou.Status.CONFIRMED)
        .count(),
    }
    return render(request, "hr/console.html", {"recent": recent, "counts": counts})
