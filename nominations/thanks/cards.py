"""Queue cards are cached (templates/thanks/queue_card.html, `{% cache %}`): a page of 25
cards, each with its moderation form, otherwise spends most of its time in the template engine.

A card's key holds everything on it that can change after the customer sent it: its status,
confirmation, moderation (time, by whom, the cycle it counts for), who it is about and whether
they still work here, and the integration's name. What it shows of people and departments is
under the site-wide version of the story cards (stories/cards.py), which any change to a
person's name or photo, or to a department, replaces. What a thank-you says (the message, the
customer's name and address, the source, the score) is never edited once sent.

The reader's part is in the key too (may they see the customer's address, may they assign),
and the CSRF token stays outside the cached part. A card shown with a result or errors (after
an htmx action) is rendered afresh.
"""

from nominations.models import ThankYou
from stories import cards

CARD_SECONDS = cards.CARD_SECONDS


def card_key(thank_you: ThankYou, *, show_email: bool, can_assign: bool) -> str:
    employee = thank_you.employee
    moderator = thank_you.moderated_by
    parts = (
        thank_you.pk,
        thank_you.status,
        thank_you.confirmed_at and thank_you.confirmed_at.isoformat(),
        thank_you.moderated_at and thank_you.moderated_at.isoformat(),
        moderator and moderator.full_name,
        thank_you.cycle_id,
        employee and (employee.pk, employee.is_active),
        thank_you.integration and thank_you.integration.name,
        show_email,
        can_assign,
        cards.version(),
    )
    return repr(parts)
