import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from awards.models import Award, AwardCycle, Criterion, JudgeAssignment, PanelScore
from awards.months import add_months
from core.audit import AuditEvent
from core.errors import ConflictError
from cycles import access, judging, scoring
from nominations import services as nominations
from nominations.models import Nomination
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.nominations.conftest import category, make_nomination, move
from tests.thanks.conftest import approved

Status = AwardCycle.Status


class Panel:
    """An open cycle with a judge who has every kind of conflict, walked into judging.

    Nina is a plain candidate; the judge nominated Nick, endorsed Eve's nomination, manages
    Rita, and was nominated themself; Tom has only a customer's thank-you."""

    def __init__(self) -> None:
        self.hr = make_user(full_name="Hana HR", hr=True)
        self.cycle = make_cycle(status=Status.OPEN)
        self.judge = make_user(full_name="Jude Judge")
        self.other_judge = make_user(full_name="Olga Other")
        self.nominator = make_user(full_name="Omar Nominator")
        self.nina = make_user(full_name="Nina Nominee")
        self.nick = make_user(full_name="Nick Nominated")
        self.eve = make_user(full_name="Eve Endorsed")
        self.rita = make_user(full_name="Rita Report", manager=self.judge)
        self.tom = make_user(full_name="Tom Thanked")
        self.bystander = make_user(full_name="Sam Stranger")
        make_nomination(nominator=self.nominator, nominee=self.nina)
        make_nomination(nominator=self.judge, nominee=self.nick)
        eves = make_nomination(nominator=self.nominator, nominee=self.eve)
        nominations.endorse(nomination=eves, by=self.judge, comment="I saw it happen.")
        make_nomination(nominator=self.nominator, nominee=self.rita)
        make_nomination(nominator=self.nominator, nominee=self.judge)
        approved(self.tom, by=self.hr)
        judging.assign_judges(
            cycle=self.cycle,
            judges=[self.judge, self.other_judge],
            by=self.hr,
            confirmed_candidates=[self.judge.pk],
        )
        self.cycle = move(self.cycle, Status.JUDGING)
        panel = self.cycle.criteria.filter(kind=Criterion.Kind.PANEL).order_by("position")
        self.impact, self.innovation = list(panel)
        self.evidence = self.cycle.criteria.get(kind=Criterion.Kind.CUSTOMER_EVIDENCE)

    def score(self, candidate, score=4, *, judge=None, criterion=None, note=""):
        return judging.score_candidate(
            cycle=self.cycle,
            judge=judge or self.judge,
            candidate=candidate,
            criterion=criterion or self.impact,
            score=score,
            note=note,
        )


@pytest.fixture
def panel(db) -> Panel:
    return Panel()


# --- Assigning judges -------------------------------------------------------------------------


def test_putting_a_candidate_on_the_panel_needs_hrs_confirmation(db, hr_user):
    cycle = make_cycle(status=Status.OPEN)
    nina = make_user(full_name="Nina Nominee")
    make_nomination(nominator=make_user(), nominee=nina)
    with pytest.raises(judging.CandidatesOnPanel) as error:
        judging.assign_judges(cycle=cycle, judges=[nina, make_user()], by=hr_user)
    assert error.value.people == [nina]
    assert error.value.message.startswith("Nina Nominee is a candidate in this cycle")
    assert not JudgeAssignment.objects.exists()
    judging.assign_judges(cycle=cycle, judges=[nina], by=hr_user, confirmed_candidates=[nina.pk])
    assert list(cycle.judges.values_list("judge_id", flat=True)) == [nina.pk]


def test_two_candidates_are_named_together(db, hr_user):
    cycle = make_cycle(status=Status.OPEN)
    nina, tom = make_user(full_name="Nina Nominee"), make_user(full_name="Tom Thanked")
    make_nomination(nominator=make_user(), nominee=nina)
    approved(tom, by=hr_user)
    with pytest.raises(judging.CandidatesOnPanel, match=r"^Nina Nominee and Tom Thanked are "):
        judging.assign_judges(
            cycle=cycle, judges=[nina, tom], by=hr_user, confirmed_candidates=[make_user().pk]
        )


def test_someone_nominated_only_in_another_cycle_needs_no_confirmation(db, hr_user):
    earlier = make_cycle(month=dt.date(2029, 12, 1), status=Status.OPEN)
    nina = make_user()
    make_nomination(nominator=make_user(), nominee=nina, cycle=earlier)
    move(earlier, Status.JUDGING)
    cycle = make_cycle(status=Status.OPEN)
    judging.assign_judges(cycle=cycle, judges=[nina], by=hr_user)
    assert cycle.judges.count() == 1


