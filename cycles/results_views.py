"""The scoreboard (HR), the override of a decided order, and the results everyone reads once a
cycle is announced. Thin views: cycles.scoring and cycles.deciding do the work."""

from contextlib import suppress
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
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
NOT_IDS = _("The ranking must be a list of candidate ids.")


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
    name = f'<a href="{row["nominations_url"]}">{escape(person.full_name)}</a>'
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


def _override_entries(
    standings: scoreboard_cache.Standings, cycle: AwardCycle
) -> dict[int, scoreboard_cache.Entry]:
    """The candidates the reorder form lists, by id in the order that stands: the top
    max(winner_count, OVERRIDE_LISTED), or more when an earlier override reordered further
    down. The service keeps the computed order for everyone left out, so the prefix is
    extended until the remaining rows are in computed order: saving the list unchanged then
    keeps the order that stands."""
    order, _sort = standings.order("rank")
    computed = [standings.ranks(i)[1] for i in order]
    start = len(computed) - 1 if computed else 0
    while start > 0 and computed[start - 1] < computed[start]:
        start -= 1
    listed = order[: max(cycle.winner_count, OVERRIDE_LISTED, start)]
    return {standings.candidate_id(i): standings.entry(i) for i in listed}


# --- HR: the scoreboard and the override -------------------------------------------------------


