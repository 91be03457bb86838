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
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthedRequest
from accounts.models import User
from awards.models import AwardCycle, Criterion, PanelScore
from core.decorators import hr_required
from core.errors import ConflictError
from core.forms import service_errors
from cycles import deciding, scoreboard_cache, scoring, services
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
TRANSITION_ACTIONS: dict[str, tuple[Any, Any]] = {
    Status.OPEN: (
        _("Open nominations"),
        _("Employees can nominate colleagues until nominations close. The rubric stays editable."),
    ),
    Status.JUDGING: (
        _("Close nominations and start judging"),
        _(
            "No new nominations or endorsements. Judges score the candidates; the rubric and "
            "the competition settings are frozen."
        ),
    ),
    Status.DECIDED: (
        _("Close judging and decide"),
        _("Judges can no longer change their scores and the ranking is fixed."),
    ),
    Status.ANNOUNCED: (
        _("Announce the winners"),
        _("The result becomes public to everyone in the company."),
    ),
}
# The button that confirms a move on its confirmation page: every move is one way.
TRANSITION_CONFIRM: dict[str, Any] = {
    Status.OPEN: _("Yes, open nominations"),
    Status.JUDGING: _("Yes, close nominations"),
    Status.DECIDED: _("Yes, close judging and decide"),
    Status.ANNOUNCED: _("Yes, announce the winners"),
}
TRANSITION_DONE: dict[str, Any] = {
    Status.OPEN: _("Nominations are open."),
    Status.JUDGING: _("Nominations are closed and judging has started."),
    Status.DECIDED: _("Judging is closed: the cycle is decided."),
    Status.ANNOUNCED: _("The winners are announced."),
}
# Said on the confirmation, instead of moving, when what it named changed meanwhile.
TRANSITION_STALE: dict[str, Any] = {
    Status.DECIDED: _(
        "The standings changed since you looked: check who would win, then confirm again."
    ),
    Status.ANNOUNCED: _("The winners changed since you looked: check them, then confirm again."),
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
        # Opening a draft before its date moves the date to the day it opens (services.transition).
        "opens_early": cycle.status == Status.DRAFT and timezone.now() < cycle.opens_at,
        "active_nominations": cycle.nominations.filter(status=Nomination.Status.ACTIVE).count(),
        # Approved thank-yous record the cycle open when they were approved (issue 4).
        "counted_thanks": cycle.thanks.approved().count(),
        "winners": deciding.decided_winners(cycle),
    }


