"""The scoreboard (HR), the override of a decided order, and the results everyone reads once a
cycle is announced. Thin views: awards.scoring and awards.deciding do the work."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from awards import deciding, scoring
from awards.models import Award, AwardCycle, Decision
from core.api import ConflictError
from core.decorators import hr_required
from core.forms import apply_service_errors
from core.http import AuthedRequest
from stories.models import Story

Status = AwardCycle.Status
SEGMENTS = 6  # colours of the stacked bar, repeated past six criteria


# --- Rows of a scoreboard, live or from the decision's snapshot ---------------------------------


def _live_rows(cycle: AwardCycle) -> tuple[list[dict], list[dict]]:
    criteria, inputs = scoring.gather(cycle)
    standings = scoring.score(criteria, inputs)
    rubric = [{"id": c.id, "name": c.name, "weight": c.weight} for c in criteria]
    rows = [
        {
            "candidate_id": s.candidate_id,
            "rank": s.rank,
            "computed_rank": s.rank,
            "composite": s.composite,
            "lines": [
                {
                    "criterion_id": line.criterion_id,
                    "name": line.name,
                    "input": line.input,
                    "subscore": line.subscore,
                    "weight": line.weight,
                    "points": line.points,
                }
                for line in s.lines
            ],
        }
        for s in standings
    ]
    return rubric, rows


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _snapshot_rows(decision: Decision) -> tuple[list[dict], list[dict]]:
    snapshot = decision.snapshot
    rubric = [
        {"id": c["id"], "name": c["name"], "weight": c["weight"]}
        for c in snapshot.get("rubric", [])
    ]
    order = {r.candidate_id: i for i, r in enumerate(deciding.effective_ranking(decision), 1)}
    rows = [
        {
            "candidate_id": int(row["candidate_id"]),
            "rank": order.get(int(row["candidate_id"]), int(row["rank"])),
            "computed_rank": int(row["rank"]),
            "composite": Decimal(str(row["composite"])),
            "lines": [
                {
                    "criterion_id": line["criterion_id"],
                    "name": line["name"],
                    "input": _number(line["input"]),
                    "subscore": Decimal(line["subscore"]),
                    "weight": line["weight"],
                    "points": Decimal(line["points"]),
                }
                for line in row["lines"]
            ],
        }
        for row in snapshot.get("candidates", [])
    ]
    return rubric, rows


def _bar(row: dict) -> dict[str, Any]:
    """A stacked bar (0–100 points) showing how the composite is made of each criterion."""
    x = Decimal(0)
    segments = []
    for index, line in enumerate(row["lines"]):
        width = line["points"]
        segments.append(
            {"x": x, "width": width, "css": f"seg-{index % SEGMENTS}", "name": line["name"]}
        )
        x += width
    parts = ", ".join(f"{line['name']} {line['points']:.2f}" for line in row["lines"])
    return {
        "segments": segments,
        "label": f"{row['composite']} points in all: {parts}" if parts else "No points",
    }


def _sorted(rows: list[dict], sort: str, rubric: list[dict]) -> tuple[list[dict], str]:
    if sort == "name":
        return sorted(rows, key=lambda r: (r["person"].full_name.lower(), r["rank"])), sort
    if sort == "composite":
        return sorted(rows, key=lambda r: (-r["composite"], r["rank"])), sort
    criterion_ids = {str(c["id"]) for c in rubric}
    if sort in criterion_ids:

        def points(row: dict) -> Decimal:
            return next(
                (line["points"] for line in row["lines"] if str(line["criterion_id"]) == sort),
                Decimal(0),
            )

        return sorted(rows, key=lambda r: (-points(r), r["rank"])), sort
    return sorted(rows, key=lambda r: r["rank"]), "rank"


# --- HR: the scoreboard and the override -------------------------------------------------------


class OverrideForm(forms.Form):
    ranking = forms.CharField(
        required=False,
        label="The order you want",
        help_text="One candidate per line, first place first: the number at the start of each "
        "line is the candidate's id (the names after it are only a reminder). Candidates you "
        "leave out keep their computed order after the ones you list.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    justification = forms.CharField(
        required=False,
        label="Why the order changes",
        help_text="Shown on the scoreboard and kept in the audit log.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def ranking_ids(self) -> list[int | str]:
        """The leading number of each line; anything else is passed on for the service to
        refuse in words."""
        ids: list[int | str] = []
        for line in self.cleaned_data.get("ranking", "").splitlines():
            token = line.strip().split(" ")[0].rstrip(".,—-") if line.strip() else ""
            if token:
                ids.append(int(token) if token.isascii() and token.isdigit() else token)
        return ids


@hr_required
@require_http_methods(["GET", "POST"])
def hr_scoreboard(request: AuthedRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(AwardCycle, pk=pk)
    decision = Decision.objects.filter(cycle=cycle).select_related("overridden_by").first()
    form = None
    if decision is not None and cycle.status == Status.DECIDED:
        form = OverrideForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                deciding.override_ranking(
                    cycle=cycle,
                    by=request.user,
                    ranking=form.ranking_ids(),
                    justification=form.cleaned_data["justification"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            except ConflictError as error:
                messages.error(request, error.message)
                return redirect("awards:hr_scoreboard", pk=cycle.pk)
            else:
                messages.success(request, "The new order is saved and the awards follow it.")
                return redirect("awards:hr_scoreboard", pk=cycle.pk)
    elif request.method == "POST":
        messages.error(request, "The order can be changed only once the cycle is decided.")
        return redirect("awards:hr_scoreboard", pk=cycle.pk)
    rubric, rows = _snapshot_rows(decision) if decision else _live_rows(cycle)
    people = User.objects.select_related("department").in_bulk([r["candidate_id"] for r in rows])
    for row in rows:
        row["person"] = people.get(row["candidate_id"])
        row["bar"] = _bar(row)
    rows = [row for row in rows if row["person"] is not None]
    for index, criterion in enumerate(rubric):
        criterion["css"] = f"seg-{index % SEGMENTS}"
    rows, sort = _sorted(rows, request.GET.get("sort", "rank"), rubric)
    if form is not None and not form.is_bound:
        ranked = sorted(rows, key=lambda r: r["rank"])
        form.initial["ranking"] = "\n".join(
            f"{r['candidate_id']} {r['person'].full_name}" for r in ranked
        )
    context = {
        "cycle": cycle,
        "decision": decision,
        "rubric": rubric,
        "rows": rows,
        "sort": sort,
        "form": form,
        "nobody": decision is not None and not rows,
    }
    return render(request, "hr/cycles_scoreboard.html", context)


# --- Everyone: the hall of fame and a cycle's results ------------------------------------------


@login_required
@require_GET
def hall_of_fame(request: AuthedRequest) -> HttpResponse:
    cycles = (
        AwardCycle.objects.filter(status=Status.ANNOUNCED)
        .order_by("-month", "-id")
        .prefetch_related(
            Prefetch(
                "awards",
                queryset=Award.objects.select_related("recipient__department").order_by("rank"),
            )
        )
    )
    return render(request, "awards/hall_of_fame.html", {"cycles": cycles})


@login_required
@require_GET
def results(request: AuthedRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(AwardCycle, pk=pk)
    decision = Decision.objects.filter(cycle=cycle).first()
    if cycle.status != Status.ANNOUNCED or decision is None:
        raise Http404("The results of this cycle are not announced.")
    awards = list(cycle.awards.select_related("recipient__department").order_by("rank"))
    lines = {row["candidate_id"]: row["lines"] for row in _snapshot_rows(decision)[1]}
    story = (
        Story.objects.filter(
            kind=Story.Kind.AWARD, award_cycle=cycle, status=Story.Status.PUBLISHED
        )
        .order_by("pk")
        .first()
    )
    context = {
        "cycle": cycle,
        "winners": [{"award": a, "lines": lines.get(a.recipient_id, [])} for a in awards],
        "story": story,
    }
    return render(request, "awards/results.html", context)
