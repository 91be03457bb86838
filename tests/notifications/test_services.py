"""notify: one notice per person and event, as each person chose; mark read; the digest."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from notifications import services
from notifications.models import Channel, Kind, Notification
from tests.conftest import make_user
from tests.notifications.conftest import make_notice, notices_of

Mail = Notification.Mail


def notify(recipient, key="comment:1", text="Bo commented on your story “Lyon”."):
    return services.notify(
        recipient=recipient,
        kind=Kind.STORY_COMMENTED,
        event_key=key,
        text=text,
        link="/stories/1/#comment-1",
    )


def test_the_same_event_twice_makes_one_notice_and_one_email(
    ana, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(ana)
        again = notify(ana)
    assert first == again
    assert len(notices_of(ana)) == 1
    [message] = mailoutbox
    assert message.to == [ana.email]
    assert message.subject == "Bo commented on your story “Lyon”."
    assert "Hello Ana," in message.body
    assert "http://127.0.0.1:8000/stories/1/#comment-1" in message.body
    assert "/notifications/settings/" in message.body


def test_the_same_event_notifies_each_person_once(ana, django_capture_on_commit_callbacks):
    bo = make_user()
    notify(ana)
    notify(bo)
    assert Notification.objects.count() == 2


def test_by_default_a_notice_is_mailed(ana, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(ana)
    assert notice.mail == Mail.SENT and not notice.is_read
    assert len(mailoutbox) == 1


def test_in_app_only_makes_a_notice_and_no_email(
    ana, mailoutbox, django_capture_on_commit_callbacks
):
    services.set_preferences(
        user=ana, channels={Kind.STORY_COMMENTED: Channel.IN_APP}, daily_digest=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(ana)
    assert notice.mail == Mail.NONE
    assert notices_of(ana) == [notice]
    assert mailoutbox == []


def test_off_makes_nothing(ana, mailoutbox, django_capture_on_commit_callbacks):
    services.set_preferences(
        user=ana, channels={Kind.STORY_COMMENTED: Channel.OFF}, daily_digest=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(ana) is None
    assert notices_of(ana) == [] and mailoutbox == []


def test_a_kind_switched_off_leaves_the_other_kinds_on(ana, django_capture_on_commit_callbacks):
    services.set_preferences(
        user=ana, channels={Kind.JUDGING_STARTED: Channel.OFF}, daily_digest=False
    )
    assert notify(ana) is not None


def test_someone_who_left_is_not_notified(ana, mailoutbox, django_capture_on_commit_callbacks):
    ana.is_active = False
    ana.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(ana) is None
    assert mailoutbox == []


def test_a_change_rolled_back_notifies_nobody(ana, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify(ana)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert notices_of(ana) == [] and mailoutbox == []


def test_preferences_default_to_email_for_every_kind(ana):
    assert services.channels(ana) == dict.fromkeys(Kind.values, Channel.EMAIL)
    assert services.wants_daily_digest(ana) is False


def test_saving_preferences_twice_keeps_the_last(ana):
    for channel in (Channel.OFF, Channel.IN_APP):
        services.set_preferences(user=ana, channels={Kind.NOMINEE_WON: channel}, daily_digest=True)
    assert services.channels(ana)[Kind.NOMINEE_WON] == Channel.IN_APP
    assert services.wants_daily_digest(ana) is True


@pytest.mark.parametrize(
    "channels", [{"gossip": Channel.EMAIL}, {Kind.NOMINEE_WON: "pigeon"}], ids=["kind", "channel"]
)
def test_unknown_preferences_are_refused(ana, channels):
    with pytest.raises(ValidationError):
        services.set_preferences(user=ana, channels=channels, daily_digest=False)


# --- Reading ----------------------------------------------------------------------------------


def test_mark_read_marks_only_the_callers_notices(ana, django_capture_on_commit_callbacks):
    bo = make_user()
    mine, theirs = make_notice(ana), make_notice(bo)
    assert services.mark_read(user=ana, ids=[mine.pk, theirs.pk]) == 1
    assert services.mark_read(user=ana, ids=[mine.pk]) == 0  # already read
    theirs.refresh_from_db()
    assert not theirs.is_read
    assert services.unread_count(ana) == 0 and services.unread_count(bo) == 1


def test_mark_all_read(ana):
    make_notice(ana)
    make_notice(ana)
    assert services.unread_count(ana) == 2
    assert services.mark_read(user=ana) == 2
    assert services.unread_count(ana) == 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the planner's choice on SQLite")
def test_the_unread_count_reads_the_partial_index(ana):
    plan = Notification.objects.filter(recipient=ana).unread().explain()
    assert "notification_unread" in plan


# --- The daily digest -------------------------------------------------------------------------


@pytest.fixture
def digest_reader(ana):
    services.set_preferences(user=ana, channels={}, daily_digest=True)
    return ana


def test_a_digest_reader_gets_no_email_per_event(
    digest_reader, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = make_notice(digest_reader)
    assert notice.mail == Mail.DIGEST
    assert mailoutbox == []


def test_the_digest_mails_every_unread_notice_waiting_once(
    digest_reader, mailoutbox, django_capture_on_commit_callbacks
):
    first = make_notice(digest_reader, text="Evidence waits for you.")
    second = make_notice(digest_reader, text="Bo commented on your story.")
    read = make_notice(digest_reader, text="Already read.")
    services.mark_read(user=digest_reader, ids=[read.pk])
    # A run missed, or late by a minute: a notice older than a day is still mailed.
    old = make_notice(digest_reader, text="From before a missed run.")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    in_app = make_notice(make_user(), text="Someone else's.")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.send_digest()
        again = services.send_digest()
    assert (run.people, run.notices) == (1, 3)
    assert (again.people, again.notices) == (0, 0)
    [message] = [m for m in mailoutbox if m.to == [digest_reader.email]]
    assert message.subject == "3 notifications from Plaudit today"
    assert "Evidence waits for you." in message.body and "Bo commented" in message.body
    assert "From before a missed run." in message.body
    assert "Already read." not in message.body
    assert "Someone else's." not in message.body
    states = dict(Notification.objects.values_list("pk", "mail"))
    assert states[first.pk] == states[second.pk] == states[old.pk] == Mail.DIGESTED
    assert states[read.pk] == Mail.NONE  # read first: no longer due
    assert states[in_app.pk] == Mail.SENT


def test_the_digest_leaves_in_app_only_kinds_out(
    digest_reader, mailoutbox, django_capture_on_commit_callbacks
):
    services.set_preferences(
        user=digest_reader, channels={Kind.JUDGE_ASSIGNED: Channel.IN_APP}, daily_digest=True
    )
    make_notice(digest_reader, kind=Kind.JUDGE_ASSIGNED)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_digest().people == 0
    assert mailoutbox == []


def test_the_digest_command_is_idempotent(
    digest_reader, capsys, django_capture_on_commit_callbacks
):
    make_notice(digest_reader)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_notification_digest", "--dry-run")
        call_command("send_notification_digest")
        call_command("send_notification_digest")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Would send 1 digest(s) with 1 notification(s).",
        "Sent 1 digest(s) with 1 notification(s).",
        "Sent 0 digest(s) with 0 notification(s).",
    ]
    assert len([m for m in mail.outbox if m.to == [digest_reader.email]]) == 1