def test_hr_assigns_the_judges_of_a_cycle_and_it_is_audited(db, hr_user):
    cycle = make_cycle(status=Status.OPEN)
    a, b = make_user(), make_user()
    judging.assign_judges(cycle=cycle, judges=[a, b], by=hr_user)
    assert set(cycle.judges.values_list("judge_id", flat=True)) == {a.pk, b.pk}
    event = AuditEvent.objects.get(verb="cycle.judges_assigned")
    assert event.actor == hr_user
    assert event.data["after"] == sorted([a.pk, b.pk])


def test_assigning_judges_replaces_the_panel(db, hr_user):
    cycle = make_cycle()
    a, b, c = make_user(), make_user(), make_user()
    judging.assign_judges(cycle=cycle, judges=[a, b], by=hr_user)
    judging.assign_judges(cycle=cycle, judges=[b, c, c], by=hr_user)
    assert set(cycle.judges.values_list("judge_id", flat=True)) == {b.pk, c.pk}


def test_only_hr_assigns_judges(db, employee):
    cycle = make_cycle()
    with pytest.raises(PermissionDenied):
        judging.assign_judges(cycle=cycle, judges=[make_user()], by=employee)
    assert not JudgeAssignment.objects.exists()


def test_a_judge_must_be_a_current_employee(db, hr_user):
    cycle = make_cycle()
    gone = make_user(full_name="Gone Person", is_active=False)
    with pytest.raises(ValidationError) as error:
        judging.assign_judges(cycle=cycle, judges=[gone], by=hr_user)
    assert error.value.message_dict == {"judges": ["Gone Person is no longer with the company."]}


@pytest.mark.parametrize("status", [Status.DECIDED, Status.ANNOUNCED])
def test_judges_cannot_change_once_the_cycle_is_decided(db, hr_user, status):
    cycle = make_cycle(status=status)
    with pytest.raises(ConflictError, match="until the cycle is decided"):
        judging.assign_judges(cycle=cycle, judges=[make_user()], by=hr_user)


def test_a_judge_taken_off_the_panel_takes_their_scores_with_them(panel):
    panel.score(panel.nina, judge=panel.other_judge)
    judging.assign_judges(cycle=panel.cycle, judges=[panel.judge], by=panel.hr)
    assert not PanelScore.objects.filter(judge=panel.other_judge).exists()
    event = AuditEvent.objects.filter(verb="cycle.judges_assigned").order_by("id").last()
    assert event.data["removed_scores"] == 1


# --- Candidates -------------------------------------------------------------------------------


def scored_ids(cycle) -> set[int]:
    return {row.candidate_id for row in scoring.gather(cycle)[1]}


def test_the_candidates_are_those_the_scoring_ranks(panel):
    expected = {panel.nina, panel.nick, panel.eve, panel.rita, panel.judge, panel.tom}
    assert set(scoring.candidates(panel.cycle)) == expected
    assert set(scoring.candidates(panel.cycle).values_list("pk", flat=True)) == scored_ids(
        panel.cycle
    )


def test_recent_winners_people_who_left_and_other_departments_are_not_candidates(panel):
    earlier = make_cycle(month=add_months(panel.cycle.month, -1))
    Award.objects.create(cycle=earlier, recipient=panel.nina, rank=1, composite=50)
    panel.tom.is_active = False
    panel.tom.save()
    support = make_department("Support")
    panel.eve.department = support
    panel.eve.save()
    panel.cycle.eligible_departments.set([support])
    assert set(scoring.candidates(panel.cycle)) == {panel.eve}
    assert scored_ids(panel.cycle) == {panel.eve.pk}


# --- Conflicts of interest --------------------------------------------------------------------


def test_a_judges_conflicts_are_themself_whom_they_nominated_endorsed_or_manage(panel):
    conflicts = access.conflicted_candidate_ids(panel.judge, panel.cycle)
    assert conflicts == {panel.judge.pk, panel.nick.pk, panel.eve.pk, panel.rita.pk}
    assert access.conflicted_candidate_ids(panel.other_judge, panel.cycle) == {panel.other_judge.pk}


def test_an_invitation_to_endorse_is_a_conflict(db):
    cycle = make_cycle(status=Status.OPEN)
    judge, nominator, nominee = make_user(), make_user(), make_user()
    nomination = make_nomination(nominator=nominator, nominee=nominee)
    nominations.invite_endorsers(nomination=nomination, by=nominator, people=[judge])
    assert nominee.pk in access.conflicted_candidate_ids(judge, cycle)


