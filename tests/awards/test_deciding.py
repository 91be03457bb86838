import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder

from awards.models import Award, AwardCycle, Criterion, Decision
from core.audit import AuditEvent
from core.errors import ConflictError
from cycles import deciding, judging, scoring, services
from cycles.snapshots import Snapshot
from nominations import services as nominations
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.nominations.conftest import make_nomination, move
from tests.thanks.conftest import approved

Status = AwardCycle.Status
WHY = "The panel found a second verified customer call that the scores missed."


class Contest:
    """A cycle with three candidates whose order is plain to see, walked into judging.

    Alice: two colleagues nominated her, with a verified customer quote and a measured
    improvement; the judges give her 5s. Bob: one nomination with an unverified image; the
    judges give him 2s. Cara: only a customer's thank-you (she agreed to share it)."""

    def __init__(self, **cycle_settings) -> None:
        self.hr = make_user(full_name="Hana HR", hr=True)
        self.cycle = make_cycle(status=Status.OPEN, **cycle_settings)
        support = make_department("Support", faces_customers=True)
        self.boss = make_user(full_name="Mona Manager")
        self.alice = make_user(full_name="Alice Archer", department=support, manager=self.boss)
        self.bob = make_user(full_name="Bob Baker")
        self.cara = make_user(full_name="Cara Cole")
        self.omar = make_user(full_name="Omar Okafor")
        self.pia = make_user(full_name="Pia Park")
        self.judges = [make_user(full_name="Jude Judge"), make_user(full_name="Jo Judge")]
        first = make_nomination(
            nominator=self.omar,
            nominee=self.alice,
            headline="Rewrote the refund letter with customers",
            customer_impact="Customers stopped calling to ask what the letter meant.",
        )
        quote = nominations.add_evidence(
            nomination=first,
            by=self.omar,
            kind="customer_words",
            quote="For the first time I understood my refund.",
            quote_source="a call to the support line",
        )
        nominations.verify_evidence(evidence=quote, by=self.hr, status="verified")
        nominations.add_evidence(
            nomination=first,
            by=self.omar,
            kind="measured_improvement",
            metric="Calls about refunds",
            before="120",
            after="40",
            unit="calls a week",
            higher_is_better=False,
            period="March",
        )
        make_nomination(nominator=self.pia, nominee=self.alice, headline="Fixed the root cause")
        self.bobs = make_nomination(
            nominator=self.omar, nominee=self.bob, headline="Tidied the returns shelf"
        )
        self.cara_thanks = approved(
            self.cara,
            by=self.hr,
            name="Ann Customer",
            message="Cara sorted out my invoice in one call.",
        )
        judging.assign_judges(cycle=self.cycle, judges=self.judges, by=self.hr)
        self.cycle = move(self.cycle, Status.JUDGING)
        for criterion in self.cycle.criteria.filter(kind=Criterion.Kind.PANEL):
            for judge in self.judges:
                for candidate, score in ((self.alice, 5), (self.bob, 2)):
                    judging.score_candidate(
                        cycle=self.cycle,
                        judge=judge,
                        candidate=candidate,
                        criterion=criterion,
                        score=score,
                    )

    def decide(self, by=None) -> AwardCycle:
        self.cycle = services.transition(cycle=self.cycle, to=Status.DECIDED, by=by or self.hr)
        return self.cycle

    def override(self, ranking, justification=WHY, by=None) -> Decision:
        return deciding.override_ranking(
            cycle=self.cycle, by=by or self.hr, ranking=ranking, justification=justification
        )

    def winners(self) -> list[int]:
        return list(
            Award.objects.filter(cycle=self.cycle)
            .order_by("rank")
            .values_list("recipient_id", flat=True)
        )


@pytest.fixture
def contest(db) -> Contest:
    return Contest()


@pytest.fixture
def decided(contest) -> Contest:
    contest.decide()
    return contest


# --- Decide -----------------------------------------------------------------------------------


def test_deciding_stores_the_snapshot_and_names_the_winner(decided):
    decision = Decision.objects.get(cycle=decided.cycle)
    assert decision.formula_version == scoring.FORMULA_VERSION
    assert decision.decided_by == decided.hr
    ranking = deciding.snapshot_ranking(decision.snapshot)
    assert [row.candidate_id for row in ranking] == [
        decided.alice.pk,
        decided.bob.pk,
        decided.cara.pk,
    ]
    award = Award.objects.get(cycle=decided.cycle)
    assert (award.recipient, award.rank) == (decided.alice, 1)
    assert award.composite == ranking[0].composite
    assert award.composite == scoring.scoreboard(decided.cycle)[0].composite


