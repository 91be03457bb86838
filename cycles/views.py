"""The HR console's award cycles: list, create, settings, phases and the rubric editor.

Thin function views: the forms check shape, cycles.services decides every rule.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthedRequest
from awards.models import AwardCycle, Criterion
from core.decorators import hr_required
from core.errors import ConflictError
from core.forms import service_errors
from cycles import services
from cycles.forms import (
    DATE_FIELDS,
    CycleSettingsForm,
    NewCycleForm,
    RubricFormSet,
    rubric_initial,
    suggested_month,
)
from nominations.models import Evidence, Nomination

CYCLES_PAGE_SIZE = 50
Status = AwardCycle.Status

# What each move does, in the words on its button and the sentence under it.
TRANSITION_ACTIONS: dict[str, tuple[str, str]] = {
    Status.OPEN: (
        "Open nominations",
        "Employees can nominate colleagues until nominations close. The rubric stays editable.",
    ),
    Status.JUDGING: (
        "Close nominations and start judging",
        "No new nominations or endorsements. Judges score the candidates; the rubric and the "
        "competition settings are frozen.",
    ),
    Status.DECIDED: (
        "Close judging and decide",
        "Judges can no longer change their scores and the ranking is fixed.",
    ),
    Status.ANNOUNCED: (
        "Announce the winners",
        "The result becomes public to everyone in the company.",
    ),
}
TRANSITION_DONE: dict[str, str] = {
    Status.OPEN: "Nominations are open.",
    Status.JUDGING: "Nominations are closed and judging has started.",
    Status.DECIDED: "Judging is closed: the cycle is decided.",
    Status.ANNOUNCED: "The winners are announced.",
}


# --- List ---------------------------------------------------------------------------------


@hr_required
@require_GET
def hr_cycles(request: AuthedRequest) -> HttpResponse:
    cycles = AwardCycle.objects.visible_list().annotate(
        active_nominations=Count(
            "nominations", filter=Q(nominations__status=Nomination.Status.ACTIVE)
        )
    )
    page = Paginator(cycles, CYCLES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "hr/cycles.html", {"page": page})


# --- Create -------------------------------------------------------------------------------


@hr_required
@require_http_methods(["GET", "POST"])
def hr_cycle_new(request: AuthedRequest) -> HttpResponse:
    latest = AwardCycle.objects.order_by("-month", "-id").first()
    initial = {"month": suggested_month(latest), "rubric_from": latest}
    if request.method == "POST":
        form = NewCycleForm(request.POST, initial=initial)
        if form.is_valid():
            with service_errors(form):
                try:
                    cycle = services.create_cycle(by=request.user, **form.create_kwargs())
                except ConflictError as error:
                    # A cycle of that month exists: say so next to the month, with its link.
                    form.add_error("month", _conflict_with_link(error))
                else:
                    messages.success(request, f"“{cycle}” is created as a draft.")
                    return redirect(cycle)
    elif request.htmx and request.htmx.target == "cycle-defaults":
        # The month changed: show that month's default dates next to the date inputs.
        typed = {
            name: request.GET[name]
            for name in ("month", "title", *DATE_FIELDS)
            if name in request.GET
        }
        form = NewCycleForm(initial=initial | typed)
        return render(request, "hr/cycles_new.html#defaults", _new_context(form))
    else:
        form = NewCycleForm(initial=initial)
    return render(request, "hr/cycles_new.html", _new_context(form))


def _new_context(form: NewCycleForm) -> dict[str, Any]:
    return {
        "form": form,
        "default_dates": form.chosen_month() is not None,
        "date_fields": [form[name] for name in DATE_FIELDS],
    }


def _conflict_with_link(error: ConflictError) -> str:
    existing = error.extra.get("existing")
    if existing is None:
        return error.message
    url = reverse("awards:hr_cycle", args=[existing])
    return format_html('{} <a href="{}">Open the existing cycle</a>.', error.message, url)


# --- One cycle: settings and phases --------------------------------------------------------


@hr_required
@require_http_methods(["GET", "POST"])
def hr_cycle(request: AuthedRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(AwardCycle, pk=pk)
    form = CycleSettingsForm(request.POST if request.method == "POST" else None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            try:
                cycle = services.update_cycle(cycle=cycle, by=request.user, **form.changes())
            except ConflictError as error:
                # The cycle moved on since the page was loaded: show the real state.
                messages.error(request, error.message)
                return redirect(cycle)
            messages.success(request, "The cycle's settings are saved.")
            return redirect(cycle)
    return render(request, "hr/cycles_detail.html", _cycle_context(cycle, form))


def _cycle_context(cycle: AwardCycle, form: CycleSettingsForm) -> dict[str, Any]:
    criteria = list(cycle.criteria.order_by("position", "id"))
    return {
        "cycle": cycle,
        "form": form,
        "timeline": _timeline(cycle),
        "actions": [
            {"to": to, "label": TRANSITION_ACTIONS[to][0], "explain": TRANSITION_ACTIONS[to][1]}
            for to in cycle.allowed_next
        ],
        "criteria": criteria,
        "rubric": services.summarise_rubric(
            [_criterion_item(c) for c in criteria], floor=cycle.customer_share_floor
        ),
        "active_nominations": cycle.nominations.filter(status=Nomination.Status.ACTIVE).count(),
        # Approved thank-yous record the cycle open when they were approved (issue 4).
        "counted_thanks": cycle.thanks.approved().count(),
    }


def _timeline(cycle: AwardCycle) -> list[dict[str, Any]]:
    order = list(Status.values)
    current = order.index(cycle.status)
    when: dict[str, tuple[str, dt.datetime | None]] = {
        Status.DRAFT: ("Created", cycle.created_at),
        Status.OPEN: ("Opens", cycle.opens_at),
        Status.JUDGING: ("Nominations close", cycle.nominations_close_at),
        Status.DECIDED: ("Judging closes", cycle.judging_close_at),
        Status.ANNOUNCED: ("When HR announces the winners", None),
    }
    return [
        {
            "status": value,
            "label": Status(value).label,
            "date_label": when[value][0],
            "date": when[value][1],
            "state": "done" if i < current else "current" if i == current else "todo",
        }
        for i, value in enumerate(order)
    ]


@hr_required
@require_POST
def hr_cycle_transition(request: AuthedRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(AwardCycle, pk=pk)
    to = request.POST.get("to", "")[:40]
    try:
        services.transition(cycle=cycle, to=to, by=request.user)
    except ConflictError as error:
        messages.error(request, _with_allowed(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, TRANSITION_DONE.get(to, "The cycle moved on."))
    return redirect(cycle)


def _with_allowed(error: ConflictError) -> str:
    allowed = error.extra.get("allowed")
    if allowed is None:
        return error.message
    if not allowed:
        return f"{error.message} It is in its last phase: there is no next step."
    names = ", ".join(f"“{Status(to).label}”" for to in allowed)
    return f"{error.message} It can move only to: {names}. The page shows its current phase."


# --- Rubric --------------------------------------------------------------------------------


@hr_required
@require_http_methods(["GET", "POST"])
def hr_rubric(request: AuthedRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(AwardCycle, pk=pk)
    if request.method != "POST":
        return _render_rubric(request, cycle, RubricFormSet(initial=rubric_initial(cycle)))
    action = request.POST.get("action", "save")
    data = request.POST
    if action == "add":
        # "Add a row" posts the table back and gets it again with one more empty row: this
        # works without JavaScript, and with htmx only the editor is swapped.
        data = _with_one_more_row(data)
    # No initial data for a bound table: it is compared with what HR sent, not with the saved
    # rubric (which another HR user may have changed meanwhile), so blank rows stay blank.
    formset = RubricFormSet(data)
    valid = formset.is_valid()
    if action in ("add", "check") or (not valid and cycle.rubric_editable):
        return _render_rubric(request, cycle, formset)
    # Not editable any more (someone moved the cycle on): the service refuses with the reason.
    try:
        services.replace_rubric(cycle=cycle, criteria=formset.items(), by=request.user)
    except ConflictError as error:
        messages.error(request, error.message)
        return redirect("awards:hr_rubric", pk=cycle.pk)
    except ValidationError as error:
        return _render_rubric(request, cycle, formset, save_errors=error.messages)
    messages.success(request, "The rubric is saved.")
    return redirect("awards:hr_rubric", pk=cycle.pk)


@hr_required
@require_POST
def hr_rubric_summary(request: AuthedRequest, pk: int) -> HttpResponse:
    """The live totals under the editor: htmx posts the table here as HR types."""
    cycle = get_object_or_404(AwardCycle, pk=pk)
    formset = RubricFormSet(request.POST)
    formset.is_valid()
    return render(request, "hr/cycles_rubric_live.html", _rubric_context(cycle, formset))


def _render_rubric(
    request: AuthedRequest,
    cycle: AwardCycle,
    formset: Any,
    *,
    save_errors: list[str] | None = None,
) -> HttpResponse:
    context = _rubric_context(cycle, formset) | {"save_errors": save_errors or []}
    template = "hr/cycles_rubric.html"
    if request.htmx and request.htmx.target == "rubric-editor":
        template += "#editor"
    return render(request, template, context)


def _rubric_context(cycle: AwardCycle, formset: Any) -> dict[str, Any]:
    unreadable = 0
    if formset.is_bound:
        items = formset.items()
        unreadable = sum(1 for form in formset.rows() if form.errors)
    else:
        items = [_criterion_item(c) for c in cycle.criteria.order_by("position", "id")]
    return {
        "unreadable": unreadable,
        "cycle": cycle,
        "formset": formset,
        "summary": services.summarise_rubric(items, floor=cycle.customer_share_floor),
        "explained": [_explain(item) for item in items if item.get("name")],
        "kinds": _KIND_MEANINGS,
    }


def _with_one_more_row(data: Any) -> Any:
    data = data.copy()
    prefix = RubricFormSet().prefix
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", "0"))
    except ValueError:
        return data  # tampered: the formset reports its own error
    data[f"{prefix}-TOTAL_FORMS"] = str(min(total + 1, RubricFormSet.max_num))
    return data


def _criterion_item(criterion: Criterion) -> dict[str, Any]:
    return {
        "name": criterion.name,
        "kind": criterion.kind,
        "weight": criterion.weight,
        "half_point": criterion.half_point,
        "customer_focused": criterion.customer_focused,
    }


_KIND_MEANINGS: list[tuple[str, str, str]] = [
    (
        Criterion.Kind.CUSTOMER_EVIDENCE,
        Criterion.Kind.CUSTOMER_EVIDENCE.label,
        "Input: the points of the candidate's evidence ("
        + ", ".join(
            f"{Evidence.Kind(kind).label.lower()} {points}"
            for kind, points in Evidence.BASE_POINTS.items()
        )
        + "), counted in full when verified, half when not yet verified and not at all when "
        "disputed. Always customer-focused.",
    ),
    (
        Criterion.Kind.CUSTOMER_THANKS,
        Criterion.Kind.CUSTOMER_THANKS.label,
        "Input: how many different customers sent an approved thank-you in this cycle. "
        "Always customer-focused.",
    ),
    (
        Criterion.Kind.PEER_SUPPORT,
        Criterion.Kind.PEER_SUPPORT.label,
        "Input: different colleagues who nominated the candidate, plus ½ for each who endorsed. "
        "Never customer-focused.",
    ),
    (
        Criterion.Kind.PANEL,
        Criterion.Kind.PANEL.label,
        "The judges' mean score from 1 to 5 (1 earns nothing, 5 earns every point). No half "
        "point. Tick “customer-focused” when the judges score an effect on customers.",
    ),
]


def _explain(item: dict[str, Any]) -> dict[str, Any]:
    """One line per criterion saying what its weight and half point mean in points."""
    weight = int(item.get("weight") or 0)
    half_point = item.get("half_point")
    computed = item.get("kind") in Criterion.COMPUTED_KINDS
    return {
        "name": item.get("name"),
        "weight": weight,
        "half_weight": weight / 2,
        "half_point": half_point if computed else None,
        "computed": computed,
    }
