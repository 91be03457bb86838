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
    active people matching `q` (two queries at most, whatever the size of the company).
    `more` says that others match too (one row past the limit is read to know it)."""
    exclude = set(exclude)
    selected_ids = [pk for pk in selected if pk not in exclude]
    people: list[User] = []
    if selected_ids:
        people = list(User.objects.for_directory().filter(pk__in=selected_ids))
    q = q.strip()[:PICKER_QUERY_LENGTH]
    matches: list[User] = []
    found = 0  # how many match `q`, the ones already picked included: the count announced
    more = False
    if q:
        picked = {p.pk for p in people}
        matching = User.objects.for_directory().search(q).exclude(pk__in=exclude)
        for person in matching[: PICKER_LIMIT + len(picked) + 1]:
            if person.pk in picked:
                found += 1
            elif len(matches) < PICKER_LIMIT:
                matches.append(person)
            else:
                more = True
        found += len(matches)
    return {
        "field": field,
        "multiple": field == "people",
        "q": q,
        "people": people + matches,
        "found": found,
        "more": more,
        "selected": {p.pk for p in people if p.pk in selected_ids},
    }