def test_a_withdrawn_endorsement_is_still_a_conflict(db, hr_user):
    cycle = make_cycle(status=Status.OPEN)
    nominee = make_user()
    nomination = make_nomination(nominator=make_user(), nominee=nominee)
    nominations.endorse(nomination=nomination, by=hr_user, comment="I saw it.")
    nominations.withdraw_endorsement(nomination=nomination, by=hr_user)
    assert nominee.pk in access.conflicted_candidate_ids(hr_user, cycle)


def test_an_invitation_in_another_cycle_is_no_conflict(db):
    earlier = make_cycle(month=dt.date(2029, 12, 1), status=Status.OPEN)
    judge, nominator, nominee = make_user(), make_user(), make_user()
    nomination = make_nomination(nominator=nominator, nominee=nominee, cycle=earlier)
    nominations.invite_endorsers(nomination=nomination, by=nominator, people=[judge])
    move(earlier, Status.JUDGING)
    cycle = make_cycle(status=Status.OPEN)
    assert access.conflicted_candidate_ids(judge, cycle) == {judge.pk}


def test_every_judges_conflicts_take_one_query(panel, django_assert_num_queries):
    judges = [panel.judge.pk, panel.other_judge.pk, panel.bystander.pk]
    with django_assert_num_queries(1):
        conflicts = access.conflicts_by_judge(panel.cycle, judges)
    assert conflicts[panel.other_judge.pk] == {panel.other_judge.pk}
    assert panel.eve.pk in conflicts[panel.judge.pk]


def test_a_withdrawn_nomination_is_still_a_conflict(db, hr_user):
    cycle = make_cycle(status=Status.OPEN)
    judge, nominee = make_user(), make_user()
    nomination = make_nomination(nominator=judge, nominee=nominee)
    nominations.withdraw(nomination=nomination, by=judge)
    assert nominee.pk in access.conflicted_candidate_ids(judge, cycle)


@pytest.mark.parametrize("who", ["judge", "nick", "eve", "rita"])
def test_a_judge_cannot_score_a_candidate_they_have_a_conflict_with(panel, who):
    with pytest.raises(PermissionDenied, match="You have a conflict of interest"):
        panel.score(getattr(panel, who))
    assert not PanelScore.objects.exists()


def test_the_other_judge_may_score_those_candidates(panel):
    for candidate in (panel.judge, panel.nick, panel.eve, panel.rita):
        panel.score(candidate, judge=panel.other_judge)
    assert PanelScore.objects.filter(judge=panel.other_judge).count() == 4


# --- Scoring ----------------------------------------------------------------------------------


def test_a_judge_scores_a_candidate_with_a_note(panel):
    score = panel.score(panel.nina, 5, note="  Listened to every caller.  ")
    assert (score.judge, score.candidate, score.criterion, score.cycle) == (
        panel.judge,
        panel.nina,
        panel.impact,
        panel.cycle,
    )
    assert (score.score, score.note) == (5, "Listened to every caller.")


def test_scoring_again_changes_the_score(panel):
    first = panel.score(panel.nina, 2)
    second = panel.score(panel.nina, 4, note="On reflection")
    assert first.pk == second.pk
    assert PanelScore.objects.get().score == 4


def test_a_candidate_with_only_a_customer_thank_you_can_be_scored(panel):
    assert panel.score(panel.tom).score == 4


# The service takes the score parsed (the page's form and the API's serializer read the
# number); None is a note given without a score.
@pytest.mark.parametrize("bad", [0, 6, -1, None])
def test_a_score_must_be_from_1_to_5(panel, bad):
    with pytest.raises(ValidationError) as error:
        panel.score(panel.nina, bad)
    assert error.value.message_dict == {"score": ["Give a score from 1 to 5."]}


@pytest.mark.parametrize("good", [1, 5])
def test_scores_at_the_ends_of_the_scale_are_accepted(panel, good):
    assert panel.score(panel.nina, good).score == good


def test_a_note_is_at_most_1000_characters(panel):
    with pytest.raises(ValidationError) as error:
        panel.score(panel.nina, note="x" * 1001)
    assert list(error.value.message_dict) == ["note"]


def test_only_panel_criteria_are_scored(panel):
    with pytest.raises(ValidationError) as error:
        panel.score(panel.nina, criterion=panel.evidence)
    assert error.value.message_dict == {"criterion": ["Choose one of this cycle's panel criteria."]}


