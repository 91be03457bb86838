"""The scoreboard's standings, cached: scoring a live cycle of 10,000 nominations takes half a
second and a decision's snapshot is megabytes of JSON, yet HR pages through them many times
between two changes. (The decision itself, the override and the awards never read this cache:
they always score from the database.)

Live standings are cached under a per-cycle "scoring inputs version" plus a global one. Every
write that can change a live scoreboard bumps a version: the post_save signals below for
single-row saves (connected in AwardsConfig.ready), explicit `bump`/`bump_all` calls where the
services write in bulk or delete (queryset.update, bulk_create and fast deletes send no signal).
A version is bumped as the write happens, inside its transaction (services never wait for the
commit: several tests count the on-commit callbacks, and reads later in the same transaction
must see the change). A reader may then score the data as it was just before that commit and
cache it under the new version; so standings scored within SETTLE seconds of a bump are kept
for SETTLE seconds only, not for TIMEOUT.

A decided cycle's standings are cached the same way: its snapshot is frozen, and HR's override
saves the Decision, which bumps the versions.

The cached value is deliberately compact (a row is a tuple of a few ints and strings, the
lines of a row one string) because unpickling 6,000 rows of dicts of Decimals would cost more
than the page may take; `row_dict` rebuilds the full row for the 50 rows a page shows.
"""

import time
from array import array
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

from awards import scoring
from awards.models import Award, AwardCycle, Criterion, Decision, PanelScore

FORMAT = 1  # bump when the shape of the cached value changes
TIMEOUT = 10 * 60  # a safety net: a write path nobody thought of is stale ten minutes at most
SETTLE = 10  # seconds: standings scored this soon after a bump are kept only this long
_GLOBAL = "scoreboard:inputs:all"


def _cycle_key(cycle_id: int) -> str:
    return f"scoreboard:inputs:{cycle_id}"


# --- Versions ---------------------------------------------------------------------------------
# A version is the time of the last bump in nanoseconds: a new value on every bump, and one that
# tells how recent the bump was. (A version key that is missing, never set or evicted, starts
# from the clock too, so no version that was ever in use comes back.)


def _touch(key: str) -> None:
    cache.set(key, time.time_ns(), timeout=None)


def bump(cycle_id: int | None) -> None:
    """The scoring inputs of this cycle changed: its cached live standings are stale."""
    if cycle_id is not None:
        _touch(_cycle_key(cycle_id))


def bump_all() -> None:
    """Something every cycle may depend on changed (a person, an award, a cycle's month)."""
    _touch(_GLOBAL)


def _versions(cycle_id: int) -> tuple[int, int]:
    keys = [_GLOBAL, _cycle_key(cycle_id)]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, time.time_ns(), timeout=None)
            found[key] = cache.get(key) or time.time_ns()
    return found[_GLOBAL], found[_cycle_key(cycle_id)]


# --- The cached board -------------------------------------------------------------------------


@dataclass(frozen=True)
class Board:
    """A scoreboard in rank order. `rows` are (candidate_id, rank, computed_rank, composite,
    lines) with the composite a decimal string and lines "input,subscore,points;…" in the
    order of `criteria` (an empty input is None); `orders` maps a sort key ("composite" or a
    criterion id as a string) to the row indexes in that order."""

    criteria: list[dict]
    rows: list[tuple]
    orders: dict[str, array]
    key: str = ""  # where it is cached, and for how long
    timeout: int = TIMEOUT

    def order(self, sort: str) -> list[int] | array | None:
        if sort == "rank":
            return range(len(self.rows))  # type: ignore[return-value]
        if sort == "name":
            return self._by_name()
        return self.orders.get(sort)

    def _by_name(self) -> array:
        """Alphabetical (ties in rank order): the names are read from the database the first
        time (one query for every candidate), then cached next to the board. A change of name
        saves the User, which bumps every version."""
        from accounts.models import User

        key = f"{self.key}:names"
        found = cache.get(key) if self.key else None
        if found is None:
            ids = [row[0] for row in self.rows]
            names = dict(User.objects.filter(pk__in=ids).values_list("pk", "full_name"))
            found = array(
                "l",
                sorted(
                    range(len(self.rows)),
                    key=lambda i: (names.get(self.rows[i][0], "").lower(), self.rows[i][1]),
                ),
            )
            if self.key:
                cache.set(key, found, self.timeout)
        return found


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _build(criteria: list[dict], rows: list[tuple], points: list[list[Decimal]]) -> Board:
    """`rows` sorted by rank; `points[i]` the points of row i per criterion."""
    orders = {
        "composite": array(
            "l",
            sorted(range(len(rows)), key=lambda i: (-Decimal(rows[i][3]), rows[i][1])),
        )
    }
    for index, criterion in enumerate(criteria):
        orders[str(criterion["id"])] = array(
            "l", sorted(range(len(rows)), key=lambda i: (-points[i][index], rows[i][1]))
        )
    return Board(criteria=criteria, rows=rows, orders=orders)


