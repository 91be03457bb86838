"""The colleague picker shared by every form that chooses people (a nominee, endorsers to
invite, featured colleagues, the employee a thank-you is about): the server side of
templates/nominations/people_picker.html."""

from collections.abc import Iterable

from accounts.models import User

PICKER_LIMIT = 8
PICKER_QUERY_LENGTH = 100
MAX_PICKED = 20


def colleague_ids(values: Iterable[str]) -> list[int]:
    """The ids among submitted values (junk is ignored, never an error), at most MAX_PICKED."""
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 12][:MAX_PICKED]


def colleague_picker(
    *, field: str, q: str, selected: Iterable[int], exclude: Iterable[int] = ()
) -> dict:
    """The colleagues a picker offers: the ones already picked, then up to PICKER_LIMIT
    active people matching `q` (two queries at most, whatever the size of the company)."""
    exclude = set(exclude)
    selected_ids = [pk for pk in selected if pk not in exclude]
    people: list[User] = []
    if selected_ids:
        people = list(User.objects.for_directory().filter(pk__in=selected_ids))
    q = q.strip()[:PICKER_QUERY_LENGTH]
    if q:
        matches = (
            User.objects.for_directory()
            .search(q)
            .exclude(pk__in=exclude | {p.pk for p in people})[:PICKER_LIMIT]
        )
        people += list(matches)
    return {
        "field": field,
        "multiple": field == "people",
        "q": q,
        "people": people,
        "selected": {p.pk for p in people if p.pk in selected_ids},
    }
