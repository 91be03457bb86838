"""Judging on the web: HR chooses a cycle's judges; each judge reads the candidates and gives
their 1–5 panel scores. Thin views: cycles.judging and cycles.access decide every rule."""

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthedRequest
from accounts.models import User
from accounts.picker import colleague_ids, colleague_picker
from awards.models import AwardCycle, Criterion, JudgeAssignment, PanelScore
from core.decorators import hr_required
from core.errors import ConflictError
from core.forms import service_errors
from cycles import access, judging, scoring
from nominations.access import nominators_shown
from nominations.forms import picker_search
from nominations.models import Nomination, ThankYou

Status = AwardCycle.Status
JUDGE_PAGE = "awards/judge_cycle.html"
SCORE_CHOICES = [
    ("1", "1 · Not shown"),
    ("2", "2 · A little"),
    ("3", "3 · Clearly"),
    ("4", "4 · Strongly"),
    ("5", "5 · Outstanding"),
]
# Candidates are shown once nominations close; scores change only while judging.
SHOWN_PHASES = (Status.JUDGING, Status.DECIDED, Status.ANNOUNCED)


# --- HR: the panel of judges ------------------------------------------------------------------


class JudgesForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_judges_%s")
        super().__init__(*args, **kwargs)
        self.fields["q"] = picker_search(field="people", label="Find colleagues to be judges")


@hr_required
@require_http_methods(["GET", "POST"])
def hr_judges(request: AuthedRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(AwardCycle, pk=pk)
    current = list(cycle.judges.values_list("judge_id", flat=True))
    if request.method != "POST":
        return _render_judges(request, cycle, JudgesForm(), q="", picked=current)
    q = request.POST.get("q", "").strip()
    picked = colleague_ids(request.POST.getlist("people"))
    form = JudgesForm(request.POST)
    form.is_valid()
    if "find" in request.POST:
        # Searching without JavaScript: list the matches to tick, keep who is ticked.
        return _render_judges(request, cycle, form, q=q, picked=picked)
    unconfirmed: list[User] = []
    confirmed = [pk for pk in colleague_ids(request.POST.getlist("confirmed")) if pk in picked]
    with service_errors(form):
        try:
            judging.assign_judges(
                cycle=cycle,
                judges=list(User.objects.filter(pk__in=picked)),
                by=request.user,
                confirmed_candidates=confirmed,
            )
        except judging.CandidatesOnPanel as error:
            # Not saved: the page asks HR to tick a confirmation for each of them.
            form.add_error(None, error.message)
            unconfirmed = error.people
        else:
            messages.success(request, "The judges are saved.")
            return redirect("awards:hr_judges", pk=cycle.pk)
    return _render_judges(
        request,
        cycle,
        form,
        q=q,
        picked=picked,
        errors=list(form.non_field_errors()),
        unconfirmed=unconfirmed,
        confirmed=confirmed,
    )


def _render_judges(
    request: AuthedRequest,
    cycle: AwardCycle,
    form: JudgesForm,
    *,
    q: str,
    picked: list[int],
    errors: list[str] | None = None,
    unconfirmed: list[User] | None = None,
    confirmed: list[int] | None = None,
) -> HttpResponse:
    assignments = list(
        cycle.judges.select_related("judge__department").order_by("judge__full_name")
    )
    progress = judging.judging_progress(cycle)["judges"] if assignments else {}
    competing = set(
        scoring.candidates(cycle)
        .filter(pk__in=[a.judge_id for a in assignments])
        .values_list("pk", flat=True)
    )
    context = {
        "cycle": cycle,
        "form": form,
        "picker": colleague_picker(field="people", q=q, selected=picked),
        "errors": errors or [],
        # Who HR must still confirm as a judge although a candidate, and who they did.
        "unconfirmed": unconfirmed or [],
        "confirmed": confirmed or [],
        "editable": cycle.status in judging.ASSIGNABLE,
        "judges": [
            {
                "person": a.judge,
                "candidate": a.judge_id in competing,
                **progress.get(a.judge_id, {"scored": 0, "to_score": 0}),
            }
            for a in assignments
        ],
    }
    return render(request, "hr/cycles_judges.html", context)


# --- A judge's pages --------------------------------------------------------------------------


@login_required
@require_GET
def judge_home(request: AuthedRequest) -> HttpResponse:
    """The cycles the caller judges; anyone else gets a friendly page saying so."""
    assignments = (
        JudgeAssignment.objects.filter(judge=request.user)
        .select_related("cycle")
        .order_by("-cycle__month")
    )
    cycles = []
    for assignment in assignments:
        cycle = assignment.cycle
        progress = (
            judging.judging_progress(cycle, request.user)
            if cycle.status == Status.JUDGING
            else None
        )
        cycles.append({"cycle": cycle, "progress": progress})
    return render(request, "awards/judge_home.html", {"cycles": cycles})


class ScoreForm(forms.Form):
    """One candidate's panel scores: a 1–5 choice and a note per panel criterion. The form
    reads a whole number; the service says which scores are valid, so a number off the scale
    is refused in its words, after the phase and the criterion."""

    def __init__(self, *args, criteria: list[Criterion], candidate_id: int, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"id_c{candidate_id}_%s")
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = forms.IntegerField(
                required=False,
                label=f"{criterion.name}: your score",
                widget=forms.RadioSelect(choices=SCORE_CHOICES),
                error_messages={"invalid": judging.SCORE_OUT_OF_RANGE},
            )
            self.fields[f"note_{criterion.pk}"] = forms.CharField(
                required=False,
                label=f"{criterion.name}: your note",
                help_text="For HR and the record; never shown to the candidate.",
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "criterion": c,
                "score": self[f"score_{c.pk}"],
                "note": self[f"note_{c.pk}"],
            }
            for c in self.criteria
        ]


