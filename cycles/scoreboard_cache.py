"""The scoreboard's standings, cached: scoring a live cycle of 10,000 nominations takes a good
part of a second and a decision's snapshot is megabytes of JSON, yet HR pages through them many
times between two changes. (The decision itself, the override and the awards never read this
cache: they always score from the database.)

One cache, keyed on the release, the cycle and the cycle's `scoring_version`. Every service
that writes something a cycle's standings are computed from (its nominations, their evidence
and endorsements, the thank-yous approved in it, its panel scores, its rubric, its settings,
its decision and HR's override) calls `standings_changed` in the transaction of the write: the
new version commits with the data, or neither does. A reader reads the cycle row (its version)
before the data it scores, so what it caches under a version is never older than that version.
A deploy changes the release, so no entry written by other code is ever read.

Only what those versioned writes change is cached. The rest is read fresh on every request:
- who may compete (`eligibility.ineligible_ids`, one query): a person deactivated, moved out of the
  cycle's departments or cooling down after a win in another cycle may be written by any path
  (a directory import, the admin, another cycle's decision). Live standings are therefore
  scored for everyone with an active nomination or an approved thank-you, and the ineligible
  are left out and the ranks counted per request: a candidate's score never depends on who
  else competes, so the order of the others does not change;
- the people: names and departments for the rows a page shows (one query), and the names of
  every candidate when the page is sorted by name (one more).

A transaction that changes the standings must not read them before it commits (no service
does, and the views are not atomic): what it cached under its new version would outlive a
rollback and be found when a later write reaches the same number.
"""

import functools
import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.core.cache import cache

from accounts.models import User
from awards import eligibility
from awards.models import AwardCycle, Decision
from core.caching import release_key
from cycles import scoring
from cycles.snapshots import Line, Row, Snapshot

# Every write moves the key, so an entry never needs to expire to be right: this only lets a
# cache without an eviction policy free the memory of old versions.
KEEP = 24 * 60 * 60


# --- The cached board -------------------------------------------------------------------------


@dataclass(frozen=True)
class Board:
    """A cycle's standings as cached: a snapshot (cycles/snapshots.py, scored live or a
    decision's), packed, in computed rank order. `rows` are (candidate_id, rank,
    computed_rank, composite, lines), the composite a decimal string and lines
    "input,subscore,points;…" in the order of `criteria` (an empty input is None); `rank` is
    the order that stands (HR's override of a decision), the computed rank on a live board.
    `orders` maps a sort (a criterion id as a string, and "rank" on a decided board) to row
    indexes; the computed order is the composite order, so it needs none.

    Compact on purpose: unpickling 6,000 rows of dicts of Decimals would cost more than a
    page may take; `Standings.entry` reads back the rows a page shows."""

    criteria: list[dict]
    rows: list[tuple]
    orders: dict[str, array]
    decided: bool


def _packed(lines: Sequence[Line]) -> str:
    return ";".join(
        f"{'' if line.input is None else line.input},{line.subscore},{line.points}"
        for line in lines
    )


def _by_criterion(criteria: list[dict], rows: list[tuple], points: list[list[Decimal]]):
    """Each criterion's order: more points first, ties in the order that stands."""
    return {
        str(criterion["id"]): array(
            "l", sorted(range(len(rows)), key=lambda i, at=at: (-points[i][at], rows[i][1], i))
        )
        for at, criterion in enumerate(criteria)
    }


def _board_of(snapshot: Snapshot, standing: Sequence[Row] | None) -> Board:
    """The board of a snapshot; `standing` is the order that stands on a decided board (HR's
    override, if any), None on a live one."""
    criteria = [item.to_json() for item in snapshot.rubric]
    at = None if standing is None else {row.candidate_id: i for i, row in enumerate(standing, 1)}
    number = functools.cache(Decimal)  # a few distinct values, in tens of thousands of lines
    rows, points = [], []
    for row in snapshot.rows:
        rank = row.rank if at is None else at.get(row.candidate_id, row.rank)
        rows.append((row.candidate_id, rank, row.rank, row.composite, _packed(row.lines)))
        points.append([number(line.points) for line in row.lines])
    orders = _by_criterion(criteria, rows, points)
    if standing is not None:
        orders["rank"] = array("l", sorted(range(len(rows)), key=lambda i: (rows[i][1], i)))
    return Board(criteria, rows, orders, decided=standing is not None)


def _live_board(cycle: AwardCycle) -> Board:
    criteria, inputs = scoring.gather_all(cycle)
    return _board_of(Snapshot.of(criteria, inputs, scoring.score(criteria, inputs)), None)


def _decided_board(decision: Decision) -> Board:
    snapshot = Snapshot.read(decision.snapshot)
    return _board_of(snapshot, snapshot.standing_order(decision.override_ranking))


# The few boards this process read last, under the same keys: reading a board of 6,000 rows
# back from the shared cache (a Redis round trip of a megabyte, then unpickling it) cost more
# than the rest of the page. The key names the version read from the database in this very
# request, so a board found here is exactly the one the shared cache holds under that key.
RECENT_BOARDS = 4
_recent: OrderedDict[str, Board] = OrderedDict()
_recent_lock = threading.Lock()


