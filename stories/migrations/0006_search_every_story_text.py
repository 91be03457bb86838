"""The stored search document reads every text a story tells, not only its title and body:
the customer's words (quote), the Plan-Do-Check-Act of an improvement and what was heard on
the front line (stories.models.SEARCH_TEXT_FIELDS). A word only there was never found.

A generated column's expression cannot be altered in place on every supported PostgreSQL, so
the column is dropped and added again: PostgreSQL computes it anew for every existing story,
and the GIN index is rebuilt under its old name. SQLite has no document (a contains search).
"""

from django.db import migrations

OLD_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'B')"
)
# || on text is immutable, as a generated column requires (concat_ws is only stable); "do" is
# a keyword in PostgreSQL and must be quoted.
DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, "
    "COALESCE(body, '') || ' ' || COALESCE(quote, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, "
    "COALESCE(plan, '') || ' ' || COALESCE(\"do\", '') || ' ' || COALESCE(check_metric, '') "
    "|| ' ' || COALESCE(check_unit, '') || ' ' || COALESCE(act, '') || ' ' "
    "|| COALESCE(heard, '')), 'C')"
)


def document_of(expression: str):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("ALTER TABLE stories_story DROP COLUMN IF EXISTS search_document")
        schema_editor.execute(
            "ALTER TABLE stories_story ADD COLUMN search_document tsvector "
            f"GENERATED ALWAYS AS ({expression}) STORED"
        )
        schema_editor.execute(
            "CREATE INDEX story_search ON stories_story USING gin (search_document)"
        )

    return apply


class Migration(migrations.Migration):
    dependencies = [("stories", "0005_comment_submission_key")]

    operations = [migrations.RunPython(document_of(DOCUMENT), document_of(OLD_DOCUMENT))]