def _timeline(cycle: AwardCycle) -> list[dict[str, Any]]:
    order = list(Status.values)
    current = order.index(cycle.status)
    when: dict[str, tuple[str, dt.datetime | None]] = {
        Status.DRAFT: (_("Created"), cycle.created_at),
        Status.OPEN: (_("Opened") if current >= 1 else _("Opens"), cycle.opens_at),
        Status.JUDGING: (_("Nominations close"), cycle.nominations_close_at),
        Status.DECIDED: (_("Judging closes"), cycle.judging_close_at),
        Status.ANNOUNCED: (_("When HR announces the winners"), None),
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
@require_http_methods(["GET", "POST"])
def hr_cycle_transition(request: AuthedRequest, pk: int) -> HttpResponse:
    """Every move is one way: a GET (or a POST without `confirm`) shows what the move will do,
    with its real counts; only the POST from that page, with `confirm=yes`, makes it."""
    cycle = get_object_or_404(AwardCycle, pk=pk)
    confirmed = request.method == "POST" and request.POST.get("confirm") == "yes"
    to = request.POST.get("to", "") if request.method == "POST" else request.GET.get("to", "")
    to = to[:40]
    if confirmed and to == cycle.status and to in TRANSITION_DONE:
        # A second "Yes" (a double click, a resent form): the move it asks for is made.
        messages.success(request, TRANSITION_DONE[to])
        return redirect(cycle)
    if refusal := services.move_refusal(cycle, to):
        # Someone moved the cycle on, or a stale or tampered link: say where it can go.
        messages.error(request, _with_allowed(refusal))
        return redirect(cycle)
    if not confirmed:
        return _confirmation(request, cycle, to)
    expected = _read_shown(request.POST.get("shown", "")) if to in TRANSITION_STALE else None
    try:
        services.transition(cycle=cycle, to=to, by=request.user, expected_winners=expected)
    except ConflictError as error:
        cycle.refresh_from_db()
        if cycle.status == to:
            # The twin of a double click made the move while this one waited.
            messages.success(request, TRANSITION_DONE[to])
        elif error.extra.get("code") == "winners_changed":
            # The winners the page named changed since it was read: ask again.
            return _confirmation(request, cycle, to, stale=TRANSITION_STALE[to])
        else:
            messages.error(request, _with_allowed(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, TRANSITION_DONE[to])
    return redirect(cycle)


def _confirmation(
    request: AuthedRequest, cycle: AwardCycle, to: str, *, stale: str = ""
) -> HttpResponse:
    """What the move will do, with `shown` (what it names) for the POST to compare."""
    blocked = services.rubric_problems(cycle) if to == Status.OPEN else []
    context = {
        "cycle": cycle,
        "to": to,
        "label": TRANSITION_ACTIONS[to][0],
        "confirm_label": TRANSITION_CONFIRM[to],
        "consequences": _consequences(cycle, to),
        "shown": ",".join(map(str, services.winners_named(cycle, to))),
        "stale": stale,
        "blocked": blocked,
    }
    return render(request, "hr/cycles_confirm.html", context)


def _read_shown(value: str) -> list[int]:
    """The winners a confirmation named (its hidden `shown`); anything else names nobody,
    which differs from any real list of winners, so the move is asked again."""
    try:
        return [int(part) for part in value.split(",") if part]
    except ValueError:
        return [-1]


def _consequences(cycle: AwardCycle, to: str) -> list[str]:
    """What a move will do, in sentences with the cycle's real counts, for its confirmation."""
    active = cycle.nominations.filter(status=Nomination.Status.ACTIVE)
    if to == Status.OPEN:
        people = User.objects.active().count()
        said = [
            ngettext(
                "%(count)s person can nominate colleagues until nominations close.",
                "%(count)s people can nominate colleagues until nominations close.",
                people,
            )
            % {"count": people},
            str(_("The cycle cannot go back to draft.")),
        ]
        if timezone.now() < cycle.opens_at:
            planned = formats.date_format(timezone.localtime(cycle.opens_at), "j M Y")
            said.append(
                gettext(
                    "Opening now is earlier than planned (%(planned)s): its opening date "
                    "becomes today."
                )
                % {"planned": planned}
            )
        return said
    if to == Status.JUDGING:
        nominations = active.count()
        # The scoreboard's rule: nominees and thanked people, less the ineligible.
        candidates = scoring.candidates(cycle).count()
        judges = cycle.judges.count()
        said = [
            ngettext(
                "%(count)s nomination will be frozen: no new nominations, endorsements or "
                "evidence.",
                "%(count)s nominations will be frozen: no new nominations, endorsements or "
                "evidence.",
                nominations,
            )
            % {"count": nominations},
            ngettext(
                "%(count)s candidate will be scored.",
                "%(count)s candidates will be scored.",
                candidates,
            )
            % {"count": candidates},
            ngettext(
                "%(count)s judge can start scoring and will be told.",
                "%(count)s judges can start scoring and will be told.",
                judges,
            )
            % {"count": judges},
            str(_("The rubric and the competition settings will be frozen.")),
        ]
        if not judges:
            said.append(str(_("No judge is assigned yet: nobody will be able to score.")))
        return said
    if to == Status.DECIDED:
        scores = PanelScore.objects.filter(cycle=cycle)
        count = scores.count()
        scored = scores.values("judge").distinct().count()  # the judges who gave them
        standings = scoreboard_cache.standings(cycle)
        leaders = services.winners_named(cycle, Status.DECIDED)
        names = User.objects.in_bulk(leaders)
        said = [
            ngettext(
                "%(count)s score from %(judges)s will be final.",
                "%(count)s scores from %(judges)s will be final.",
                count,
            )
            % {
                "count": count,
                "judges": ngettext("%(count)s judge", "%(count)s judges", scored)
                % {"count": scored},
            },
            ngettext(
                "%(count)s candidate will be ranked and the scoreboard frozen.",
                "%(count)s candidates will be ranked and the scoreboard frozen.",
                len(standings),
            )
            % {"count": len(standings)},
        ]
        if leaders:
            said.append(
                ngettext(
                    "As the scoreboard stands now, the winner will be %(names)s.",
                    "As the scoreboard stands now, the %(count)s winners will be %(names)s.",
                    len(leaders),
                )
                % {
                    "count": len(leaders),
                    "names": ", ".join(names[pk].full_name for pk in leaders if pk in names),
                }
            )
        else:
            said.append(str(_("Nobody is a candidate: the cycle is decided without a winner.")))
        return said
    # Announced: the winners, their managers and every other nominee hear of it.
    awards = list(cycle.awards.select_related("recipient").order_by("rank"))
    winner_ids = [award.recipient_id for award in awards]
    told = (
        active.filter(nominee__is_active=True)
        .exclude(nominee_id__in=winner_ids)
        .values("nominee")
        .distinct()
        .count()
    )
    said = [
        ngettext(
            "%(count)s winner will be announced: %(names)s.",
            "%(count)s winners will be announced: %(names)s.",
            len(awards),
        )
        % {"count": len(awards), "names": ", ".join(a.recipient.full_name for a in awards)}
        if awards
        else str(_("Nobody was a candidate: the results will say so.")),
        ngettext(
            "%(count)s other nominee will be told they were nominated, by whom and for what.",
            "%(count)s other nominees will be told they were nominated, by whom and for what.",
            told,
        )
        % {"count": told},
    ]
    if awards:
        said.append(
            str(
                _(
                    "The award story is published in everyone's feed and the winners' "
                    "managers are told."
                )
            )
        )
    return said


def _with_allowed(error: ConflictError) -> str:
    allowed = error.extra.get("allowed")
    if allowed is None:
        return error.message
    if not allowed:
        return gettext("%(refusal)s It is in its last phase: there is no next step.") % {
            "refusal": error.message
        }
    names = ", ".join(f"“{Status(to).label}”" for to in allowed)
    return gettext(
        "%(refusal)s It can move only to: %(names)s. The page shows its current phase."
    ) % {"refusal": error.message, "names": names}


# --- Rubric --------------------------------------------------------------------------------


@hr_required
@require_http_methods(["GET", "POST"])
def hr_rubric(request: AuthedRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(AwardCycle, pk=pk)
    if request.method != "POST":
        return _render_rubric(request, cycle, RubricFormSet(initial=rubric_initial(cycle)))
    action = request.POST.get("action", "save")
    data = request.POST
    added_row = full = False
    if action == "add":
        # "Add a row" posts the table back and gets it again with one more empty row: this
        # works without JavaScript, and with htmx only the editor is swapped.
        grown = _with_one_more_row(data)
        full = grown is None
        added_row = not full
        data = data if full else grown
    # No initial data for a bound table: it is compared with what HR sent, not with the saved
    # rubric (which another HR user may have changed meanwhile), so blank rows stay blank.
    formset = RubricFormSet(data)
    valid = formset.is_valid()
    if action in ("add", "check") or (not valid and cycle.rubric_editable):
        return _render_rubric(
            request,
            cycle,
            formset,
            saving=action == "save",
            added_row=added_row,
            full=full,
        )
    # Not editable any more (someone moved the cycle on): the service refuses with the reason.
    try:
        services.replace_rubric(cycle=cycle, criteria=formset.items(), by=request.user)
    except ConflictError as error:
        messages.error(request, error.message)
        return redirect("awards:hr_rubric", pk=cycle.pk)
    except ValidationError as error:
        return _render_rubric(request, cycle, formset, saving=True, save_errors=error.messages)
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
    saving: bool = False,
    save_errors: list[str] | None = None,
    added_row: bool = False,
    full: bool = False,
) -> HttpResponse:
    context = _rubric_context(cycle, formset) | {
        "save_errors": save_errors or [],
        # Said above the mistakes of a save only: "Add a row" and "Check" save nothing.
        "not_saved": _("The rubric was not saved.") if saving else "",
        "added_row": added_row,  # the new row's first field takes the focus
        "full": full,  # "Add a row" on a full table: told so instead
    }
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


def _with_one_more_row(data: Any) -> Any | None:
    """The table sent with one more row, or None when it has the most rows allowed already."""
    prefix = RubricFormSet().prefix
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", "0"))
    except ValueError:
        return data  # tampered: the formset reports its own error
    if total >= RubricFormSet.max_num:
        return None
    data = data.copy()
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
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
