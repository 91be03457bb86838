"""A large organisation, seeded fast with bulk_create (issue 7, DESIGN §10).

At scale 1: 10,000 employees in 40 departments with manager lines, 24 monthly cycles, 200,000
nominations with 500,000 evidence items and 400,000 endorsements, 50,000 thank-yous, 100,000
stories, 1,000,000 reactions and 200,000 comments. Every count but the departments and cycles
scales with `scale`.

The rows obey the same rules the services enforce (unique pairs, never self, exact story
counters, approved thank-yous in the cycle of their month, ...), so pages see realistic data.
The 22 oldest cycles are decided by the real `deciding.decide`, oldest first, so winners'
cool-downs and the hall of fame are real too. Random choices use a fixed seed: two seeds at the
same scale are the same organisation.

A finished seed is recorded in a small table of its own (`bench_seed`); `seed()` reuses it.
"""

import datetime as dt
import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import HR_GROUP, Department, User
from awards.models import AwardCycle, Criterion, JudgeAssignment, PanelScore
from awards.months import add_months
from cycles import deciding
from cycles import services as award_services
from nominations.models import Category, Endorsement, Evidence, Integration, Nomination, ThankYou
from stories.models import Comment, Reaction, Story, Tag

SEED_VERSION = 1
MARKER = "bench_seed"
DOMAIN = "bench.example"
CHUNK = 20_000
RNG_SEED = 20261125

# At scale 1; departments and cycles do not scale.
SIZES = {
    "employees": 10_000,
    "nominations": 200_000,
    "judging_cycle_nominations": 10_000,
    "evidence": 500_000,
    "endorsements": 400_000,
    "thank_yous": 50_000,
    "stories": 100_000,
    "reactions": 1_000_000,
    "comments": 200_000,
}
DEPARTMENT_COUNT = 40
CYCLE_COUNT = 24
FRONT_LINE_EVERY = 4  # one department in four faces customers
HR_PEOPLE = 5
JUDGES = 5


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "Ada Bruno Cleo Dara Emil Farah Gustav Hana Ivan Jana Kofi Lena Marta Nils Omar Priya "
    "Quinn Rosa Sami Tove Umar Vera Wen Xavi Yara Zeno Maria Mark Martin Marek Amara Daniel"
)
LAST = _words(
    "Okafor Weiss Johansson Santos Iyer Chen Larsen Mensah Novak Haddad Costa Berg Kowalski "
    "Moreau Tanaka Silva Fischer Rossi Dubois Nakamura Ibrahim Petrov Lindqvist Ortega"
)
DEPARTMENT_WORDS = _words(
    "Support Sales Billing Claims Logistics Engineering Operations Finance Legal "
    "Procurement Quality Training Facilities Marketing Returns Onboarding Payroll Security "
    "Data Design"
)
TOPICS = _words(
    "invoice refund delivery onboarding password billing contract renewal warranty returns "
    "appointment payment statement shipping login subscription claim repair catalogue "
    "account"
)
TAGS = [f"{topic}s" if i % 2 else topic for i, topic in enumerate(TOPICS)] + [
    "root-cause",
    "accessibility",
    "self-service",
    "first-contact",
    "paperwork",
    "waiting-time",
    "plain-language",
    "field-visit",
    "complaints",
    "feedback",
]


@dataclass
class Plan:
    """What the seed created, in ids, for the measurements to pick their subjects from."""

    scale: float
    counts: dict[str, int] = field(default_factory=dict)


def scaled(name: str, scale: float) -> int:
    return max(1, round(SIZES[name] * scale))


# --- The marker -------------------------------------------------------------------------------


def _marker_exists() -> bool:
    return MARKER in connection.introspection.table_names()


def existing_seed() -> dict | None:
    """The finished seed in this database (version, scale, counts), or None."""
    if not _marker_exists():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version, scale, finished_at FROM {MARKER}")
        row = cursor.fetchone()
    if row is None or row[0] != SEED_VERSION:
        return None
    return {"version": row[0], "scale": float(row[1]), "finished_at": str(row[2])}


