"""A stored search document for full-text search (PostgreSQL only).

Ranking a search computed to_tsvector(title, body) again for every matching story: with
100,000 stories a common word matched 28,000 and the feed search took 1.6 s (docs/
benchmarks.md). The document is now a generated column kept by PostgreSQL itself, indexed
under the same name as before; stories.models.search_document() reads it. SQLite has no
full-text search here (a contains search) and gets nothing.
"""

from django.db import migrations

DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'B')"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS story_search")
    schema_editor.execute(
        "ALTER TABLE stories_story ADD COLUMN search_document tsvector "
        f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    schema_editor.execute("CREATE INDEX story_search ON stories_story USING gin (search_document)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE stories_story DROP COLUMN IF EXISTS search_document")
    schema_editor.execute(f"CREATE INDEX story_search ON stories_story USING gin (({DOCUMENT}))")


class Migration(migrations.Migration):
    dependencies = [("stories", "0002_digestpreference_digestdelivery")]

    operations = [migrations.RunPython(forwards, backwards)]
