"""Each queued e-mail carries a key, given once when it is queued: it is the message's
Message-ID, and it is recorded when the mail server takes the message, so running the task
again (after a lost worker, or by hand) never sends it twice."""

import smtplib
import uuid
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from core import notify, tasks
from core.models import SentEmail
from tests.core.conftest import run_worker, strand

NOTICE = {"subject": "You were nominated", "template": "notice", "context": {"message": "Hi"}}


def test_each_mail_carries_its_key_as_message_id(db, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://plaudit.example"
    with django_capture_on_commit_callbacks(execute=True):
        notify.send_mail_on_commit(to="ada@example.com", **NOTICE)
    [message] = mail.outbox
    [sent] = SentEmail.objects.all()
    assert message.message()["Message-ID"] == f"<{sent.key}@plaudit.example>"


def test_a_mail_whose_key_is_recorded_is_not_sent_again(db):
    key = str(uuid.uuid4())
    assert tasks.send_email.call(to=["ada@example.com"], key=key, **NOTICE) == 1
    assert tasks.send_email.call(to=["ada@example.com"], key=key, **NOTICE) == 0
    assert len(mail.outbox) == 1


def test_a_rendered_mail_whose_key_is_recorded_is_not_sent_again(db, settings):
    settings.SITE_URL = "https://plaudit.example"
    key = str(uuid.uuid4())
    for _ in range(2):
        tasks.send_rendered_email.call(
            to=["ada@example.com"], subject="Reset", body="Follow the link.", key=key
        )
    [message] = mail.outbox
    assert message.message()["Message-ID"] == f"<{key}@plaudit.example>"


def test_a_mail_the_server_refused_is_not_recorded_and_goes_next_time(db):
    key = str(uuid.uuid4())
    refused = smtplib.SMTPServerDisconnected("gone away")
    with (
        mock.patch.object(EmailBackend, "send_messages", side_effect=refused),
        pytest.raises(smtplib.SMTPServerDisconnected),
    ):
        tasks.send_email.call(to=["ada@example.com"], key=key, **NOTICE)
    assert not SentEmail.objects.exists()
    tasks.send_email.call(to=["ada@example.com"], key=key, **NOTICE)
    assert len(mail.outbox) == 1


def test_a_mail_queued_without_a_key_is_still_sent(db):
    """Tasks queued by the code before keys existed have none."""
    tasks.send_email.call(to=["ada@example.com"], **NOTICE)
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_task_run_again_after_its_mail_went_sends_nothing(database_tasks):
    """The worker sent the mail, then died before marking the task done: recovery runs the task
    again, which finds its key recorded."""
    with transaction.atomic():
        notify.send_mail_on_commit(to="ada@example.com", **NOTICE)
    run_worker()
    task = DBTaskResult.objects.get()
    strand(task, minutes_ago=60, workers=task.worker_ids)

    call_command("recover_tasks", verbosity=0)
    run_worker()

    assert len(mail.outbox) == 1
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert len(task.worker_ids) == 2