def _live_board(cycle: AwardCycle) -> Board:
    criteria, inputs = scoring.gather(cycle)
    standings = scoring.score(criteria, inputs)
    rubric = [
        {
            "id": c.id,
            "name": c.name,
            "kind": c.kind,
            "weight": c.weight,
            "half_point": None if c.half_point is None else str(c.half_point),
            "customer_focused": c.customer_focused,
        }
        for c in criteria
    ]
    rows = [
        (
            s.candidate_id,
            s.rank,
            s.rank,
            str(s.composite),
            ";".join(f"{_text(x.input)},{x.subscore},{x.points}" for x in s.lines),
        )
        for s in standings
    ]
    return _build(rubric, rows, [[line.points for line in s.lines] for s in standings])


def _snapshot_board(decision: Decision) -> Board:
    from awards import deciding  # deciding bumps the versions: import it only when needed

    snapshot = decision.snapshot
    rubric = [
        {
            "id": c["id"],
            "name": c["name"],
            "kind": c.get("kind", ""),
            "weight": c["weight"],
            "half_point": c.get("half_point"),
            "customer_focused": c.get("customer_focused", False),
        }
        for c in snapshot.get("rubric", [])
    ]
    order = {r.candidate_id: i for i, r in enumerate(deciding.effective_ranking(decision), 1)}
    rows, points = [], []
    for row in snapshot.get("candidates", []):
        candidate_id = int(row["candidate_id"])
        lines = row["lines"]
        rows.append(
            (
                candidate_id,
                order.get(candidate_id, int(row["rank"])),
                int(row["rank"]),
                str(row["composite"]),
                ";".join(
                    f"{'' if x['input'] is None else x['input']},{x['subscore']},{x['points']}"
                    for x in lines
                ),
            )
        )
        points.append([Decimal(x["points"]) for x in lines])
    by_rank = sorted(range(len(rows)), key=lambda i: rows[i][1])
    return _build(rubric, [rows[i] for i in by_rank], [points[i] for i in by_rank])


def _cached(key: str, build, timeout: int = TIMEOUT) -> Board:
    value = cache.get(key)
    if value is None:
        board = build()
        value = (board.criteria, board.rows, board.orders)
        cache.set(key, value, timeout)
    criteria, rows, orders = value
    return Board(criteria=criteria, rows=rows, orders=orders, key=key, timeout=timeout)


def _versioned(cycle_id: int, kind: str, build) -> Board:
    every, mine = _versions(cycle_id)
    key = f"scoreboard:{kind}:{FORMAT}:{cycle_id}:{every}:{mine}"
    settled = time.time_ns() - max(every, mine) > SETTLE * 1_000_000_000
    return _cached(key, build, TIMEOUT if settled else SETTLE)


def cached_standings(cycle: AwardCycle) -> Board:
    """The live standings of a cycle not yet decided, scored at most once per change."""
    return _versioned(cycle.pk, "live", lambda: _live_board(cycle))