class CandidateOrderField(forms.Field):
    """The candidates' ids in order, one hidden input per row of the reorder list."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": NOT_IDS}

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        if not isinstance(value, (list, tuple)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        ids = []
        for item in value:
            token = str(item).strip()
            if not (token.isascii() and token.isdigit()) or len(token) > 18:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            ids.append(int(token))
        return ids


class OverrideForm(forms.Form):
    ranking = CandidateOrderField(required=False)
    justification = forms.CharField(
        label=_("Justification (required)"),
        help_text=_(
            "Why the order changes. Its first sentence is shown on the public results; the "
            "whole text is kept in the audit log."
        ),
        error_messages={"required": deciding.JUSTIFICATION_NEEDED},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # The override the list was built from (deciding.override_version): a save from a page
    # built before someone else's save is refused rather than silently replacing theirs.
    base = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)


def _moved(order: list[int], move: str) -> tuple[list[int], str]:
    """`order` with one candidate moved a place ("up:<id>" or "down:<id>"), and the button to
    focus on the page that shows it: the same button of the same row. A move past either end,
    or of nobody listed, changes nothing."""
    direction, _sep, token = move.partition(":")
    if direction not in ("up", "down") or not (token.isascii() and token.isdigit()):
        return order, ""
    pk = int(token)
    if pk not in order:
        return order, ""
    index = order.index(pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order = order.copy()
        order[index], order[other] = order[other], order[index]
    return order, f"{direction}:{pk}"


def _reorder_rows(
    order: list[int], entries: dict[int, scoreboard_cache.Entry], cycle: AwardCycle, focus: str
) -> list[dict[str, Any]]:
    """The rows of the reorder list: each listed candidate, in `order`, with their place, their
    computed rank and score, and whether their place wins. One query for the names."""
    listed = list(dict.fromkeys(pk for pk in order if pk in entries))  # a tampered twin once
    listed += [pk for pk in entries if pk not in set(listed)]
    people = User.objects.select_related("department").in_bulk(listed)
    rows = []
    for place, pk in enumerate((pk for pk in listed if pk in people), start=1):
        entry = entries[pk]
        rows.append(
            {
                "pk": pk,
                "person": people[pk],
                "place": place,
                "wins": place <= cycle.winner_count,
                "computed_rank": entry.computed_rank,
                "composite": Decimal(entry.composite),
                "focus_up": focus == f"up:{pk}",
                "focus_down": focus == f"down:{pk}",
            }
        )
    return rows


def _refused_as_stale(request: AuthedRequest, decision: Decision, message: str) -> OverrideForm:
    """The override form again, built on the order that stands now (someone else's), with
    the reason next to the list and HR's justification kept for another try."""
    decision.refresh_from_db(fields=["overridden_at"])
    data = request.POST.copy()
    data["base"] = deciding.override_version(decision)
    form = OverrideForm(data)
    form.is_valid()
    form.add_error("ranking", forms.ValidationError(message, code="stale"))
    return form


def _page_rows(standings: scoreboard_cache.Standings, page) -> list[SafeString]:
    """The rows of one page of the scoreboard, as HTML (`_row_html`), with their people as
    they are now: one query."""
    entries = [standings.entry(index) for index in page.object_list]
    people = User.objects.select_related("department").in_bulk(
        {entry.candidate_id for entry in entries}
    )
    # Each name links to that candidate's nominations in HR's list.
    listed = reverse("awards:hr_nominations", args=[standings.cycle.pk]) + "?nominee="
    html = []
    for entry in entries:
        person = people.get(entry.candidate_id)
        if person is not None:
            row = {
                "nominations_url": f"{listed}{person.pk}",
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
    if request.method == "POST" and (decision is None or cycle.status != Status.DECIDED):
        messages.error(request, _("The order can be changed only once the cycle is decided."))
        return redirect("awards:hr_scoreboard", pk=cycle.pk)
    standings = scoreboard_cache.standings(cycle, decision)
    form = None
    reorder: list[dict[str, Any]] = []
    if decision is not None and cycle.status == Status.DECIDED:
        entries = _override_entries(standings, cycle)
        order, focus = list(entries), ""
        if request.method == "POST" and "move" in request.POST:
            # Move up / Move down: the same page again, the new order kept in its hidden
            # fields and nothing saved; the justification typed so far is kept too.
            # A tampered list starts again from the order that stands.
            with suppress(forms.ValidationError):
                order = (
                    OverrideForm.base_fields["ranking"].clean(request.POST.getlist("ranking"))
                    or order
                )
            order, focus = _moved(order, request.POST["move"][:40])
            form = OverrideForm(
                initial={
                    "justification": request.POST.get("justification", ""),
                    "base": request.POST.get("base", "")[:40],
                }
            )
        elif request.method == "POST":
            form = OverrideForm(request.POST)
            if form.is_valid():
                with service_errors(form):
                    try:
                        deciding.override_ranking(
                            cycle=cycle,
                            by=request.user,
                            ranking=form.cleaned_data["ranking"],
                            justification=form.cleaned_data["justification"],
                            expected_version=form.cleaned_data["base"],
                        )
                    except ConflictError as error:
                        if not error.extra.get("order_changed"):
                            # Someone announced meanwhile: the page shows the real state.
                            messages.error(request, error.message)
                            return redirect("awards:hr_scoreboard", pk=cycle.pk)
                        # Another HR tab saved an order since this one was built: show
                        # theirs, the reason next to the list, the justification kept.
                        form = _refused_as_stale(request, decision, error.message)
                    else:
                        messages.success(
                            request, _("The new order is saved and the awards follow it.")
                        )
                        return redirect("awards:hr_scoreboard", pk=cycle.pk)
            # Refused: the list stays as HR arranged it, the errors next to their fields.
            if not form.has_error("ranking", "stale"):
                order = form.cleaned_data.get("ranking") or order
        else:
            form = OverrideForm(initial={"base": deciding.override_version(decision)})
        reorder = _reorder_rows(order, entries, cycle, focus)
    order, sort = standings.order(request.GET.get("sort", "rank"))
    page = Paginator(order, SCOREBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _page_rows(standings, page)
    rubric = [dict(criterion) for criterion in standings.criteria]
    for index, criterion in enumerate(rubric):
        criterion["css"] = f"seg-{index % SEGMENTS}"
    context = {
        "cycle": cycle,
        "decision": decision,
        "winners": deciding.decided_winners(cycle),
        "rubric": rubric,
        "rows": rows,
        "page": page,
        "sort": sort,
        "form": form,
        "reorder": reorder,
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
    """The announced winners, celebrated: the first largest, with what they are cited for,
    their customers' words and what they measured, then the others; and, when HR changed the
    computed order, that it did and why (the first sentence of the justification)."""
    cycle = get_object_or_404(AwardCycle, pk=pk)
    decision = Decision.objects.filter(cycle=cycle).first()
    if cycle.status != Status.ANNOUNCED or decision is None:
        raise Http404("The results of this cycle are not announced.")
    awards = list(cycle.awards.select_related("recipient__department").order_by("rank"))
    computed = {
        row.candidate_id: (rank, row.lines)
        for rank, row in enumerate(Snapshot.read(decision.snapshot).rows, start=1)
    }
    recipients = [award.recipient for award in awards]
    cited = deciding.citations(cycle, recipients)
    measured = deciding.measures(cycle, recipients)
    winners = [
        {
            "award": award,
            "computed_rank": computed.get(award.recipient_id, (None, ()))[0],
            "lines": [_line(line) for line in computed.get(award.recipient_id, (None, ()))[1]],
            "citation": cited[award.recipient_id],
            "measures": measured[award.recipient_id],
        }
        for award in awards
    ]
    story = (
        Story.objects.filter(
            kind=Story.Kind.AWARD, award_cycle=cycle, status=Story.Status.PUBLISHED
        )
        .order_by("pk")
        .first()
    )
    changed = deciding.order_changed(
        decision, [award.recipient_id for award in awards], cycle.winner_count
    )
    context = {
        "cycle": cycle,
        "decision": decision,
        "overridden": changed,
        # Only a reason written under "its first sentence is shown on the public results".
        "public_reason": decision.justification_summary
        if changed and decision.justification_public
        else "",
        "winner": winners[0] if winners else None,
        "runners_up": winners[1:],
        "story": story,
    }
    return render(request, "awards/results.html", context)
