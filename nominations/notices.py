"""What a nomination's people hear about (notifications.services.notify), called by
nominations/services.py right after the change, in its transaction.

Each notice is written for what its reader may know: none names the nominator to anyone but
the nominator, because its reader may be, or become, a judge of a blind cycle."""

from django.utils.translation import gettext

from accounts.models import User
from nominations.models import Evidence, Nomination
from notifications.models import Kind
from notifications.services import notify


def evidence_added(evidence: Evidence, *, by: User) -> None:
    """The nominee's manager verifies evidence: they hear that some waits for them (not when
    they added it, nor when they are the nominator, who never verifies their own)."""
    nomination = evidence.nomination
    manager = nomination.nominee.manager
    if manager is None or manager.pk in (by.pk, nomination.nominator_id):
        return
    notify(
        recipient=manager,
        kind=Kind.EVIDENCE_TO_VERIFY,
        event_key=f"evidence:{evidence.pk}:added",
        text=gettext("New evidence on the nomination of %(nominee)s waits for your verification.")
        % {"nominee": nomination.nominee.full_name},
        link=f"{nomination.get_absolute_url()}#evidence-{evidence.pk}",
    )


def evidence_verified(evidence: Evidence, *, before: str) -> None:
    """The nominator hears when an item becomes disputed (each time it does), with the note."""
    if evidence.verification != Evidence.Verification.DISPUTED or before == evidence.verification:
        return
    nomination = evidence.nomination
    if nomination.nominator is None:  # a customer's nomination
        return
    text = gettext("Evidence on your nomination of %(nominee)s was disputed.") % {
        "nominee": nomination.nominee.full_name
    }
    notify(
        recipient=nomination.nominator,
        kind=Kind.EVIDENCE_DISPUTED,
        event_key=f"evidence:{evidence.pk}:disputed:{evidence.verified_at.timestamp()}",
        text=text,
        link=f"{nomination.get_absolute_url()}#evidence-{evidence.pk}",
        email_message=f"{text}\n\n“{evidence.verification_note}”\n\n"
        + gettext("Answer it with better evidence while nominations are open."),
    )


def invited_to_endorse(
    nomination: Nomination, *, by: User, person: User, subject: str, message: str
) -> None:
    """`message` is the invitation's e-mail (nominations.services._invitation), which names
    the nominator only when the cycle is not blind. The stored notice never does: HR may make
    the cycle blind while it is open, and its reader may then judge it."""
    text = gettext("A colleague asks you to second their nomination of %(nominee)s.")
    notify(
        recipient=person,
        kind=Kind.ENDORSEMENT_INVITED,
        event_key=f"nomination:{nomination.pk}:invited",
        text=text % {"nominee": nomination.nominee.full_name},
        link=nomination.get_absolute_url(),
        email_subject=subject,
        email_message=message,
    )
