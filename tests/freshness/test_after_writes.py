"""Nothing a page shows is stale after a write, whichever way the write was made: a CSV
directory import (bulk writes, no signals), a cycle renamed by HR, a person editing their own
name. Each page and API answer is read once before the write (so anything that could be kept
from it would be) and must show the new values on the very next request. The suite runs on
SQLite with the local-memory cache and on PostgreSQL with Redis."""

import pytest
from django.urls import reverse

from accounts import directory_import
from awards.models import AwardCycle
from cycles import services as award_services
from stories import services as story_services
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.nominations.conftest import make_nomination
from tests.stories.conftest import make_story
from tests.thanks.conftest import approved, confirmed

OLD_NAME, NEW_NAME = "Ada Lovelace", "Augusta Byron"


class World:
    def __init__(self) -> None:
        self.billing = make_department("Billing")
        self.hr = make_user(full_name="Hana Human", hr=True)
        self.boss = make_user(email="boss@example.com", full_name="Bea Boss")
        self.ada = make_user(
            email="ada@example.com",
            full_name=OLD_NAME,
            department=self.billing,
            manager=self.boss,
            job_title="Billing clerk",
        )
        self.reader = make_user(full_name="Rita Reader")
        self.cycle = make_cycle(status=AwardCycle.Status.OPEN, title="Winter awards")
        make_nomination(nominator=self.reader, nominee=self.ada, cycle=self.cycle)
        self.story = make_story(self.ada, title="What the invoice queue taught me")
        story_services.add_comment(
            story=self.story, author=self.ada, body="Customers read the first line only."
        )
        self.counted = approved(self.ada, by=self.hr, email="carl@customer.example")
        self.waiting = confirmed(self.ada, email="dora@customer.example")


@pytest.fixture
def world(db) -> World:
    return World()


def _pages(world: World) -> dict[str, tuple[object, str]]:
    """Every place that shows Ada or the cycle: who reads it, and where."""
    story = world.story.pk
    cycle = world.cycle.pk
    return {
        "feed": (world.reader, reverse("stories:feed")),
        "feed search": (world.reader, reverse("stories:feed") + "?q=invoice"),
        "story page and its comments": (world.reader, reverse("stories:detail", args=[story])),
        "moderation queue": (world.hr, reverse("thanks:queue")),
        "moderation queue, approved": (world.hr, reverse("thanks:queue") + "?status=approved"),
        "manager's queue": (world.boss, reverse("thanks:queue")),
        "scoreboard": (world.hr, reverse("awards:hr_scoreboard", args=[cycle])),
        "profile": (world.reader, reverse("home:profile", args=[world.ada.pk])),
        "API stories": (world.reader, "/api/v1/stories"),
        "API story": (world.reader, f"/api/v1/stories/{story}"),
        "API comments": (world.reader, f"/api/v1/stories/{story}/comments"),
        "API thank-yous": (world.hr, "/api/v1/thanks?status=confirmed"),
        "API scoreboard": (world.hr, f"/api/v1/cycles/{cycle}/scoreboard"),
    }


def _read_all(client, world: World) -> dict[str, str]:
    texts = {}
    for name, (who, url) in _pages(world).items():
        client.force_login(who, backend="accounts.backends.ModelBackend")
        response = client.get(url)
        assert response.status_code == 200, f"{name}: {url} answered {response.status_code}"
        texts[name] = response.content.decode()
    return texts


def _import(world: World, rows: str) -> None:
    csv = "email,full_name,department,manager_email,job_title\n" + rows
    directory_import.apply_import(csv_bytes=csv.encode(), by=world.hr)


def test_a_directory_import_shows_everywhere_on_the_next_request(client, world):
    before = _read_all(client, world)
    for name, text in before.items():
        assert "Lovelace" in text, name

    _import(
        world,
        f"ada@example.com,{NEW_NAME},Analytics,boss@example.com,Data analyst\n"
        "boss@example.com,Bea Boss,Billing,,\n",
    )

    after = _read_all(client, world)
    for name, text in after.items():
        assert "Lovelace" not in text, f"{name} still shows the old name"
        assert "Augusta" in text, f"{name} does not show the new name"
    # The new department is a filter of the feed at once, and the story page's author line
    # shows the new job title.
    assert "Analytics" in after["feed"]
    assert "Data analyst" in after["profile"]


def test_a_person_renaming_themselves_shows_everywhere_on_the_next_request(client, world):
    _read_all(client, world)
    client.force_login(world.ada, backend="accounts.backends.ModelBackend")
    response = client.post(
        reverse("accounts:edit_profile"),
        {"full_name": NEW_NAME, "preferred_name": "", "job_title": "Billing clerk"},
    )
    assert response.status_code == 302

    for name, text in _read_all(client, world).items():
        assert "Lovelace" not in text, f"{name} still shows the old name"
        assert "Augusta" in text, f"{name} does not show the new name"


def test_a_renamed_cycle_shows_everywhere_on_the_next_request(client, world):
    readers = {
        "approved thank-yous": (world.hr, reverse("thanks:queue") + "?status=approved"),
        "scoreboard": (world.hr, reverse("awards:hr_scoreboard", args=[world.cycle.pk])),
        "API cycle": (world.hr, f"/api/v1/cycles/{world.cycle.pk}"),
    }

    def read() -> dict[str, str]:
        texts = {}
        for name, (who, url) in readers.items():
            client.force_login(who, backend="accounts.backends.ModelBackend")
            response = client.get(url)
            assert response.status_code == 200, name
            texts[name] = response.content.decode()
        return texts

    for name, text in read().items():
        assert "Winter awards" in text, name
    award_services.update_cycle(cycle=world.cycle, by=world.hr, title="Snowdrop awards")
    for name, text in read().items():
        assert "Winter awards" not in text, f"{name} still shows the old title"
        assert "Snowdrop awards" in text, f"{name} does not show the new title"


def test_a_bulk_rename_of_a_department_shows_on_the_next_request(client, world):
    before = _read_all(client, world)
    assert "Billing" in before["feed"]
    type(world.billing).objects.filter(pk=world.billing.pk).update(name="Invoicing")
    after = _read_all(client, world)
    assert "Invoicing" in after["feed"]
    assert "Invoicing" in after["profile"]
