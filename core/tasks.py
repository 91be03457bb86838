"""Background work shared by every app (django.tasks). Arguments are JSON only: with the
database backend they are stored in a row and read back by `manage.py db_worker`.

Queue work with `enqueue_on_commit`; mail goes through core/notify.py, which uses it."""

from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.tasks import Task, task
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django_tasks_db import DatabaseBackend

from core.models import SentEmail


def enqueue_on_commit(task: Task, **kwargs) -> None:
    """Queue `task` to run if, and once, the current transaction commits.

    With the database backend the task's row is written now, in the caller's transaction (an
    outbox): it commits or rolls back with the change, so a process that dies right after the
    commit has lost neither. Other backends (the immediate one) run a task as it is enqueued,
    so it is enqueued only once the transaction has committed."""
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(partial(task.enqueue, **kwargs))


def render_email(
    *, to: list[str], subject: str, template: str, context: dict
) -> EmailMultiAlternatives:
    """Build the message from templates/email/<template>.txt (required) and .html (optional).

    Both are rendered with autoescaping, so text from users is inert in the HTML part; the
    .txt templates extend email/base.txt, which turns escaping off for plain text.
    """
    context = {"site_url": settings.SITE_URL, "subject": subject, **context}
    text = render_to_string(f"email/{template}.txt", context).strip()
    # A newline in a header would be an injection; a subject is one line.
    message = EmailMultiAlternatives(" ".join(subject.split()), text, to=to)
    try:
        html = render_to_string(f"email/{template}.html", context)
    except TemplateDoesNotExist:
        html = ""
    if html:
        message.attach_alternative(html, "text/html")
    return message


def _sent_already(key: str) -> bool:
    return bool(key) and SentEmail.objects.filter(key=key).exists()


def _send(message: EmailMessage, key: str) -> int:
    """Send the message under its key (the Message-ID), and record the key once the server has
    taken it. A worker that dies between the two sends it again when the task is run again: the
    same Message-ID lets mail servers and clients drop the copy. Tasks queued before keys
    existed have none and are sent as they are."""
    if not key:
        return message.send()
    message.extra_headers["Message-ID"] = f"<{key}@{urlsplit(settings.SITE_URL).hostname}>"
    sent = message.send()
    SentEmail.objects.bulk_create([SentEmail(key=key)], ignore_conflicts=True)
    return sent


@task
def send_email(*, to: list[str], subject: str, template: str, context: dict, key: str = "") -> int:
    """Render one of our e-mail templates and send it, unless its key says it went already."""
    if _sent_already(key):
        return 0
    message = render_email(to=to, subject=subject, template=template, context=context)
    return _send(message, key)


@task
def send_rendered_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    from_email: str = "",
    headers: dict[str, str] | None = None,
    key: str = "",
) -> int:
    """Send a message that was rendered already (allauth renders its own, with the request)."""
    if _sent_already(key):
        return 0
    message = EmailMultiAlternatives(subject, body, from_email or None, to, headers=headers or {})
    if html:
        message.attach_alternative(html, "text/html")
    return _send(message, key)