def _judge_cycle(request: AuthedRequest, pk: int) -> AwardCycle:
    cycle = get_object_or_404(AwardCycle, pk=pk)
    if not access.is_judge(request.user, cycle):
        raise Http404("You are not a judge of this cycle.")
    return cycle


def _panel_criteria(cycle: AwardCycle) -> list[Criterion]:
    return list(cycle.criteria.filter(kind=Criterion.Kind.PANEL).order_by("position", "id"))


def _initial_scores(cycle: AwardCycle, judge: User) -> dict[int, dict[str, Any]]:
    initial: dict[int, dict[str, Any]] = defaultdict(dict)
    for row in PanelScore.objects.filter(cycle=cycle, judge=judge).values(
        "candidate_id", "criterion_id", "score", "note"
    ):
        initial[row["candidate_id"]][f"score_{row['criterion_id']}"] = row["score"]
        initial[row["candidate_id"]][f"note_{row['criterion_id']}"] = row["note"]
    return initial


@login_required
@require_GET
def judge_cycle(request: AuthedRequest, pk: int) -> HttpResponse:
    cycle = _judge_cycle(request, pk)
    return render(request, JUDGE_PAGE, _judge_context(request, cycle))


def _judge_context(request: AuthedRequest, cycle: AwardCycle) -> dict[str, Any]:
    user = request.user
    context: dict[str, Any] = {
        "cycle": cycle,
        "shown": cycle.status in SHOWN_PHASES,
        "editable": cycle.status == Status.JUDGING,
    }
    if not context["shown"]:
        return context
    conflicted = access.conflicted_candidate_ids(user, cycle)
    people = list(
        scoring.candidates(cycle).select_related("department").order_by("full_name", "pk")
    )
    visible = [p for p in people if p.pk not in conflicted]
    ids = [p.pk for p in visible]
    nominations = list(
        Nomination.objects.filter(cycle=cycle, status=Nomination.Status.ACTIVE, nominee_id__in=ids)
        .select_related("nominator", "cycle")
        .prefetch_related("evidence")
        .order_by("created_at", "pk")
    )
    shown = nominators_shown(user, nominations)
    by_nominee: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for nomination in nominations:
        by_nominee[nomination.nominee_id].append(
            {"nomination": nomination, "show_nominator": nomination.pk in shown}
        )
    thanks: dict[int, list[ThankYou]] = defaultdict(list)
    for thank_you in (
        ThankYou.objects.approved()
        .filter(cycle=cycle, employee_id__in=ids)
        .only("employee_id", "customer_name", "message", "organisation")
        .order_by("moderated_at", "pk")
    ):
        thanks[thank_you.employee_id].append(thank_you)
    criteria = _panel_criteria(cycle)
    initial = _initial_scores(cycle, user)
    # Never counting the judge themself: the count would tell a judge who is also a
    # candidate that they were nominated.
    hidden = [p for p in people if p.pk in conflicted and p.pk != user.pk]
    context |= {
        "hidden": len(hidden),
        "criteria": criteria,
        "progress": judging.judging_progress(cycle, user),
        "entries": [
            {
                "person": person,
                "nominations": by_nominee[person.pk],
                "thanks": thanks[person.pk],
                "form": ScoreForm(
                    initial=initial[person.pk], criteria=criteria, candidate_id=person.pk
                ),
            }
            for person in visible
        ],
    }
    return context


