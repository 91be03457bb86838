"""What other pages show of an employee's thank-yous: their personal link, and the wall of
approved thank-yous on their profile and home page (who may see it: access.sees_wall)."""

import re

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from accounts.models import User
from nominations.models import ThankYou
from nominations.thanks import access

WALL_SIZE = 20
HOME_WALL_SIZE = 3
# accounts.models.new_thanks_token: URL-safe base64. Anything else cannot be a token, and is
# not worth a query (PostgreSQL would refuse a NUL character in it).
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def personal_url(person: User) -> str:
    """The link customers open to thank this person (it works until they get a new one)."""
    return settings.SITE_URL + reverse("thanks:personal", args=[person.thanks_token])


def employee_for_link(token: str) -> User | None:
    """The employee a personal link thanks, on the page and over the API: nobody once they
    get a new link, and nobody once they have left."""
    if not TOKEN.fullmatch(token):
        return None
    return (
        User.objects.filter(thanks_token=token, is_active=True).select_related("department").first()
    )


def wall(user: User, person: User) -> QuerySet[ThankYou]:
    """The approved thank-yous to `person` that `user` may see, newest first."""
    return (
        access.visible_thanks(user)
        .filter(employee=person)
        .for_wall()
        .select_related("cycle", "integration")
    )


def wall_context(user: User, person: User) -> dict:
    """The newest WALL_SIZE thank-yous and how many more there are (two queries)."""
    thanks = wall(user, person)
    shown = list(thanks[:WALL_SIZE])
    return {"wall": shown, "wall_more": thanks.count() - len(shown)}


def home_context(user: User) -> dict:
    """What the home page shows of thank-yous: the latest few to me, and (HR, managers) how
    many wait for my review."""
    context = {
        "my_thanks": list(wall(user, user)[:HOME_WALL_SIZE]),
        "thanks_waiting": 0,
    }
    if access.may_moderate_anything(user):
        context["thanks_waiting"] = (
            access.moderation_queue(user).filter(status=ThankYou.Status.CONFIRMED).count()
        )
    return context
