import pytest

from notifications import services
from notifications.models import Kind, Notification
from tests.conftest import make_user

# The cast of a nomination, for the events' tests.
from tests.nominations.conftest import cycle, nomination, people  # noqa: F401

_events = iter(range(1, 10**9))


def make_notice(recipient, *, kind: str = Kind.STORY_COMMENTED, text: str = "", **kw):
    """A notice through the real service (one e-mail queued for it by default)."""
    n = next(_events)
    return services.notify(
        recipient=recipient,
        kind=kind,
        event_key=kw.pop("event_key", f"test:{n}"),
        text=text or f"Something happened ({n}).",
        link=kw.pop("link", f"/stories/{n}/"),
        **kw,
    )


def notices_of(user) -> list[Notification]:
    return list(Notification.objects.for_recipient(user))


@pytest.fixture
def ana(db):
    return make_user(full_name="Ana Popescu")