def _remember(key: str, board: Board) -> Board:
    with _recent_lock:
        _recent[key] = board
        _recent.move_to_end(key)
        while len(_recent) > RECENT_BOARDS:
            _recent.popitem(last=False)
    return board


def forget_recent() -> None:
    """Empty this process's boards (the tests' databases reuse ids and versions)."""
    with _recent_lock:
        _recent.clear()


def _board(cycle: AwardCycle, decision: Decision | None) -> Board:
    kind = "decided" if decision is not None else "live"
    key = release_key("scoreboard", cycle.pk, cycle.scoring_version, kind)
    with _recent_lock:
        found = _recent.get(key)
    if found is not None:
        return found
    value = cache.get(key)
    if value is not None:
        return _remember(key, Board(*value))
    board = _decided_board(decision) if decision is not None else _live_board(cycle)
    cache.set(key, (board.criteria, board.rows, board.orders, board.decided), KEEP)
    return _remember(key, board)


# --- The standings of one request -------------------------------------------------------------


class Entry(NamedTuple):
    """A row of the standings as this request reads them."""

    candidate_id: int
    rank: int  # the order that stands: HR's override on a decided board
    computed_rank: int
    composite: str
    lines: list[Line]


class Standings:
    """A cycle's board as it stands for this request: on a live board, without those who may
    not compete now, ranked among those who may."""

    def __init__(self, cycle: AwardCycle, board: Board, ineligible: set[int]) -> None:
        self.cycle = cycle
        self.board = board
        self.criteria = board.criteria
        # Indexes of the rows left out, ascending: a row's rank is its computed rank less the
        # rows left out above it.
        self._out = [i for i, row in enumerate(board.rows) if row[0] in ineligible]
        self._left_out = set(self._out)
        # Each criterion's lines, by their packed text: most candidates share a few values.
        self._read: list[dict[str, Line]] = [{} for _ in self.criteria]

    def __len__(self) -> int:
        return len(self.board.rows) - len(self._out)

    def _kept(self, order: Sequence[int]) -> Sequence[int]:
        if not self._out:
            return order
        return [i for i in order if i not in self._left_out]

    def computed_order(self) -> Sequence[int]:
        return self._kept(range(len(self.board.rows)))

    def order(self, sort: str) -> tuple[Sequence[int], str]:
        """The row indexes in the order asked for (ties in rank order), and the sort applied:
        rank order for a sort it does not know."""
        if sort == "name":
            return self._by_name(), sort
        if sort == "composite":
            return self.computed_order(), sort
        found = self.board.orders.get(sort)
        if found is not None and sort != "rank":
            return self._kept(found), sort
        return self._kept(self.board.orders.get("rank") or range(len(self.board.rows))), "rank"

    def _by_name(self) -> list[int]:
        """Alphabetical, ties in rank order, by the names as they are now."""
        names = dict(
            User.objects.filter(scoring.competing(self.cycle)).values_list("pk", "full_name")
        )
        rows = self.board.rows
        by_rank, _ = self.order("rank")
        return sorted(by_rank, key=lambda i: names.get(rows[i][0], "").lower())

    def ranks(self, index: int) -> tuple[int, int]:
        """(the rank that stands, the computed rank) of a row."""
        _, rank, computed, _, _ = self.board.rows[index]
        if self.board.decided:
            return rank, computed
        rank = computed - bisect_left(self._out, index)
        return rank, rank

    def candidate_id(self, index: int) -> int:
        return self.board.rows[index][0]

    def entry(self, index: int) -> Entry:
        """One row, with its lines as the snapshot has them."""
        candidate_id, _, _, composite, packed = self.board.rows[index]
        rank, computed_rank = self.ranks(index)
        return Entry(candidate_id, rank, computed_rank, composite, self._lines(packed))

    def _lines(self, packed: str) -> list[Line]:
        if not self.criteria:
            return []
        lines = []
        for criterion, memo, part in zip(self.criteria, self._read, packed.split(";"), strict=True):
            line = memo.get(part)
            if line is None:
                value, subscore, points = part.split(",")
                line = memo[part] = Line(
                    criterion_id=criterion["id"],
                    name=criterion["name"],
                    kind=criterion["kind"],
                    input=value or None,
                    subscore=subscore,
                    weight=criterion["weight"],
                    points=points,
                )
            lines.append(line)
        return lines


def standings(cycle: AwardCycle, decision: Decision | None = None) -> Standings:
    """The standings of `cycle` (read from the database in this request, for its version):
    the decision's snapshot with HR's override once decided, else scored live, at most once
    per version. Give a Decision loaded with `.defer("snapshot")`: the megabytes of JSON are
    then fetched only when not cached."""
    board = _board(cycle, decision)
    ineligible = set() if board.decided else eligibility.ineligible_ids(cycle)
    return Standings(cycle, board, ineligible)