def test_the_snapshot_is_json_with_the_rubric_the_inputs_the_ranking_and_formula_version(
    decided,
):
    snapshot = Decision.objects.get(cycle=decided.cycle).snapshot
    text = json.dumps(snapshot, cls=DjangoJSONEncoder)
    assert json.loads(text) == snapshot  # stored as JSON, read back the same
    assert scoring.FORMULA_VERSION in text and "formula_version" in text
    for criterion in decided.cycle.criteria.all():
        assert criterion.name in text  # the rubric
    assert "For the first time" not in text  # numbers, not the nominations' words
    criteria, inputs = scoring.gather(decided.cycle)
    standings = scoring.score(criteria, inputs)
    assert snapshot == json.loads(
        json.dumps(Snapshot.of(criteria, inputs, standings).to_json(), cls=DjangoJSONEncoder)
    )


def test_the_snapshot_does_not_move_when_the_data_changes_afterwards(decided):
    before = Decision.objects.get(cycle=decided.cycle).snapshot
    approved(decided.bob, by=decided.hr, email="late@customer.example")
    assert Decision.objects.get(cycle=decided.cycle).snapshot == before


def test_the_citation_draws_on_the_nominations_and_the_customers_words(decided):
    citation = Award.objects.get(cycle=decided.cycle).citation
    assert "“Rewrote the refund letter with customers”" in citation
    assert "“Fixed the root cause”" in citation
    assert "Customers stopped calling to ask what the letter meant." in citation
    assert "“For the first time I understood my refund.” — a customer, via a call" in citation
    assert len(citation) <= 4000
    assert "<" not in citation and "**" not in citation  # plain text


def test_a_winner_with_only_a_thank_you_is_cited_with_the_customers_first_name(db):
    contest = Contest(winner_count=3)
    contest.decide()
    cara = Award.objects.get(cycle=contest.cycle, recipient=contest.cara)
    assert cara.rank == 3
    assert "Customers thanked Cara Cole 1 time this month." in cara.citation
    assert "“Cara sorted out my invoice in one call.” — Ann, a customer" in cara.citation
    assert "Customer" not in cara.citation.split("—")[-1]  # the first name only


def test_awards_go_to_the_top_winner_count(db):
    contest = Contest(winner_count=2)
    contest.decide()
    assert contest.winners() == [contest.alice.pk, contest.bob.pk]
    assert list(Award.objects.order_by("rank").values_list("rank", flat=True)) == [1, 2]


def test_the_transition_audit_names_the_winners(decided):
    event = AuditEvent.objects.filter(verb="cycle.transitioned", data__to="decided").get()
    assert event.actor == decided.hr
    assert event.data["candidates"] == 3
    assert event.data["winners"] == [decided.alice.pk]
    assert "note" not in event.data


def test_a_cycle_with_no_candidates_is_decided_with_no_award(db):
    cycle = make_cycle(status=Status.DECIDED)
    decision = Decision.objects.get(cycle=cycle)
    assert cycle.status == Status.DECIDED
    assert deciding.snapshot_ranking(decision.snapshot) == []
    assert decision.snapshot["formula_version"] == scoring.FORMULA_VERSION
    assert not Award.objects.exists()
    event = AuditEvent.objects.filter(verb="cycle.transitioned", data__to="decided").get()
    assert event.data["note"] == "Nobody was a candidate"
    assert event.data["candidates"] == 0


def test_deciding_a_decided_cycle_again_is_a_conflict(decided):
    with pytest.raises(ConflictError):
        deciding.decide(cycle=decided.cycle, by=decided.hr)
    with pytest.raises(ConflictError) as error:
        services.transition(cycle=decided.cycle, to=Status.DECIDED, by=decided.hr)
    assert error.value.extra["allowed"] == [Status.ANNOUNCED]
    assert Decision.objects.count() == 1
    assert Award.objects.count() == 1


# --- Override ---------------------------------------------------------------------------------


def test_hr_overrides_the_order_with_a_justification(decided):
    snapshot = Decision.objects.get(cycle=decided.cycle).snapshot
    decision = decided.override([decided.bob.pk, decided.alice.pk, decided.cara.pk])
    assert decided.winners() == [decided.bob.pk]
    award = Award.objects.get(cycle=decided.cycle)
    assert award.composite == deciding.snapshot_ranking(snapshot)[1].composite
    assert "“Tidied the returns shelf”" in award.citation
    decision.refresh_from_db()
    assert decision.snapshot == snapshot  # the computed ranking is kept as it was
    assert decision.override_ranking == [decided.bob.pk, decided.alice.pk, decided.cara.pk]
    assert decision.override_justification == WHY
    assert decision.overridden_by == decided.hr
    assert decision.overridden_at is not None
    assert deciding.effective_ranking(decision)[0].candidate_id == decided.bob.pk


