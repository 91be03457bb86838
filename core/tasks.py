"""Background work shared by every app (django.tasks). Arguments are JSON only: with the
database backend they are stored in a row and read back by `manage.py db_worker`.

Enqueue through core/notify.py, which waits for the transaction to commit."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string


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


@task
def send_email(*, to: list[str], subject: str, template: str, context: dict) -> int:
    """Render one of our e-mail templates and send it."""
    return render_email(to=to, subject=subject, template=template, context=context).send()


@task
def send_rendered_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    from_email: str = "",
    headers: dict[str, str] | None = None,
) -> int:
    """Send a message that was rendered already (allauth renders its own, with the request)."""
    message = EmailMultiAlternatives(subject, body, from_email or None, to, headers=headers or {})
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