def _write_marker(scale: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER} "
            "(version integer NOT NULL, scale varchar(20) NOT NULL, finished_at varchar(40))"
        )
        cursor.execute(f"DELETE FROM {MARKER}")
        cursor.execute(
            f"INSERT INTO {MARKER} (version, scale, finished_at) VALUES (%s, %s, %s)",
            [SEED_VERSION, str(scale), timezone.now().isoformat()],
        )


# --- Helpers ----------------------------------------------------------------------------------


def _chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _insert(model: type[models.Model], objects: Iterable[models.Model]) -> int:
    """bulk_create in chunks, each in its own transaction; returns how many rows went in."""
    total = 0
    for chunk in _chunks(objects):
        with transaction.atomic():
            model.objects.bulk_create(chunk)
        total += len(chunk)
    return total


@contextmanager
def _own_timestamps(*model_classes: type[models.Model]):
    """Let bulk_create keep the created_at/updated_at we give (auto_now* would overwrite them
    with the moment of the seed)."""
    changed = []
    for model in model_classes:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                changed.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in changed:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _skewed(rng: random.Random, items: list):
    """Some people (and stories) attract far more than others: a squared uniform pick."""
    return items[int(len(items) * rng.random() ** 2)]


def _sentence(rng: random.Random, topic: str) -> str:
    return rng.choice(
        [
            f"Customers kept calling about the {topic}; we sat with them and rewrote it.",
            f"The {topic} process had four hand-offs; now it has one and customers see it.",
            f"After a shift on the phones the team simplified the {topic} letter.",
            f"We measured how long a {topic} took before and after the change.",
            f"A customer explained why the {topic} confused her, in her own words.",
        ]
    )


def _paragraphs(rng: random.Random, topic: str, n: int) -> str:
    return "\n\n".join(
        " ".join(_sentence(rng, rng.choice((topic, *TOPICS))) for _ in range(3)) for _ in range(n)
    )


# --- The steps --------------------------------------------------------------------------------


@dataclass
class People:
    ids: list[int]
    manager_of: dict[int, int | None]
    department_of: dict[int, int]
    names: dict[int, str]
    hr: list[int]
    judges: list[int]
    departments: list[int]


def _people(rng: random.Random, scale: float, now: dt.datetime) -> People:
    departments = Department.objects.bulk_create(
        Department(
            name=f"{DEPARTMENT_WORDS[i % len(DEPARTMENT_WORDS)]} {i // len(DEPARTMENT_WORDS) + 1}",
            slug=f"bench-{i + 1}",
            faces_customers=i % FRONT_LINE_EVERY == 0,
        )
        for i in range(DEPARTMENT_COUNT)
    )
    password = make_password(None)  # unusable: the benchmark logs people in by session
    count = max(scaled("employees", scale), DEPARTMENT_COUNT * 3)
    users = []
    for i in range(count):
        department = departments[i % DEPARTMENT_COUNT]
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        users.append(
            User(
                email=f"person{i + 1}@{DOMAIN}",
                full_name=f"{first} {last} {i + 1}",
                department=department,
                job_title="Team lead" if i < DEPARTMENT_COUNT * 11 else "Specialist",
                faces_customers=department.faces_customers,
                password=password,
                date_joined=now - dt.timedelta(days=800),
            )
        )
    User.objects.bulk_create(users, batch_size=2000)
    # Manager lines: each department's first member is its head, reporting to person 1 (the
    # chief executive); the next ten are team leads reporting to the head; everyone else
    # reports to one of their department's leads.
    by_department = defaultdict(list)
    for user in users:
        by_department[user.department_id].append(user)
    chief = users[0]
    for members in by_department.values():
        head, leads, rest = members[0], members[1:11], members[11:]
        head.manager = chief if head is not chief else None
        for lead in leads:
            lead.manager = head
        for j, member in enumerate(rest):
            member.manager = leads[j % len(leads)] if leads else head
    with transaction.atomic():
        User.objects.bulk_update(users, ["manager"], batch_size=2000)
    hr_group, _ = Group.objects.get_or_create(name=HR_GROUP)
    hr = [u for u in users[1:] if u.department_id == departments[1].pk][:HR_PEOPLE]
    hr_group.user_set.add(*hr)
    judges = [u for u in users[1:] if u.department_id == departments[2].pk][:JUDGES]
    return People(
        ids=[u.pk for u in users],
        manager_of={u.pk: u.manager_id for u in users},
        department_of={u.pk: u.department_id for u in users},
        names={u.pk: u.full_name for u in users},
        hr=[u.pk for u in hr],
        judges=[u.pk for u in judges],
        departments=[d.pk for d in departments],
    )


