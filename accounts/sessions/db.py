from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session

from accounts.sessions import read_session


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        return read_session(self)
