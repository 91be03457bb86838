import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from core import notify
from tests.conftest import make_user

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def send_notice(**context) -> None:
    notify.send_mail_on_commit(
        to=["ada@example.com"],
        subject="You were nominated",
        template="notice",
        context={"greeting": "Hello Ada,", "message": "Someone noticed.", **context},
    )


def html_part(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def test_mail_is_sent_once_the_transaction_commits(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        send_notice()
        assert mail.outbox == []
    assert len(callbacks) == 1
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "You were nominated"
    assert "Someone noticed." in message.body
    assert "Someone noticed." in html_part(message)


def test_nothing_is_sent_when_the_transaction_rolls_back(db, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send_notice()
        raise RuntimeError("the service failed")
    assert callbacks == []
    assert mail.outbox == []


def test_html_from_the_context_is_escaped_in_the_html_part(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_notice(message='<script>alert("x")</script> & <b>bold</b>')
    [message] = mail.outbox
    html = html_part(message)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    # The plain-text part is not HTML: it shows what was typed, unescaped.
    assert '<script>alert("x")</script> & <b>bold</b>' in message.body


def test_a_subject_cannot_smuggle_in_a_header(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify.send_mail_on_commit(
            to="ada@example.com",
            subject="Hello\nBcc: everyone@example.com",
            template="notice",
            context={"message": "Hi"},
        )
    [message] = mail.outbox
    assert message.subject == "Hello Bcc: everyone@example.com"
    assert message.bcc == []


def test_a_context_that_is_not_json_is_refused_when_enqueued(db):
    with pytest.raises(TypeError):
        send_notice(person=object())


def test_allauth_mail_goes_through_the_task_queue_when_tasks_run_later(
    client, db, monkeypatch, django_capture_on_commit_callbacks
):
    make_user("grace@example.com")
    monkeypatch.setattr(notify, "runs_tasks_later", lambda: True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("account_reset_password"), {"email": "grace@example.com"})
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    [message] = mail.outbox
    assert message.to == ["grace@example.com"]
    assert message.subject.startswith("[Plaudit] ")
    assert "/accounts/password/reset/key/" in message.body


@pytest.mark.django_db(transaction=True)
def test_the_db_worker_delivers_a_queued_mail(settings):
    settings.TASKS = DATABASE_TASKS  # django.tasks drops its cached backends on this change
    with transaction.atomic():
        send_notice()
    assert mail.outbox == []
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "core.tasks.send_email"
    assert queued.args_kwargs["kwargs"]["to"] == ["ada@example.com"]

    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)

    [message] = mail.outbox
    assert message.subject == "You were nominated"
    assert "Someone noticed." in message.body
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
