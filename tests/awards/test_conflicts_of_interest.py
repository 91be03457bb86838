"""A judge never learns who nominated a candidate they may score, and a judge who is a
candidate learns nothing from judging: the probe's findings, replayed over the API as found."""

import pytest
from django.urls import reverse

from awards.models import AwardCycle, Criterion, JudgeAssignment, PanelScore
from core.audit import AuditEvent
from cycles import access, judging
from tests.awards.conftest import make_cycle
from tests.conftest import make_user
from tests.nominations.conftest import make_nomination

Status = AwardCycle.Status


class Blind:
    """An open, blind cycle with a judge on the panel: Erik nominates Ana."""

    def __init__(self, *, blind: bool = True) -> None:
        self.hr = make_user(full_name="Hana HR", hr=True)
        self.cycle = make_cycle(status=Status.OPEN, blind_judging=blind)
        self.judge = make_user(full_name="Jude Judge")
        self.erik = make_user(full_name="Erik Lindqvist")
        self.ana = make_user(full_name="Ana Popescu")
        self.nomination = make_nomination(nominator=self.erik, nominee=self.ana)
        judging.assign_judges(cycle=self.cycle, judges=[self.judge], by=self.hr)

    def to_judging(self, api) -> None:
        response = api(self.hr).post(
            reverse("api-cycle-transition", args=[self.cycle.pk]), {"to": Status.JUDGING}
        )
        assert response.status_code == 200, response.json()
        self.cycle.refresh_from_db()

    def score(self, api, candidate, judge=None):
        criterion = self.cycle.criteria.filter(kind=Criterion.Kind.PANEL).first()
        return api(judge or self.judge).post(
            reverse("api-cycle-panel-scores", args=[self.cycle.pk]),
            {"candidate": candidate.pk, "criterion": criterion.pk, "score": 5},
        )


@pytest.fixture
def blind(db) -> Blind:
    return Blind()


def invitations_url(nomination) -> str:
    return reverse("api-nomination-invitations", args=[nomination.pk])


def judges_url(cycle) -> str:
    return reverse("api-cycle-judges", args=[cycle.pk])


# --- Finding 1: an invitation to endorse is a conflict, and a blind one names no nominator ---


def test_a_judge_invited_to_endorse_a_nomination_cannot_score_its_nominee(api, blind):
    response = api(blind.erik).post(
        invitations_url(blind.nomination), {"user_ids": [blind.judge.pk]}
    )
    assert response.status_code == 200
    blind.to_judging(api)
    response = blind.score(api, blind.ana)
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    assert not PanelScore.objects.exists()


def test_an_invitation_to_any_nomination_of_a_candidate_is_a_conflict(api, blind):
    """Ana has two nominations; an invitation to the second keeps the judge off both."""
    other = make_nomination(nominator=make_user(), nominee=blind.ana, headline="Fixed the form")
    api(other.nominator).post(invitations_url(other), {"user_ids": [blind.judge.pk]})
    blind.to_judging(api)
    assert blind.score(api, blind.ana).status_code == 403


