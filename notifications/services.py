"""Telling people what happened: one notice per person and event, in Plaudit and, as each
person chose, by e-mail at once, in a daily digest, or not at all.

Services of the apps above call `notify` inside their own transaction, right after the change
that is the event: the notice commits or rolls back with it, and its e-mail is queued through
core.notify, so it goes out only once the change has committed."""

import dataclasses
import datetime as dt
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext

from accounts.models import User
from core import notify as mail
from notifications.models import (
    Channel,
    Kind,
    Notification,
    NotificationPreference,
    NotificationSettings,
)

Mail = Notification.Mail
MAX_TEXT = 500


# --- Preferences ------------------------------------------------------------------------------


def channels(user: User) -> dict[str, str]:
    """Every kind with the channel `user` chose for it (the default where they chose none)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
    return {kind: chosen.get(kind, Channel.EMAIL) for kind in Kind.values}


def wants_daily_digest(user: User) -> bool:
    return NotificationSettings.objects.filter(user=user, daily_digest=True).exists()


@transaction.atomic
def set_preferences(*, user: User, channels: Mapping[str, str], daily_digest: bool) -> None:
    """Save how `user` hears about each kind named in `channels`, and whether their e-mails
    come once a day. Idempotent."""
    unknown = [kind for kind in channels if kind not in Kind.values]
    if unknown:
        raise ValidationError(gettext("Unknown kind of notification: %s.") % ", ".join(unknown))
    if any(channel not in Channel.values for channel in channels.values()):
        raise ValidationError(gettext("Choose e-mail, in Plaudit only, or off."))
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=user, kind=k, channel=c) for k, c in channels.items()],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["channel"],
    )
    NotificationSettings.objects.update_or_create(
        user=user, defaults={"daily_digest": daily_digest}
    )


# --- Notifying --------------------------------------------------------------------------------


def _settings_url() -> str:
    return settings.SITE_URL + reverse("notifications:settings")


@transaction.atomic
def forget(*, event_key: str) -> None:
    """An event undone (a comment deleted or hidden): its notices go, unread or read, and with
    them any place in a digest still waiting. An e-mail already sent cannot be called back,
    which is why notices quote nothing that can be undone."""
    Notification.objects.filter(event_key=event_key).delete()


def notify(
    *,
    recipient: User,
    kind: str,
    event_key: str,
    text: str,
    link: str,
    email_message: str = "",
    email_subject: str = "",
) -> Notification | None:
    """Tell `recipient` about the event `event_key` (unique per person: the second call for
    the same event changes nothing and sends nothing). `text` is the notice, one sentence the
    recipient may read (the caller decides what they may know); `link` a path on this site;
    `email_message` and `email_subject`, when given, the e-mail's body and subject (by default
    the notice's sentence). Nothing for someone who left
    or switched this kind off: then None."""
    if not recipient.is_active:
        return None
    channel = (
        NotificationPreference.objects.filter(user=recipient, kind=kind)
        .values_list("channel", flat=True)
        .first()
    ) or Channel.EMAIL
    if channel == Channel.OFF:
        return None
    if channel == Channel.IN_APP or mail.is_muted():
        # Muted (the demo's seeding): the notice stays, but no e-mail now nor in a digest.
        how = Mail.NONE
    else:
        how = Mail.DIGEST if wants_daily_digest(recipient) else Mail.SENT
    text = Truncator(" ".join(text.split())).chars(MAX_TEXT)
    notice, created = Notification.objects.get_or_create(
        recipient=recipient,
        event_key=event_key,
        defaults={"kind": kind, "text": text, "link": link, "mail": how},
    )
    if created and how == Mail.SENT:
        mail.send_mail_on_commit(
            to=recipient.email,
            subject=email_subject or text,
            template="notice",
            context={
                "greeting": gettext("Hello %(name)s,") % {"name": recipient.display_name},
                "message": email_message or text,
                "action_url": settings.SITE_URL + link,
                "action_label": gettext("Open it in Plaudit"),
                "footer": gettext("You receive this because of your notification settings: %(url)s")
                % {"url": _settings_url()},
            },
        )
    return notice


# --- Reading ----------------------------------------------------------------------------------


def unread_count(user: User) -> int:
    """The bell's number: one COUNT on the partial index of unread notices."""
    return Notification.objects.filter(recipient=user).unread().count()


@transaction.atomic
def mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark `user`'s notices read: those in `ids` (others' ids are ignored), or all of them.
    Returns how many were unread."""
    notices = Notification.objects.filter(recipient=user).unread()
    if ids is not None:
        notices = notices.filter(pk__in=ids)
    return notices.update(read_at=timezone.now())


# --- The daily digest -------------------------------------------------------------------------


@dataclasses.dataclass
class DigestRun:
    people: int = 0
    notices: int = 0


def _waiting(until: dt.datetime):
    return Notification.objects.filter(
        mail=Mail.DIGEST, read_at__isnull=True, created_at__lte=until, recipient__is_active=True
    )


def _queue_digest(user: User, notices: list[Notification]) -> None:
    count = len(notices)
    mail.send_mail_on_commit(
        to=user.email,
        subject=ngettext(
            "%(count)d notification from Plaudit today",
            "%(count)d notifications from Plaudit today",
            count,
        )
        % {"count": count},
        template="notification_digest",
        context={
            "greeting": gettext("Hello %(name)s,") % {"name": user.display_name},
            "intro": gettext("Here is what happened since our last e-mail."),
            "notices": [
                {"text": notice.text, "url": settings.SITE_URL + notice.link} for notice in notices
            ],
            "all_label": gettext("All your notifications"),
            "all_url": settings.SITE_URL + reverse("notifications:list"),
            "footer": gettext(
                "You receive one e-mail a day because of your notification settings: %(url)s"
            )
            % {"url": _settings_url()},
        },
    )


def send_digest(*, now: dt.datetime | None = None, dry_run: bool = False) -> DigestRun:
    """Mail each person who chose the daily digest their unread notices that no e-mail carried
    yet, in one message: however long since the last run (a late or missed run loses nothing).
    Idempotent: each person's notices are marked, only if still waiting, in the transaction
    that queues their e-mail, so a second run (or one at the same time, on any database) finds
    nothing left to send."""
    now = now or timezone.now()
    run = DigestRun()
    people = list(
        _waiting(now).order_by("recipient_id").values_list("recipient_id", flat=True).distinct()
    )
    for person in User.objects.filter(pk__in=people).order_by("pk"):
        with transaction.atomic():
            notices = list(
                _waiting(now)
                .filter(recipient=person)
                .select_for_update(of=("self",))
                .order_by("created_at", "id")
            )
            if not notices:
                continue  # a concurrent run took them
            run.people += 1
            run.notices += len(notices)
            if dry_run:
                continue
            marked = Notification.objects.filter(
                pk__in=[n.pk for n in notices], mail=Mail.DIGEST
            ).update(mail=Mail.DIGESTED)
            if marked != len(notices):
                # A concurrent run took some (SQLite does not lock rows): leave them all to it
                # or to the next run.
                transaction.set_rollback(True)
                continue
            _queue_digest(person, notices)
    if not dry_run:
        # What was read first is no longer due: it leaves the digest's index.
        Notification.objects.filter(mail=Mail.DIGEST, read_at__isnull=False).update(mail=Mail.NONE)
    return run
