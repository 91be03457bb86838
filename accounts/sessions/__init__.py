"""Django's database session stores (`db`, `cached_db` beside this file: the SESSION_ENGINE
modules), with the read every request makes written once as SQL.

Loading the session is the first query of every signed-in request; through the ORM, building
`Session.objects.get(session_key=…, expire_date__gt=…)` cost more than running it. Everything
else (saving, expiry, deleting, the cache of `cached_db`) is Django's own."""

from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone


def _read(session_key: str | None) -> Session | None:
    if not session_key:
        return None
    table = connection.ops.quote_name(Session._meta.db_table)
    found = list(
        Session.objects.raw(
            f"SELECT session_key, session_data, expire_date FROM {table}"  # noqa: S608
            " WHERE session_key = %s AND expire_date > %s",
            [session_key, timezone.now()],
        )
    )
    return found[0] if found else None


def read_session(store) -> Session | None:
    """The store's `_get_session_from_db`, as Django's: None (and no key) when it is unknown
    or expired."""
    found = _read(store.session_key)
    if found is None:
        store._session_key = None
    return found