def test_an_override_is_audited_with_the_old_and_new_order(decided):
    decided.override([decided.cara.pk])
    event = AuditEvent.objects.get(verb="cycle.ranking_overridden")
    assert event.actor == decided.hr
    assert event.data["before"] == [decided.alice.pk, decided.bob.pk, decided.cara.pk]
    assert event.data["after"] == [decided.cara.pk, decided.alice.pk, decided.bob.pk]
    assert event.data["justification"] == WHY


def test_a_ranking_may_name_only_the_first_few(decided):
    decision = decided.override([decided.cara.pk])
    assert decision.override_ranking == [decided.cara.pk, decided.alice.pk, decided.bob.pk]
    assert decided.winners() == [decided.cara.pk]


def test_a_second_override_starts_from_the_first(decided):
    decided.override([decided.bob.pk])
    decided.override([decided.cara.pk, decided.bob.pk])
    before = AuditEvent.objects.filter(verb="cycle.ranking_overridden").order_by("id").last()
    assert before.data["before"] == [decided.bob.pk, decided.alice.pk, decided.cara.pk]
    assert decided.winners() == [decided.cara.pk]


@pytest.mark.parametrize("justification", ["", "   ", "Because I say so."])
def test_an_override_needs_a_written_justification(decided, justification):
    with pytest.raises(ValidationError) as error:
        decided.override([decided.bob.pk], justification=justification)
    assert error.value.message_dict == {
        "justification": [
            "Explain why the order changes, in 20 characters at least. Its first sentence is "
            "shown on the public results; the whole text is kept in the audit log."
        ]
    }
    assert decided.winners() == [decided.alice.pk]
    assert not AuditEvent.objects.filter(verb="cycle.ranking_overridden").exists()


def test_a_ranking_must_be_the_cycles_candidates(decided):
    stranger = make_user()
    for bad in ([], [stranger.pk], [decided.bob.pk, decided.bob.pk]):
        with pytest.raises(ValidationError) as error:
            decided.override(bad)
        assert list(error.value.message_dict) == ["ranking"], bad
    assert decided.winners() == [decided.alice.pk]


def test_only_hr_overrides(decided):
    with pytest.raises(PermissionDenied):
        decided.override([decided.bob.pk], by=decided.judges[0])


def test_an_announced_order_cannot_change(decided):
    cycle = services.transition(cycle=decided.cycle, to=Status.ANNOUNCED, by=decided.hr)
    with pytest.raises(ConflictError, match="announced"):
        deciding.override_ranking(
            cycle=cycle, by=decided.hr, ranking=[decided.bob.pk], justification=WHY
        )
    assert decided.winners() == [decided.alice.pk]


def test_an_undecided_order_cannot_change(contest):
    with pytest.raises(ConflictError, match="decided"):
        contest.override([contest.bob.pk])


def test_nobody_to_reorder_when_nobody_was_a_candidate(db, hr_user):
    cycle = make_cycle(status=Status.DECIDED)
    with pytest.raises(ValidationError) as error:
        deciding.override_ranking(cycle=cycle, by=hr_user, ranking=[hr_user.pk], justification=WHY)
    assert list(error.value.message_dict) == ["ranking"]


def test_an_override_built_on_an_order_someone_replaced_is_refused(decided):
    seen = deciding.override_version(Decision.objects.get(cycle=decided.cycle))
    assert seen == ""
    decided.override([decided.bob.pk])  # another HR user saves first
    with pytest.raises(ConflictError) as error:
        deciding.override_ranking(
            cycle=decided.cycle,
            by=decided.hr,
            ranking=[decided.alice.pk],
            justification=WHY,
            expected_version=seen,
        )
    assert error.value.message == "The order was changed by someone else meanwhile."
    assert decided.winners()[0] == decided.bob.pk
    assert AuditEvent.objects.filter(verb="cycle.ranking_overridden").count() == 1


def test_an_override_is_saved_as_public(decided):
    assert not Decision.objects.get(cycle=decided.cycle).justification_public
    assert decided.override([decided.bob.pk]).justification_public
