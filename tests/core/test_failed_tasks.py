"""An operator sees failed tasks (the admin, `manage.py failed_tasks`) and runs them again
(`manage.py failed_tasks --retry`); a mail that went already is not sent twice."""

import smtplib
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from core import notify
from tests.conftest import make_user
from tests.core.conftest import run_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("database_tasks")]


def queue_notice(to: str) -> DBTaskResult:
    with transaction.atomic():
        notify.send_mail_on_commit(
            to=to, subject="You were nominated", template="notice", context={"message": "Hi"}
        )
    return DBTaskResult.objects.get(args_kwargs__kwargs__to=[to])


def run_worker_while_smtp_is_down() -> None:
    with mock.patch.object(
        EmailBackend, "send_messages", side_effect=smtplib.SMTPServerDisconnected("gone away")
    ):
        run_worker()


def failed_tasks(*args: str) -> str:
    out = StringIO()
    call_command("failed_tasks", *args, stdout=out)
    return out.getvalue()


def test_failed_tasks_lists_each_failure_with_its_error():
    task = queue_notice("ada@example.com")
    run_worker_while_smtp_is_down()

    output = failed_tasks()

    assert str(task.id) in output
    assert "core.tasks.send_email" in output
    assert "smtplib.SMTPServerDisconnected: gone away" in output


def test_with_no_failed_task_it_says_so():
    assert failed_tasks() == "No failed task.\n"


def test_a_failed_mail_run_again_is_sent_once():
    task = queue_notice("ada@example.com")
    run_worker_while_smtp_is_down()

    output = failed_tasks("--retry")

    assert str(task.id) in output
    task.refresh_from_db()
    assert task.status == "READY"
    assert task.traceback == "" and task.finished_at is None
    run_worker()
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert failed_tasks("--retry") == "No failed task.\n"
    run_worker()
    assert len(mail.outbox) == 1


def test_retrying_by_id_leaves_the_other_failures_alone():
    ada = queue_notice("ada@example.com")
    grace = queue_notice("grace@example.com")
    run_worker_while_smtp_is_down()

    failed_tasks("--retry", str(ada.id))

    ada.refresh_from_db()
    grace.refresh_from_db()
    assert ada.status == "READY"
    assert grace.status == "FAILED"


@pytest.mark.parametrize("which", ["successful", "unknown", "malformed"])
def test_retry_refuses_an_id_that_is_not_a_failed_task(which):
    failed = queue_notice("ada@example.com")
    run_worker_while_smtp_is_down()
    done = queue_notice("grace@example.com")
    run_worker()
    other = {
        "successful": str(done.id),
        "unknown": "0b7c1e8e-0000-4000-8000-000000000000",
        "malformed": "not-an-id",
    }[which]

    with pytest.raises(CommandError, match="Not a failed task: " + other):
        failed_tasks("--retry", str(failed.id), other)

    failed.refresh_from_db()
    assert failed.status == "FAILED"  # all or nothing


def test_an_operator_sees_failed_tasks_in_the_admin(login):
    task = queue_notice("ada@example.com")
    run_worker_while_smtp_is_down()
    operator = make_user(is_staff=True, is_superuser=True)

    response = login(operator).get(
        "/admin/django_tasks_database/dbtaskresult/", {"status__exact": "FAILED"}
    )

    assert response.status_code == 200
    assert str(task.id) in response.content.decode()


def test_the_task_admin_is_closed_to_employees_who_are_not_staff(login):
    response = login(make_user()).get("/admin/django_tasks_database/dbtaskresult/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
