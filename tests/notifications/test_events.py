"""Each event notifies the people it concerns, and nobody else; no notice names a nominator
to anyone but the nominator (a reader may judge a blind cycle)."""

import pytest
from django.urls import reverse

from awards.models import AwardCycle
from cycles import judging
from cycles import services as cycle_services
from nominations import services as nominations
from nominations.models import Evidence
from notifications import services
from notifications.models import Channel, Kind, Notification
from stories import services as stories
from tests.awards.conftest import make_cycle
from tests.awards.test_deciding import Contest
from tests.conftest import make_user
from tests.nominations.conftest import make_nomination
from tests.notifications.conftest import notices_of
from tests.stories.conftest import make_story

Status = AwardCycle.Status
QUOTE = {"quote": "You finally explained it in plain words.", "quote_source": "Survey"}


def kinds(user) -> list[str]:
    return [notice.kind for notice in notices_of(user)]


def everyone_but(*people) -> set[int]:
    return set(
        Notification.objects.exclude(recipient__in=people).values_list("recipient_id", flat=True)
    )


# --- Evidence ---------------------------------------------------------------------------------


def add_quote(nomination, by):
    return nominations.add_evidence(nomination=nomination, by=by, kind="customer_words", **QUOTE)


def test_evidence_added_asks_the_nominees_manager_to_verify(people, nomination):
    evidence = add_quote(nomination, people.nominator)
    [notice] = notices_of(people.manager)
    assert notice.kind == Kind.EVIDENCE_TO_VERIFY
    assert notice.text == (
        "New evidence on the nomination of Nina Nominee waits for your verification."
    )
    assert notice.link == f"{nomination.get_absolute_url()}#evidence-{evidence.pk}"
    assert "Omar" not in notice.text
    assert everyone_but(people.manager) == set()


def test_no_manager_no_notice(people, cycle):
    orphan = make_user(full_name="Olga Orphan")
    add_quote(make_nomination(nominator=people.nominator, nominee=orphan), people.nominator)
    assert not Notification.objects.exists()


def test_a_manager_who_nominated_is_not_asked_to_verify_their_own_evidence(people, nomination):
    own = make_nomination(nominator=people.manager, nominee=people.nominee, headline="Again")
    add_quote(own, people.manager)
    assert notices_of(people.manager) == []


def test_a_dispute_tells_the_nominator_each_time_it_is_disputed(people, nomination):
    evidence = add_quote(nomination, people.nominator)
    verify = nominations.verify_evidence
    verify(evidence=evidence, by=people.manager, status="disputed", note="No such survey.")
    verify(evidence=evidence, by=people.manager, status="disputed", note="Still no survey.")
    assert kinds(people.nominator) == [Kind.EVIDENCE_DISPUTED]
    [notice] = notices_of(people.nominator)
    assert notice.text == "Evidence on your nomination of Nina Nominee was disputed."
    verify(evidence=evidence, by=people.manager, status="unverified")
    verify(evidence=evidence, by=people.manager, status="disputed", note="Really not.")
    assert kinds(people.nominator) == [Kind.EVIDENCE_DISPUTED] * 2


def test_verified_evidence_tells_nobody(people, nomination):
    evidence = add_quote(nomination, people.nominator)
    nominations.verify_evidence(evidence=evidence, by=people.manager, status="verified")
    assert notices_of(people.nominator) == []
    assert Evidence.objects.get().verification == "verified"


def test_a_dispute_email_carries_the_note(
    people, nomination, mailoutbox, django_capture_on_commit_callbacks
):
    evidence = add_quote(nomination, people.nominator)
    with django_capture_on_commit_callbacks(execute=True):
        nominations.verify_evidence(
            evidence=evidence, by=people.manager, status="disputed", note="No such survey."
        )
    [message] = [m for m in mailoutbox if m.to == [people.nominator.email]]
    assert "“No such survey.”" in message.body


# --- Invitations to endorse -------------------------------------------------------------------


def invite(nomination, people, *who):
    nominations.invite_endorsers(nomination=nomination, by=people.nominator, people=list(who))


