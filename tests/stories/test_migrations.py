"""The migration that widens the stored search document recomputes it for the stories that
were there before it (PostgreSQL: SQLite has no stored document)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from stories.models import Story

BEFORE = ("stories", "0005_comment_submission_key")
AFTER = ("stories", "0006_search_every_story_text")


def migrate(to: tuple[str, str]):
    """Every app at its latest migration but stories, at `to`; the models as they were then."""
    executor = MigrationExecutor(connection)
    targets = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "stories"]
    targets.append(to)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def migrator(transactional_db):
    yield migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_stories_are_found_by_what_was_done_after_the_migration(migrator):
    if connection.vendor != "postgresql":
        pytest.skip("the stored search document is PostgreSQL's")
    apps = migrator(BEFORE)
    User = apps.get_model("accounts", "User")
    OldStory = apps.get_model("stories", "Story")
    author = User.objects.create(email="alex@example.com", full_name="Alex", password="!")
    story = OldStory.objects.create(
        kind="improvement",
        author=author,
        title="A shorter wait",
        body="We changed the form.",
        do="We moved the invoice link to the top of the page.",
        status="published",
        published_at=dt.datetime(2030, 3, 1, 9, 0, tzinfo=dt.UTC),
    )
    assert not Story.objects.search("invoice").filter(pk=story.pk).exists()

    migrator(AFTER)

    assert list(Story.objects.search("invoice").values_list("pk", flat=True)) == [story.pk]