def test_a_criterion_of_another_cycle_is_refused(panel):
    other = make_cycle(month=panel.cycle.month.replace(year=2031))
    foreign = other.criteria.filter(kind=Criterion.Kind.PANEL).first()
    with pytest.raises(ValidationError) as error:
        panel.score(panel.nina, criterion=foreign)
    assert list(error.value.message_dict) == ["criterion"]


def test_only_candidates_of_the_cycle_are_scored(panel):
    with pytest.raises(ValidationError) as error:
        panel.score(panel.bystander)
    assert error.value.message_dict == {
        "candidate": ["Sam Stranger is not a candidate in this cycle."]
    }


def test_someone_who_is_not_a_judge_of_the_cycle_cannot_score(panel):
    with pytest.raises(PermissionDenied, match="Only the judges"):
        panel.score(panel.nina, judge=panel.bystander)


@pytest.mark.parametrize("status", [Status.DECIDED, Status.ANNOUNCED])
def test_scoring_after_judging_closed_is_a_conflict(panel, status):
    cycle = move(panel.cycle, status)
    with pytest.raises(ConflictError, match="Judging is closed"):
        judging.score_candidate(
            cycle=cycle, judge=panel.judge, candidate=panel.nina, criterion=panel.impact, score=3
        )


def test_scoring_before_judging_opened_is_a_conflict(db, hr_user):
    cycle = make_cycle(status=Status.OPEN)
    judge, nominee = make_user(), make_user()
    make_nomination(nominator=make_user(), nominee=nominee)
    judging.assign_judges(cycle=cycle, judges=[judge], by=hr_user)
    criterion = cycle.criteria.filter(kind=Criterion.Kind.PANEL).first()
    with pytest.raises(ConflictError, match="Judging is closed"):
        judging.score_candidate(
            cycle=cycle, judge=judge, candidate=nominee, criterion=criterion, score=3
        )


# --- Progress ---------------------------------------------------------------------------------


def test_progress_counts_the_pairs_scored_against_those_to_score(panel):
    # Candidates: Nina, Nick, Eve, Rita, the judge, Tom (6); two panel criteria.
    # The judge has four conflicts: 2 candidates × 2 criteria = 4 pairs; the other judge 6 × 2.
    assert judging.judging_progress(panel.cycle, panel.judge) == {"scored": 0, "to_score": 4}
    panel.score(panel.nina)
    panel.score(panel.nina, 3)  # a change, not another pair
    panel.score(panel.nina, criterion=panel.innovation)
    panel.score(panel.tom)
    panel.score(panel.eve, judge=panel.other_judge)
    assert judging.judging_progress(panel.cycle, panel.judge) == {"scored": 3, "to_score": 4}
    assert judging.judging_progress(panel.cycle) == {
        "scored": 4,
        "to_score": 16,
        "judges": {
            panel.judge.pk: {"scored": 3, "to_score": 4},
            panel.other_judge.pk: {"scored": 1, "to_score": 12},
        },
    }


def test_progress_takes_a_constant_number_of_queries(panel, django_assert_max_num_queries):
    panel.score(panel.nina)
    with django_assert_max_num_queries(8) as few:
        judging.judging_progress(panel.cycle)
    for _ in range(5):
        extra_judge = make_user()
        JudgeAssignment.objects.create(cycle=panel.cycle, judge=extra_judge)
        nominee = make_user()
        Nomination.objects.create(
            cycle=panel.cycle,
            nominee=nominee,
            nominator=extra_judge,
            category=category(),
            headline="Called every customer back",
            story="…",
            customer_impact="…",
        )
        judging.score_candidate(
            cycle=panel.cycle,
            judge=panel.judge,
            candidate=nominee,
            criterion=panel.impact,
            score=3,
        )
    assert judging.judging_progress(panel.cycle)["judges"][panel.judge.pk]["scored"] == 6
    with django_assert_max_num_queries(len(few.captured_queries)):
        judging.judging_progress(panel.cycle)


# --- Who sees the scoreboard ------------------------------------------------------------------


def test_the_scoreboard_is_hrs_and_the_judges_once_decided(panel):
    assert access.can_see_scoreboard(panel.hr, panel.cycle)
    assert not access.can_see_scoreboard(panel.judge, panel.cycle)
    assert not access.can_see_scoreboard(panel.nina, panel.cycle)
    decided = move(panel.cycle, Status.DECIDED)
    assert access.can_see_scoreboard(panel.judge, decided)
    assert not access.can_see_scoreboard(panel.nina, decided)
    assert access.is_judge(panel.judge, decided)
    assert not access.is_judge(panel.nina, decided)
