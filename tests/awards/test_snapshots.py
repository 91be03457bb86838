"""A decision's snapshot is written once and read once (cycles/snapshots.py): what is read back
is what was written, and the order that stands is HR's override, else the computed one."""

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from awards.models import Decision
from cycles import scoring
from cycles.snapshots import Row, Snapshot
from tests.awards.test_deciding import Contest


@pytest.fixture
def decided(db) -> Contest:
    contest = Contest()
    contest.decide()
    return contest


def rows(*ids: int) -> tuple[Row, ...]:
    return tuple(Row(pk, rank, "1.00", "0.0000", {}, ()) for rank, pk in enumerate(ids, 1))


def test_a_decisions_snapshot_reads_back_as_it_was_written(decided):
    stored = Decision.objects.get(cycle=decided.cycle).snapshot
    criteria, inputs = scoring.gather(decided.cycle)
    written = Snapshot.of(criteria, inputs, scoring.score(criteria, inputs))

    read = Snapshot.read(stored)

    assert read == written
    assert json.loads(json.dumps(read.to_json(), cls=DjangoJSONEncoder)) == stored
    assert (
        read.ranking == stored["ranking"] == [row["candidate_id"] for row in stored["candidates"]]
    )


def test_the_rows_are_read_in_rank_order_whatever_the_order_stored():
    data = Snapshot("1", (), rows(7, 3, 5)).to_json()
    data["candidates"].reverse()
    assert Snapshot.read(data).ranking == [7, 3, 5]


def test_the_order_that_stands_is_the_override_else_the_computed_order():
    snapshot = Snapshot("1", (), rows(7, 3, 5))
    assert [row.candidate_id for row in snapshot.standing_order(None)] == [7, 3, 5]
    assert [row.candidate_id for row in snapshot.standing_order([])] == [7, 3, 5]
    assert [row.candidate_id for row in snapshot.standing_order([5, 7, 3])] == [5, 7, 3]
    # An id the snapshot does not know (a hand-edited override) is left out.
    assert [row.candidate_id for row in snapshot.standing_order([5, 99, 3])] == [5, 3]


def test_an_empty_snapshot_reads_as_nobody():
    assert Snapshot.read({}).rows == ()
    assert Snapshot.read({"candidates": None, "rubric": None}).ranking == []