@login_required
@require_POST
def judge_score(request: AuthedRequest, pk: int, candidate_id: int) -> HttpResponse:
    """Save one candidate's panel scores. htmx gets that candidate's form back with "Saved" or
    the errors; without JavaScript, POST/redirect/GET."""
    cycle = _judge_cycle(request, pk)
    if candidate_id in access.conflicted_candidate_ids(request.user, cycle):
        raise PermissionDenied("You have a conflict of interest with this candidate.")
    candidate = get_object_or_404(scoring.candidates(cycle), pk=candidate_id)
    criteria = _panel_criteria(cycle)
    form = ScoreForm(request.POST, criteria=criteria, candidate_id=candidate.pk)
    form.is_valid()
    saved = 0
    with transaction.atomic():
        for criterion in criteria:
            fields = {"score": f"score_{criterion.pk}", "note": f"note_{criterion.pk}"}
            if fields["score"] in form.errors:
                continue  # not a number: the form says so next to the field
            score = form.cleaned_data.get(fields["score"])
            note = form.cleaned_data.get(fields["note"], "")
            if score is None and not note:
                continue  # not scored on this criterion yet
            with service_errors(form, rename=fields):
                try:
                    judging.score_candidate(
                        cycle=cycle,
                        judge=request.user,
                        candidate=candidate,
                        criterion=criterion,
                        score=score,
                        note=note,
                    )
                except ConflictError as error:
                    # Judging closed meanwhile: the other criteria would be refused too.
                    form.add_error(None, error.message)
                    break
                saved += 1
        if form.errors:
            transaction.set_rollback(True)
    anchor = reverse("awards:judge_cycle", args=[cycle.pk]) + f"#candidate-{candidate.pk}"
    if not request.htmx:
        if form.errors:
            # Without JavaScript the whole page comes back with the errors in place.
            context = _judge_context(request, cycle)
            for entry in context.get("entries", []):
                if entry["person"].pk == candidate.pk:
                    entry["form"] = form
            return render(request, JUDGE_PAGE, context)
        messages.success(request, f"Your scores for {candidate.full_name} are saved.")
        return redirect(anchor)
    if not form.errors:
        initial = _initial_scores(cycle, request.user)[candidate.pk]
        form = ScoreForm(initial=initial, criteria=criteria, candidate_id=candidate.pk)
    cycle.refresh_from_db(fields=["status"])
    context = {
        "cycle": cycle,
        "editable": cycle.status == Status.JUDGING,
        "entry": {"person": candidate, "form": form},
        "saved": not form.errors and saved > 0,
    }
    response = render(request, f"{JUDGE_PAGE}#score_form", context)
    # The progress line at the top of the page follows the save, out of band.
    progress = {"progress": judging.judging_progress(cycle, request.user), "oob": True}
    response.content += render_to_string(f"{JUDGE_PAGE}#progress", progress, request).encode()
    return response