def _cycles(today: dt.date) -> list[AwardCycle]:
    """24 monthly cycles, oldest first: 22 to be decided, then one judging, then the open one."""
    this_month = today.replace(day=1)
    cycles = []
    for back in range(CYCLE_COUNT - 1, -1, -1):
        month = add_months(this_month, -back)
        cycles.append(award_services.create_cycle(month=month, by=None))
    AwardCycle.objects.filter(pk__in=[c.pk for c in cycles[:-1]]).update(
        status=AwardCycle.Status.JUDGING
    )
    AwardCycle.objects.filter(pk=cycles[-1].pk).update(status=AwardCycle.Status.OPEN)
    for cycle in cycles:
        cycle.refresh_from_db()
    return cycles


def _moment_in(rng: random.Random, cycle: AwardCycle, now: dt.datetime) -> dt.datetime:
    end = min(cycle.nominations_close_at, now)
    span = max((end - cycle.opens_at).total_seconds(), 60)
    return cycle.opens_at + dt.timedelta(seconds=rng.uniform(0, span - 1))


def _nomination_counts(scale: float) -> list[int]:
    """Nominations per cycle, oldest first: the judging cycle (second newest) holds
    `judging_cycle_nominations`; the rest share the remainder evenly."""
    judging = scaled("judging_cycle_nominations", scale)
    rest = max(scaled("nominations", scale) - judging, 0)
    others = CYCLE_COUNT - 1
    counts = [rest // others + (1 if i < rest % others else 0) for i in range(others)]
    return [*counts[:-1], judging, counts[-1]]


@dataclass
class Nominated:
    id: int
    nominee: int
    nominator: int | None
    cycle: int
    created_at: dt.datetime


def _nominations(
    rng: random.Random, people: People, cycles: list[AwardCycle], scale: float, now: dt.datetime
) -> list[Nominated]:
    categories = list(Category.objects.values_list("pk", flat=True))
    planned: list[Nominated] = []
    objects = []
    for cycle, count in zip(cycles, _nomination_counts(scale), strict=True):
        pairs: set[tuple[int | None, int]] = set()
        while len(objects) - len(planned) < count:
            nominee = _skewed(rng, people.ids)
            nominator = None if rng.random() < 0.08 else rng.choice(people.ids)
            if nominator == nominee or (nominator is not None and (nominator, nominee) in pairs):
                continue
            pairs.add((nominator, nominee))
            topic = rng.choice(TOPICS)
            created = _moment_in(rng, cycle, now)
            objects.append(
                Nomination(
                    cycle=cycle,
                    nominee_id=nominee,
                    nominator_id=nominator,
                    source="peer" if nominator else "customer",
                    category_id=rng.choice(categories),
                    headline=f"Made the {topic} make sense to customers",
                    story=_paragraphs(rng, topic, 2),
                    customer_impact=_sentence(rng, topic),
                    status="withdrawn" if rng.random() < 0.02 else "active",
                    created_at=created,
                    updated_at=created,
                )
            )
        planned.extend(
            Nominated(0, o.nominee_id, o.nominator_id, cycle.pk, o.created_at)
            for o in objects[len(planned) :]
        )
    with _own_timestamps(Nomination):
        for start, chunk in enumerate(_chunks(objects)):
            with transaction.atomic():
                Nomination.objects.bulk_create(chunk)
            for offset, obj in enumerate(chunk):
                planned[start * CHUNK + offset].id = obj.pk
    return planned


def _evidence(rng: random.Random, people: People, nominated: list[Nominated], scale: float) -> int:
    """2 or 3 items per nomination (2.5 on average, so 500,000 at scale 1)."""
    target = scaled("evidence", scale)
    per = [2 + (i % 2) for i in range(len(nominated))]
    while sum(per) > target and any(p > 1 for p in per):
        per[per.index(max(per))] -= 1

    def rows() -> Iterator[Evidence]:
        for n, k in zip(nominated, per, strict=True):
            for j in range(k):
                kind = rng.choices(
                    ["customer_words", "measured_improvement", "front_line_time"], [4, 3, 3]
                )[0]
                roll = rng.random()
                verification = (
                    "verified" if roll < 0.4 else "disputed" if roll < 0.45 else "unverified"
                )
                verifier = (
                    people.manager_of.get(n.nominee) if verification != "unverified" else None
                )
                fields: dict = {}
                if kind == "customer_words":
                    fields = {
                        "quote": "You explained it better than anyone.",
                        "quote_source": "Call",
                    }
                elif kind == "measured_improvement":
                    before = Decimal(rng.randint(20, 200))
                    after = before * Decimal(rng.choice(["0.5", "0.7", "0.9", "1.1"]))
                    fields = {
                        "metric": "Calls about it per week",
                        "before": before,
                        "after": after,
                        "unit": "calls",
                        "higher_is_better": False,
                        "period": "four weeks",
                    }
                else:
                    fields = {
                        "date": n.created_at.date() - dt.timedelta(days=j + 1),
                        "hours": Decimal(rng.choice(["1.5", "2", "4", "7.5"])),
                        "heard": "Customers did not know when their refund would arrive.",
                    }
                yield Evidence(
                    nomination_id=n.id,
                    kind=kind,
                    added_by_id=n.nominator,
                    created_at=n.created_at,
                    verification=verification,
                    verified_by_id=verifier,
                    verified_at=n.created_at if verifier else None,
                    verification_note="The numbers do not match."
                    if verification == "disputed"
                    else "",
                    **fields,
                )

    with _own_timestamps(Evidence):
        count = _insert(Evidence, rows())
    with transaction.atomic():
        # The evidence services keep each nomination's points; a bulk load counts them once.
        Nomination.objects.recount_evidence_points()
    return count


def _endorsements(
    rng: random.Random, people: People, nominated: list[Nominated], scale: float
) -> int:
    """Two colleagues second each nomination (400,000 at scale 1); never its nominee."""
    per_nomination = max(round(scaled("endorsements", scale) / max(len(nominated), 1)), 0)

    def rows() -> Iterator[Endorsement]:
        for n in nominated:
            authors: set[int] = set()
            while len(authors) < per_nomination:
                author = rng.choice(people.ids)
                if author not in (n.nominee, n.nominator):
                    authors.add(author)
            for author in authors:
                yield Endorsement(
                    nomination_id=n.id,
                    author_id=author,
                    comment="Seen it first-hand: customers noticed.",
                    created_at=n.created_at + dt.timedelta(hours=rng.randint(1, 72)),
                )

    with _own_timestamps(Endorsement):
        return _insert(Endorsement, rows())


def _thank_yous(
    rng: random.Random, people: People, cycles: list[AwardCycle], scale: float, now: dt.datetime
) -> list[tuple[int, int]]:
    """Thank-yous in every state and source; approved ones counted in their month's cycle.
    Returns (id, employee) of the approved ones whose customer consented to sharing."""
    integration = Integration.objects.create(
        name="Helpdesk", slug="bench-helpdesk", secret_salt="0" * 64, secret_hash="0" * 64
    )
    count = scaled("thank_yous", scale)
    statuses = ["approved", "confirmed", "pending_confirmation", "rejected"]
    objects = []
    for i in range(count):
        cycle = cycles[i % len(cycles)]
        created = _moment_in(rng, cycle, now)
        status = rng.choices(statuses, [80, 6, 10, 4])[0]
        source = rng.choices(["personal_link", "public_form", "integration"], [50, 35, 15])[0]
        employee = _skewed(rng, people.ids)
        known = status == "approved" or source != "public_form" or rng.random() < 0.5
        moderated = status in ("approved", "rejected")
        objects.append(
            ThankYou(
                employee_id=employee if known else None,
                employee_hint="" if source == "personal_link" else "The person on the phone",
                customer_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                customer_email=f"customer{rng.randint(1, count)}@customers.example",
                organisation=rng.choice(["", "Northwind", "Contoso", "Globex"]),
                message="Thank you for explaining my invoice so patiently; it finally adds up.",
                consent_to_share=rng.random() < 0.6,
                status=status,
                cycle=cycle if status == "approved" else None,
                source=source,
                integration=integration if source == "integration" else None,
                external_id=f"ticket-{i}" if source == "integration" else "",
                fingerprint=hashlib.sha256(f"bench-{i}".encode()).hexdigest(),
                submitted_on=created.date(),
                created_at=created,
                confirmed_at=created if status != "pending_confirmation" else None,
                moderated_at=created + dt.timedelta(hours=5) if moderated else None,
                moderated_by_id=people.manager_of.get(employee) if moderated else None,
                moderation_note="Not about our service." if status == "rejected" else "",
            )
        )
    with _own_timestamps(ThankYou):
        for chunk in _chunks(objects):
            with transaction.atomic():
                ThankYou.objects.bulk_create(chunk)
    return [(o.pk, o.employee_id) for o in objects if o.status == "approved" and o.consent_to_share]


def _judging(rng: random.Random, people: People, cycle: AwardCycle) -> None:
    """Judges on the judging cycle, who have scored a fifth of its candidates."""
    JudgeAssignment.objects.bulk_create(
        JudgeAssignment(cycle=cycle, judge_id=judge) for judge in people.judges
    )
    panel = list(cycle.criteria.filter(kind=Criterion.Kind.PANEL))
    nominees = sorted(set(cycle.nominations.values_list("nominee_id", flat=True)))
    scored = nominees[::5]
    _insert(
        PanelScore,
        (
            PanelScore(
                cycle=cycle,
                judge_id=judge,
                candidate_id=candidate,
                criterion=c,
                score=rng.randint(1, 5),
            )
            for candidate in scored
            for judge in people.judges
            if judge != candidate
            for c in panel
        ),
    )


def _decide_past(cycles: list[AwardCycle], hr: User, now: dt.datetime) -> int:
    """Decide the old cycles with the real rules, oldest first (so cool-downs apply), then mark
    them announced and publish their award story, as `announce` does without its e-mails."""
    for cycle in cycles:
        decision = deciding.decide(cycle=cycle, by=hr)
        awards = list(cycle.awards.select_related("recipient__department").order_by("rank"))
        announced = cycle.judging_close_at
        if awards:
            cited = deciding.citations(cycle, [a.recipient for a in awards])
            story = deciding._create_story(cycle, awards, cited, hr)
            Story.objects.filter(pk=story.pk).update(published_at=announced)
        decision.announced_at = announced
        decision.save(update_fields=["announced_at"])
        AwardCycle.objects.filter(pk=cycle.pk).update(
            status=AwardCycle.Status.ANNOUNCED, status_changed_at=announced
        )
    return len(cycles)


def _stories(
    rng: random.Random,
    people: People,
    consented: list[tuple[int, int]],
    scale: float,
    now: dt.datetime,
) -> dict[str, int]:
    """Stories of every kind over two years, with tags, featured colleagues, reactions and
    comments. Counters on each story are the exact counts of what is inserted for it."""
    tags = Tag.objects.bulk_create(Tag(name=name, slug=name) for name in TAGS)
    count = scaled("stories", scale)
    voices = iter(consented)
    objects: list[Story] = []
    for i in range(count):
        author = rng.choice(people.ids)
        topic = rng.choice(TOPICS)
        roll = rng.random()
        status = "draft" if roll < 0.04 else "hidden" if roll < 0.05 else "published"
        published = now - dt.timedelta(seconds=rng.uniform(0, 730 * 86400))
        kind = rng.choices(["improvement", "front_line", "customer_voice"], [38, 47, 15])[0]
        fields: dict = {}
        if kind == "improvement":
            before = Decimal(rng.randint(20, 200))
            fields = {
                "plan": f"Customers could not follow the {topic}.",
                "do": f"We rewrote the {topic} with three customers.",
                "check_metric": f"Calls about the {topic} per week",
                "check_before": before,
                "check_after": before * Decimal("0.6"),
                "check_unit": "calls",
                "check_higher_is_better": False,
                "act": "It is the standard template now.",
            }
        elif kind == "front_line":
            fields = {
                "shift_date": published.date(),
                "shift_hours": Decimal(rng.choice(["2", "4", "7.5"])),
                "heard": f"Three callers asked about the {topic} the same morning.",
            }
        else:
            voice = next(voices, None)
            if voice is None:
                kind = "front_line"
                fields = {"shift_date": published.date(), "shift_hours": Decimal(3), "heard": "-"}
            else:
                fields = {
                    "thank_you_id": voice[0],
                    "quote": "Thank you for explaining my invoice so patiently.",
                    "customer_first_name": rng.choice(FIRST),
                    "customer_organisation": "Northwind",
                }
                author = voice[1]
        objects.append(
            Story(
                kind=kind,
                author_id=author,
                title=f"How we fixed the {topic} for customers ({i + 1})",
                body=_paragraphs(rng, topic, rng.randint(1, 3)),
                department_id=people.department_of[author],
                status=status,
                published_at=None if status == "draft" else published,
                created_at=published,
                updated_at=published,
                hidden_reason="Named a customer." if status == "hidden" else "",
                **fields,
            )
        )
    published_idx = [i for i, s in enumerate(objects) if s.status == "published"]
    # Reactions: unique (story, person, kind); newer stories attract more of them.
    newest_first = sorted(published_idx, key=lambda i: objects[i].published_at, reverse=True)
    kinds = [k for k, _ in Reaction.Kind.choices]
    reactions: set[tuple[int, int, int]] = set()
    target = scaled("reactions", scale)
    while len(reactions) < target:
        reactions.add(
            (
                _skewed(rng, newest_first),
                rng.choice(people.ids),
                rng.choices([0, 1, 2], [6, 2, 2])[0],
            )
        )
    per_story = Counter((i, k) for i, _, k in reactions)
    comments = []
    for _ in range(scaled("comments", scale)):
        roll = rng.random()
        status = "hidden" if roll < 0.02 else "deleted" if roll < 0.03 else "visible"
        comments.append((_skewed(rng, newest_first), rng.choice(people.ids), status))
    visible = Counter(i for i, _, status in comments if status == "visible")
    counters = [f"{k}_count" for k in kinds]
    for i, story in enumerate(objects):
        for k, counter in enumerate(counters):
            setattr(story, counter, per_story.get((i, k), 0))
        story.comment_count = visible.get(i, 0)
    with _own_timestamps(Story):
        for chunk in _chunks(objects):
            with transaction.atomic():
                Story.objects.bulk_create(chunk)
    ids = [s.pk for s in objects]

    def story_links(through, column: str, values: Callable[[int], Iterable[int]]):
        return (
            through(story_id=ids[i], **{column: value}) for i in range(count) for value in values(i)
        )

    featured = _insert(
        Story.featured.through,
        story_links(
            Story.featured.through,
            "user_id",
            lambda i: {
                p for p in rng.sample(people.ids, rng.randint(0, 2)) if p != objects[i].author_id
            },
        ),
    )
    tagged = _insert(
        Story.tags.through,
        story_links(
            Story.tags.through,
            "tag_id",
            lambda i: {t.pk for t in rng.sample(tags, rng.randint(1, 3))},
        ),
    )
    with _own_timestamps(Reaction, Comment):
        reacted = _insert(
            Reaction,
            (
                Reaction(
                    story_id=ids[i],
                    user_id=user,
                    kind=kinds[k],
                    created_at=objects[i].published_at + dt.timedelta(hours=1),
                )
                for i, user, k in sorted(reactions)
            ),
        )
        commented = _insert(
            Comment,
            (
                Comment(
                    story_id=ids[i],
                    author_id=author,
                    body="We saw the same on our team; thank you for writing it down.",
                    status=status,
                    hidden_reason="Off topic." if status == "hidden" else "",
                    created_at=objects[i].published_at + dt.timedelta(hours=2),
                )
                for i, author, status in comments
            ),
        )
    return {
        "stories": count,
        "featured": featured,
        "story_tags": tagged,
        "reactions": reacted,
        "comments": commented,
    }


# --- The whole seed ---------------------------------------------------------------------------


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _vacuum() -> None:
    """On PostgreSQL, what autovacuum does to a production database: planner statistics, and
    the visibility map that lets counts and covering indexes be read from the index alone
    (after a bulk load every page is unvisited, and each index entry sends a read to the
    table). SQLite needs only its statistics, and so does a seed inside a transaction (the
    tests'), where PostgreSQL refuses VACUUM."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        _analyze()
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def seed(*, scale: float, log: Callable[[str], None] = print) -> dict:
    """Seed this (empty, migrated) database at `scale`, or reuse the finished seed already in
    it. Returns {"reused": bool, "seconds": float, "counts": {...}}."""
    import time

    found = existing_seed()
    if found is not None:
        if found["scale"] != scale:
            raise RuntimeError(
                f"This benchmark database holds a seed at scale {found['scale']}, not {scale}."
            )
        log(f"Reusing the seed at scale {scale} from {found['finished_at']}.")
        return {"reused": True, "seconds": 0.0, "counts": counts()}
    if User.objects.exists():
        raise RuntimeError(
            "The benchmark database has data but no finished seed; run with --reseed."
        )
    rng = random.Random(RNG_SEED)
    now = timezone.now()
    started = time.perf_counter()

    def step(name: str, fn: Callable, *args):
        t = time.perf_counter()
        result = fn(*args)
        log(f"  {name}: {time.perf_counter() - t:.1f} s")
        return result

    log(f"Seeding at scale {scale} …")
    people = step("people", _people, rng, scale, now)
    cycles = step("cycles", _cycles, timezone.localdate())
    nominated = step("nominations", _nominations, rng, people, cycles, scale, now)
    step("evidence", _evidence, rng, people, nominated, scale)
    step("endorsements", _endorsements, rng, people, nominated, scale)
    consented = step("thank-yous", _thank_yous, rng, people, cycles, scale, now)
    step("judges", _judging, rng, people, cycles[-2])
    step("stories", _stories, rng, people, consented, scale, now)
    hr = User.objects.get(pk=people.hr[0])
    # Planner statistics before the first real queries: without them SQLite's plans for the
    # scoring's EXISTS subqueries made each past decision take twenty times longer.
    step("analyze", _analyze)
    step("past decisions", _decide_past, cycles[:-2], hr, now)
    step("vacuum and analyze", _vacuum)
    _write_marker(scale)
    seconds = time.perf_counter() - started
    log(f"Seeded in {seconds:.0f} s.")
    return {"reused": False, "seconds": round(seconds, 1), "counts": counts()}


def counts() -> dict[str, int]:
    return {
        "employees": User.objects.count(),
        "departments": Department.objects.count(),
        "cycles": AwardCycle.objects.count(),
        "nominations": Nomination.objects.count(),
        "evidence": Evidence.objects.count(),
        "endorsements": Endorsement.objects.count(),
        "thank_yous": ThankYou.objects.count(),
        "stories": Story.objects.count(),
        "reactions": Reaction.objects.count(),
        "comments": Comment.objects.count(),
    }


def migrate() -> None:
    call_command("migrate", verbosity=0, interactive=False)