def test_the_invitation_email_of_a_blind_cycle_does_not_name_the_nominator(
    api, blind, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api(blind.erik).post(invitations_url(blind.nomination), {"user_ids": [blind.judge.pk]})
    [mail] = mailoutbox
    html = mail.alternatives[0][0] if mail.alternatives else ""
    for text in (mail.subject, mail.body, html):
        assert "Erik" not in text and "Lindqvist" not in text
    assert "Ana Popescu" in mail.body
    assert blind.nomination.get_absolute_url() in mail.body


def test_the_invitation_email_names_the_nominator_when_judging_is_not_blind(
    api, db, mailoutbox, django_capture_on_commit_callbacks
):
    open_panel = Blind(blind=False)
    colleague = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        api(open_panel.erik).post(
            invitations_url(open_panel.nomination), {"user_ids": [colleague.pk]}
        )
    [mail] = mailoutbox
    assert mail.subject.startswith("Erik")
    assert "Erik Lindqvist nominated Ana Popescu" in mail.body


# --- Finding 7: an endorsement withdrawn is still a conflict ---------------------------------


def test_a_judge_who_endorsed_then_withdrew_still_cannot_score_the_nominee(api, blind):
    # HR may read and endorse every nomination: no invitation needed.
    hr_judge = make_user(full_name="Hugo HR", hr=True)
    judging.assign_judges(cycle=blind.cycle, judges=[blind.judge, hr_judge], by=blind.hr)
    client = api(hr_judge)
    endorsements = reverse("api-nomination-endorsements", args=[blind.nomination.pk])
    mine = reverse("api-nomination-my-endorsement", args=[blind.nomination.pk])
    assert client.post(endorsements, {"comment": "I saw it."}).status_code == 201
    assert client.delete(mine).status_code == 204
    blind.to_judging(api)
    assert blind.score(api, blind.ana, judge=hr_judge).status_code == 403
    assert not PanelScore.objects.exists()


def test_endorsing_again_after_withdrawing_is_possible_and_still_a_conflict(api, blind):
    from nominations import services as nominations

    nominations.endorse(nomination=blind.nomination, by=blind.judge, comment="I saw it.")
    nominations.withdraw_endorsement(nomination=blind.nomination, by=blind.judge)
    nominations.endorse(nomination=blind.nomination, by=blind.judge, comment="On reflection.")
    nominations.withdraw_endorsement(nomination=blind.nomination, by=blind.judge)
    assert blind.ana.pk in access.conflicted_candidate_ids(blind.judge, blind.cycle)


# --- Finding 8: a candidate on the panel -------------------------------------------------------


def test_putting_a_candidate_on_the_panel_asks_hr_to_confirm(api, blind):
    response = api(blind.hr).put(judges_url(blind.cycle), {"user_ids": [blind.ana.pk]})
    assert response.status_code == 409
    body = response.json()
    assert "Ana Popescu is a candidate in this cycle" in body["detail"]
    assert body["candidates"] == [{"id": blind.ana.pk, "full_name": "Ana Popescu"}]
    assert list(JudgeAssignment.objects.values_list("judge_id", flat=True)) == [blind.judge.pk]


def test_hr_confirms_a_candidate_on_the_panel_and_it_is_audited(api, blind):
    response = api(blind.hr).put(
        judges_url(blind.cycle),
        {"user_ids": [blind.judge.pk, blind.ana.pk], "confirm_candidates": True},
    )
    assert response.status_code == 200
    assert {j["id"] for j in response.json()["judges"]} == {blind.judge.pk, blind.ana.pk}
    event = AuditEvent.objects.filter(verb="cycle.judges_assigned").order_by("id").last()
    assert event.data["candidates_confirmed"] == [blind.ana.pk]


def test_keeping_a_judge_who_was_nominated_later_needs_no_confirmation(api, blind):
    make_nomination(nominator=blind.erik, nominee=blind.judge, headline="Judged fairly")
    newcomer = make_user()
    response = api(blind.hr).put(
        judges_url(blind.cycle), {"user_ids": [blind.judge.pk, newcomer.pk]}
    )
    assert response.status_code == 200


def test_confirm_candidates_must_be_a_boolean(api, blind):
    response = api(blind.hr).put(
        judges_url(blind.cycle), {"user_ids": [blind.ana.pk], "confirm_candidates": "perhaps"}
    )
    assert response.status_code == 400
    assert "confirm_candidates" in response.json()


def test_a_judge_scoring_themself_gets_the_same_answer_whether_nominated_or_not(api, blind):
    nominated = make_user(full_name="Nell Nominated")
    make_nomination(nominator=blind.erik, nominee=nominated, headline="Judged fairly")
    judging.assign_judges(
        cycle=blind.cycle,
        judges=[blind.judge, nominated],
        by=blind.hr,
        confirmed_candidates=[nominated.pk],
    )
    blind.to_judging(api)
    as_candidate = blind.score(api, nominated, judge=nominated)
    as_colleague = blind.score(api, blind.judge)
    assert as_candidate.status_code == as_colleague.status_code == 403
    assert as_candidate.json() == as_colleague.json()


def test_a_judge_does_not_see_nominations_of_themself(api, blind):
    mine = make_nomination(nominator=blind.erik, nominee=blind.judge, headline="Judged fairly")
    blind.to_judging(api)
    client = api(blind.judge)
    listed = client.get(reverse("api-nominations")).json()
    ids = {row["id"] for row in listed.get("results", listed)}
    assert blind.nomination.pk in ids
    assert mine.pk not in ids
    assert client.get(reverse("api-nomination", args=[mine.pk])).status_code == 404