def decided_standings(decision: Decision) -> Board:
    """A decision's snapshot with HR's override, parsed at most once per change (saving a
    Decision bumps the versions). Give a Decision loaded with `.defer("snapshot")`: the
    megabytes of JSON are then fetched only when not cached."""
    return _versioned(decision.cycle_id, "decided", lambda: _snapshot_board(decision))


def row_dict(board: Board, row: tuple) -> dict[str, Any]:
    """One row as the page (and awards.results_views._bar) reads it."""
    candidate_id, rank, computed_rank, composite, lines = row
    parsed = [part.split(",") for part in lines.split(";")] if board.criteria else []
    return {
        "candidate_id": candidate_id,
        "rank": rank,
        "computed_rank": computed_rank,
        "composite": Decimal(composite),
        "lines": [
            {
                "criterion_id": criterion["id"],
                "name": criterion["name"],
                "kind": criterion["kind"],
                "input": Decimal(value) if value else None,
                "subscore": Decimal(subscore),
                "weight": criterion["weight"],
                "points": Decimal(points),
            }
            for criterion, (value, subscore, points) in zip(board.criteria, parsed, strict=True)
        ],
    }


# --- Signals: single-row saves that change a live scoreboard ----------------------------------


def _nomination_cycle(instance: Any) -> None:
    """Evidence and endorsements: their nomination's cycle when it is at hand; loading it
    would add a query to every save, so otherwise every cycle."""
    field = type(instance)._meta.get_field("nomination")
    if field.is_cached(instance):
        bump(instance.nomination.cycle_id)
    else:
        bump_all()


def _on_cycle_row(sender: type, instance: Any, **kwargs: Any) -> None:
    bump(instance.cycle_id)


def _on_nomination_child(sender: type, instance: Any, **kwargs: Any) -> None:
    _nomination_cycle(instance)


def _on_global(sender: type, instance: Any, **kwargs: Any) -> None:
    bump_all()


# Who is a candidate, and the order of the names.
USER_FIELDS = {"is_active", "department", "department_id", "full_name"}


def _on_user_saved(sender: type, instance: Any, update_fields=None, **kwargs: Any) -> None:
    # Logging in saves last_login alone: that never changes a scoreboard.
    if update_fields is None or USER_FIELDS & set(update_fields):
        bump_all()


def _on_eligible_departments(sender: type, instance: Any, action: str, **kwargs: Any) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        if isinstance(instance, AwardCycle):
            bump(instance.pk)
        else:
            bump_all()


def connect() -> None:
    """Called once from AwardsConfig.ready. No post_delete receiver on evidence, endorsements,
    panel scores or awards: a receiver turns Django's one-statement (fast) deletes of those
    rows into a SELECT and a DELETE; the services that delete them bump explicitly."""
    from accounts.models import Department, User
    from nominations.models import Endorsement, Evidence, Nomination, ThankYou

    uid = "awards.scoreboard_cache"
    for model in (Nomination, ThankYou, PanelScore, Criterion):
        post_save.connect(_on_cycle_row, sender=model, dispatch_uid=f"{uid}.save.{model}")
    for model in (Nomination, ThankYou, Criterion):
        post_delete.connect(_on_cycle_row, sender=model, dispatch_uid=f"{uid}.delete.{model}")
    for model in (Evidence, Endorsement):
        post_save.connect(_on_nomination_child, sender=model, dispatch_uid=f"{uid}.save.{model}")
    # A cycle's month and cool-down decide who is cooling down in it; its decision and its
    # awards keep the winners out of the next cycles.
    for model in (AwardCycle, Award, Decision):
        post_save.connect(_on_global, sender=model, dispatch_uid=f"{uid}.save.{model}")
    post_save.connect(_on_user_saved, sender=User, dispatch_uid=f"{uid}.save.user")
    for model in (User, Department):
        post_delete.connect(_on_global, sender=model, dispatch_uid=f"{uid}.delete.{model}")
    m2m_changed.connect(
        _on_eligible_departments,
        sender=AwardCycle.eligible_departments.through,
        dispatch_uid=f"{uid}.departments",
    )