def test_an_invitation_is_one_notice_and_one_email(
    people, nomination, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(nomination, people, people.colleague)
        invite(nomination, people, people.colleague)
    [notice] = notices_of(people.colleague)
    assert notice.kind == Kind.ENDORSEMENT_INVITED
    assert notice.link == nomination.get_absolute_url()
    [message] = mailoutbox
    assert message.to == [people.colleague.email]
    assert "Keep it to yourself" in message.body  # the invitation's own words


def test_a_blind_invitation_does_not_name_the_nominator(people, nomination):
    assert nomination.cycle.blind_judging
    invite(nomination, people, people.judge)
    [notice] = notices_of(people.judge)
    assert notice.text == "A colleague asks you to second their nomination of Nina Nominee."


def test_an_open_invitation_names_the_nominator_in_the_email_only(
    people, db, mailoutbox, django_capture_on_commit_callbacks
):
    # HR may make the cycle blind while it is open, and the invitee may judge it: the stored
    # notice never names the nominator; the e-mail, gone at once, may.
    make_cycle(status=Status.OPEN, blind_judging=False)
    nomination = make_nomination(nominator=people.nominator, nominee=people.nominee)
    with django_capture_on_commit_callbacks(execute=True):
        invite(nomination, people, people.colleague)
    [notice] = notices_of(people.colleague)
    assert notice.text == "A colleague asks you to second their nomination of Nina Nominee."
    [message] = [m for m in mailoutbox if m.to == [people.colleague.email]]
    assert "Omar Nominator" in message.body


def test_invitations_switched_off_send_no_email(
    people, nomination, mailoutbox, django_capture_on_commit_callbacks
):
    services.set_preferences(
        user=people.colleague,
        channels={Kind.ENDORSEMENT_INVITED: Channel.OFF},
        daily_digest=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        invite(nomination, people, people.colleague)
    assert notices_of(people.colleague) == [] and mailoutbox == []
    assert nomination.invited_endorsers.filter(pk=people.colleague.pk).exists()


# --- Comments ---------------------------------------------------------------------------------


def test_a_comment_tells_the_storys_author(db):
    author, reader = make_user(full_name="Alex Author"), make_user(full_name="Rita Reader")
    story = make_story(author, title="Lyon")
    comment = stories.add_comment(story=story, author=reader, body="Lovely work.")
    [notice] = notices_of(author)
    assert notice.kind == Kind.STORY_COMMENTED
    assert notice.text == "Rita Reader commented on your story “Lyon”."
    assert notice.link == f"{story.get_absolute_url()}#comment-{comment.pk}"
    assert notices_of(reader) == []


def test_an_author_commenting_on_their_own_story_is_not_told(db):
    author = make_user()
    stories.add_comment(story=make_story(author), author=author, body="Thanks all!")
    assert not Notification.objects.exists()


@pytest.mark.parametrize("undo", ["delete", "hide"])
def test_a_comment_taken_back_or_hidden_takes_its_notice_with_it(
    db, undo, mailoutbox, django_capture_on_commit_callbacks
):
    author, reader = make_user(), make_user()
    with django_capture_on_commit_callbacks(execute=True):
        comment = stories.add_comment(
            story=make_story(author), author=reader, body="Something I regret."
        )
    assert len(notices_of(author)) == 1
    # The e-mail never quoted it.
    assert all("regret" not in m.body for m in mailoutbox)
    if undo == "delete":
        stories.delete_comment(comment=comment, by=reader)
    else:
        stories.hide_comment(comment=comment, by=make_user(hr=True), reason="Off topic.")
    assert notices_of(author) == []


def test_a_retried_comment_notifies_once(db):
    author, reader = make_user(), make_user()
    story = make_story(author)
    for _ in range(2):
        stories.add_comment(story=story, author=reader, body="Hi", submission_key="k1")
    assert len(notices_of(author)) == 1


# --- Judging ----------------------------------------------------------------------------------


@pytest.fixture
def panel(db):
    hr = make_user(hr=True)
    cycle = make_cycle(status=Status.OPEN)
    return hr, cycle, make_user(full_name="Jude Judge"), make_user(full_name="Jo Judge")


def test_each_newly_assigned_judge_is_told_once(panel):
    hr, cycle, jude, jo = panel
    judging.assign_judges(cycle=cycle, judges=[jude], by=hr)
    judging.assign_judges(cycle=cycle, judges=[jude, jo], by=hr)
    assert kinds(jude) == kinds(jo) == [Kind.JUDGE_ASSIGNED]
    [notice] = notices_of(jo)
    assert notice.link == reverse("awards:judge_cycle", args=[cycle.pk])
    assert str(cycle) in notice.text
    assert everyone_but(jude, jo) == set()


def test_judging_starting_tells_every_judge_and_nobody_else(panel, people):
    hr, cycle, jude, jo = panel
    make_nomination(nominator=people.nominator, nominee=people.nominee)
    judging.assign_judges(cycle=cycle, judges=[jude, jo], by=hr)
    cycle_services.transition(cycle=cycle, to=Status.JUDGING, by=hr)
    for judge in (jude, jo):
        assert kinds(judge) == [Kind.JUDGING_STARTED, Kind.JUDGE_ASSIGNED]
    started = Notification.objects.filter(kind=Kind.JUDGING_STARTED)
    assert {n.recipient_id for n in started} == {jude.pk, jo.pk}
    # Nothing about the nominations: no nominee, no nominator.
    assert all("Omar" not in n.text and "Nina" not in n.text for n in started)


# --- Announcing -------------------------------------------------------------------------------


def test_the_winners_nominators_hear_their_nominee_won(db, settings):
    settings.ANNOUNCE_WEBHOOK_URL = ""
    contest = Contest()
    contest.decide()
    Notification.objects.all().delete()
    cycle_services.transition(cycle=contest.cycle, to=Status.ANNOUNCED, by=contest.hr)
    won = Notification.objects.filter(kind=Kind.NOMINEE_WON)
    # Omar and Pia nominated Alice (the winner); Omar's nomination of Bob wins nothing.
    assert sorted(n.recipient_id for n in won) == sorted([contest.omar.pk, contest.pia.pk])
    assert {n.text for n in won} == {
        f"Alice Archer, whom you nominated, is a winner of {contest.cycle}."
    }
    assert {n.link for n in won} == {reverse("awards:results", args=[contest.cycle.pk])}
    assert everyone_but(contest.omar, contest.pia) == set()
