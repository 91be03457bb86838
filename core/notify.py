"""The one door for outgoing mail. Services call these helpers inside their transaction; the
message goes out only if the transaction commits, so a rolled-back change never e-mails
anyone, and the web request never waits on the mail server (with the database task backend,
`manage.py db_worker` sends it). With that backend the message is queued in the same
transaction, so a crash after the commit loses no mail (core.tasks.enqueue_on_commit).

Each message gets its idempotency key here, once: every attempt at sending it carries the same
one, so running its task again never sends it twice."""

import contextvars
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.mail import EmailMessage
from django.tasks.backends.immediate import ImmediateBackend
from django.utils.html import strip_tags

from core import tasks

# Set while `muted()` is in force: the demo's seeding, which writes through the services but
# must not write to its (fictional) people.
_muted = contextvars.ContextVar("plaudit_mail_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Within this block no e-mail is sent nor queued: every other effect of a service stays."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def is_muted() -> bool:
    """Whether `muted()` is in force here: for other messages to the outside (a chat webhook)
    and for notices, which then carry no e-mail, now or in a digest."""
    return _muted.get()


def send_mail_on_commit(
    *, to: list[str] | str, subject: str, template: str, context: dict | None = None
) -> None:
    """Send templates/email/<template>.txt/.html to `to` if the current transaction commits.

    `context` must be JSON (ids and strings, not model instances): it is stored with the task.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients or _muted.get():
        return
    context = context or {}
    # Fail here, in the caller, rather than later in the worker.
    json.dumps(context)
    tasks.enqueue_on_commit(
        tasks.send_email,
        to=recipients,
        subject=subject,
        template=template,
        context=context,
        key=str(uuid.uuid4()),
    )


def send_message_on_commit(message: EmailMessage) -> None:
    """Send an already rendered message (allauth's) if the current transaction commits."""
    if _muted.get():
        return
    html = next(
        (
            content
            for content, mimetype in getattr(message, "alternatives", [])
            if mimetype == "text/html"
        ),
        "",
    )
    body = message.body
    if message.content_subtype == "html":
        html, body = body, strip_tags(body)
    tasks.enqueue_on_commit(
        tasks.send_rendered_email,
        to=list(message.to),
        subject=str(message.subject),
        body=str(body),
        html=str(html),
        from_email=str(message.from_email),
        headers={str(k): str(v) for k, v in message.extra_headers.items()},
        key=str(uuid.uuid4()),
    )


def runs_tasks_later() -> bool:
    """True when tasks go to a queue (database backend), False when they run in-process."""
    return not isinstance(tasks.send_rendered_email.get_backend(), ImmediateBackend)
