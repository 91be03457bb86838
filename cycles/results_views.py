"""The scoreboard (HR), the override of a decided order, and the results everyone reads once a
cycle is announced. Thin views: cycles.scoring and cycles.deciding do the work."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthedRequest
from accounts.models import User
from awards.models import Award, AwardCycle, Decision
from core.decorators import hr_required
from core.errors import ConflictError
from core.forms import service_errors
from cycles import deciding, scoreboard_cache
from cycles.snapshots import Line, Snapshot
from stories.models import Story

Status = AwardCycle.Status
SEGMENTS = 6  # colours of the stacked bar, repeated past six criteria
SCOREBOARD_PAGE_SIZE = 50  # rows of the scoreboard per page
OVERRIDE_LISTED = 10  # the override form starts from at least this many of the top candidates
NOT_IDS = "The ranking must be a list of candidate ids."


# --- Rows of a scoreboard, live or from the decision's snapshot ---------------------------------
# The standings come from cycles.scoreboard_cache (scored or parsed at most once per version);
# a page turns only its own rows into dicts, with their people (read fresh) and bars.


def _line(line: Line) -> dict[str, Any]:
    """A line as the pages show it, its numbers as Decimals."""
    return {
        "criterion_id": line.criterion_id,
        "name": line.name,
        "input": None if line.input is None else Decimal(line.input),
        "subscore": Decimal(line.subscore),
        "weight": line.weight,
        "points": Decimal(line.points),
    }


TWO_PLACES = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")


def _fixed(value: Decimal, places: Decimal) -> str:
    """What `{{ value|floatformat:n }}` prints here (en-gb: a point, no grouping). A page has
    some 1,500 numbers: formatted in Python they cost a tenth of the template filter."""
    return str(value.quantize(places, rounding=ROUND_HALF_UP))


def _trimmed(value: Decimal | None) -> str:
    """`floatformat:"-2"`: no decimals for a whole number, else two; a dash for no input."""
    if value is None:
        return "—"
    return str(int(value)) if value == value.to_integral_value() else _fixed(value, TWO_PLACES)


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


def _row_html(row: dict) -> SafeString:
    """One <tr> of the scoreboard, written here rather than in the template: a row holds some
    forty numbers and a bar, and rendering them through template variables and floatformat
    cost 2 ms a row, ten times a trivial page for fifty rows. Text is escaped; numbers are
    Decimals formatted as `floatformat` would (`_fixed`, `_trimmed`)."""
    person = row["person"]
    rank = str(row["rank"])
    if row["rank"] != row["computed_rank"]:
        rank += f' <span class="muted">({row["computed_rank"]})</span>'
    name = escape(person.full_name)
    if person.department:
        name += f'<br><span class="muted">{escape(str(person.department))}</span>'
    lines = "".join(
        f'\n      <td class="score-line">\n'
        f'        <span class="line-points">{_fixed(line["points"], TWO_PLACES)}</span>\n'
        f'        <span class="line-detail">input {_trimmed(line["input"])} → subscore '
        f"{_fixed(line['subscore'], FOUR_PLACES)} × {line['weight']}</span>\n      </td>"
        for line in row["lines"]
    )
    bar = row["bar"]
    segments = "".join(
        f'<rect class="seg {segment["css"]}" x="{_fixed(segment["x"], FOUR_PLACES)}" y="0" '
        f'width="{_fixed(segment["width"], FOUR_PLACES)}" height="10">'
        f"<title>{escape(segment['name'])}</title></rect>"
        for segment in bar["segments"]
    )
    return SafeString(
        f"<tr>\n      <td>{rank}</td>\n"
        f'      <th scope="row">{name}</th>{lines}\n'
        f'      <td class="strong">{_fixed(row["composite"], TWO_PLACES)}</td>\n'
        f'      <td>\n        <svg class="score-bar" viewBox="0 0 100 10" '
        f'preserveAspectRatio="none" role="img" aria-label="{escape(bar["label"])}">\n'
        f'          <rect class="seg-track" x="0" y="0" width="100" height="10"></rect>\n'
        f"          {segments}\n        </svg>\n      </td>\n    </tr>"
    )


def _override_prefix(standings: scoreboard_cache.Standings, cycle: AwardCycle) -> list[int]:
    """The candidates the override form lists to start from: the standing order's top
    max(winner_count, OVERRIDE_LISTED), or more when an earlier override reordered further
    down. The service keeps the computed order for everyone left out, so the prefix is
    extended until the remaining rows are in computed order: submitting the form unchanged
    then keeps the order that stands."""
    order, _ = standings.order("rank")
    computed = [standings.ranks(i)[1] for i in order]
    start = len(computed) - 1 if computed else 0
    while start > 0 and computed[start - 1] < computed[start]:
        start -= 1
    listed = order[: max(cycle.winner_count, OVERRIDE_LISTED, start)]
    return [standings.candidate_id(i) for i in listed]


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

    def clean_ranking(self) -> list[int]:
        """The leading number of each line, as the candidate ids for the service."""
        ids: list[int] = []
        for line in self.cleaned_data["ranking"].splitlines():
            token = line.strip().split(" ")[0].rstrip(".,—-") if line.strip() else ""
            if not token:
                continue
            if not (token.isascii() and token.isdigit()):
                raise forms.ValidationError(NOT_IDS, code="invalid")
            ids.append(int(token))
        return ids


def _page_rows(standings: scoreboard_cache.Standings, page) -> list[SafeString]:
    """The rows of one page of the scoreboard, as HTML (`_row_html`), with their people as
    they are now: one query."""
    entries = [standings.entry(index) for index in page.object_list]
    people = User.objects.select_related("department").in_bulk(
        {entry.candidate_id for entry in entries}
    )
    html = []
    for entry in entries:
        person = people.get(entry.candidate_id)
        if person is not None:
            row = {
                "person": person,
                "rank": entry.rank,
                "computed_rank": entry.computed_rank,
                "composite": Decimal(entry.composite),
                "lines": [_line(line) for line in entry.lines],
            }
            row["bar"] = _bar(row)
            html.append(_row_html(row))
    return html


@hr_required
@require_http_methods(["GET", "POST"])
def hr_scoreboard(request: AuthedRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(AwardCycle, pk=pk)
    decision = (
        Decision.objects.filter(cycle=cycle)
        .select_related("overridden_by")
        .defer("snapshot")  # megabytes at 10,000 nominations: read only when not cached
        .first()
    )
    form = None
    if decision is not None and cycle.status == Status.DECIDED:
        form = OverrideForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            with service_errors(form):
                try:
                    deciding.override_ranking(
                        cycle=cycle,
                        by=request.user,
                        ranking=form.cleaned_data["ranking"],
                        justification=form.cleaned_data["justification"],
                    )
                except ConflictError as error:
                    # Someone announced or overrode meanwhile: the page shows the real state.
                    messages.error(request, error.message)
                    return redirect("awards:hr_scoreboard", pk=cycle.pk)
                messages.success(request, "The new order is saved and the awards follow it.")
                return redirect("awards:hr_scoreboard", pk=cycle.pk)
    elif request.method == "POST":
        messages.error(request, "The order can be changed only once the cycle is decided.")
        return redirect("awards:hr_scoreboard", pk=cycle.pk)
    standings = scoreboard_cache.standings(cycle, decision)
    order, sort = standings.order(request.GET.get("sort", "rank"))
    page = Paginator(order, SCOREBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _page_rows(standings, page)
    listed = _override_prefix(standings, cycle) if form is not None and not form.is_bound else []
    rubric = [dict(criterion) for criterion in standings.criteria]
    for index, criterion in enumerate(rubric):
        criterion["css"] = f"seg-{index % SEGMENTS}"
    if listed:
        people = User.objects.in_bulk(listed)
        form.initial["ranking"] = "\n".join(
            f"{pk} {people[pk].full_name}" for pk in listed if pk in people
        )
    context = {
        "cycle": cycle,
        "decision": decision,
        "rubric": rubric,
        "rows": rows,
        "page": page,
        "sort": sort,
        "form": form,
        "nobody": decision is not None and not len(standings),
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
    lines = {row.candidate_id: row.lines for row in Snapshot.read(decision.snapshot).rows}
    story = (
        Story.objects.filter(
            kind=Story.Kind.AWARD, award_cycle=cycle, status=Story.Status.PUBLISHED
        )
        .order_by("pk")
        .first()
    )
    context = {
        "cycle": cycle,
        "winners": [
            {"award": a, "lines": [_line(line) for line in lines.get(a.recipient_id, ())]}
            for a in awards
        ],
        "story": story,
    }
    return render(request, "awards/results.html", context)
