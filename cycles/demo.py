"""Demo award cycles: one in each phase, with nominations, evidence in every kind and
verification state, endorsements and judges, so that every page has something real to show.

Idempotent like the other seed steps: a cycle whose month exists already is left alone.
"""

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.demo import Demo
from awards.eligibility import eligible_again_from
from awards.models import AwardCycle, JudgeAssignment
from awards.months import add_months
from cycles import services as award_services
from nominations import services
from nominations.models import Category, Evidence

Status = AwardCycle.Status
Kind = Evidence.Kind

JUDGES = ["Grace Mensah", "Henrik Larsen", "Margaret Chen"]


@dataclass(frozen=True)
class Story:
    nominator: str
    nominee: str
    category: str  # slug
    headline: str
    story: str
    impact: str
    evidence: tuple[tuple[str, str, dict], ...]  # (kind, verification, fields)
    endorsers: tuple[str, ...] = ()


def _words(quote: str, source: str) -> dict:
    return {"quote": quote, "quote_source": source}


def _measured(metric: str, before: str, after: str, unit: str, higher: bool) -> dict:
    return {
        "metric": metric,
        "before": Decimal(before),
        "after": Decimal(after),
        "unit": unit,
        "higher_is_better": higher,
        "period": "four weeks before and after",
    }


def _shift(days_ago: int, hours: str, heard: str) -> dict:
    return {
        "date": timezone.localdate() - dt.timedelta(days=days_ago),
        "hours": Decimal(hours),
        "heard": heard,
    }


STORIES = [
    Story(
        "Maria Santos",
        "Rahul Iyer",
        "heard-the-customer",
        "Rewrote the refund letter with customers in the room",
        "Rahul spent two afternoons on support calls, heard how confusing our refund letter "
        "was, and **rewrote it** with three customers reading along.",
        "Customers now understand when their money arrives; calls asking about refunds fell "
        "by more than half.",
        (
            (
                Kind.CUSTOMER_WORDS,
                "verified",
                _words(
                    "For the first time I understood a letter from you without calling.",
                    "Support call, transcribed with consent",
                ),
            ),
            (
                Kind.MEASURED_IMPROVEMENT,
                "unverified",
                _measured("Calls about refunds", "120", "48", "calls a week", False),
            ),
            (
                Kind.FRONT_LINE_TIME,
                "verified",
                _shift(20, "4", "People read 'credit note' as a bill and panicked."),
            ),
        ),
        ("Leo Martin", "Priya Natarajan"),
    ),
    Story(
        "Grace Mensah",
        "Elena Petrova",
        "fixed-the-root-cause",
        "Found why password resets never arrived",
        "Elena traced the missing reset e-mails to a mail filter and fixed it for good.",
        "Customers locked out of their accounts can get back in within minutes.",
        (
            (
                Kind.MEASURED_IMPROVEMENT,
                "verified",
                _measured("Tickets about reset e-mails", "85", "4", "tickets a month", False),
            ),
            (Kind.CUSTOMER_WORDS, "disputed", _words("Thank you, it finally works!", "Chat")),
            (Kind.ARTIFACT, "verified", {"caption": "The new reset e-mail delivery graph"}),
        ),
        ("Mei Lin",),
    ),
    Story(
        "Katarzyna Nowak",
        "Thandiwe Ndlovu",
        "found-a-better-way",
        "Two-hour arrival windows instead of 'sometime on Tuesday'",
        "Thandiwe re-planned dispatch so that every customer gets a two-hour window by text.",
        "Customers no longer take a whole day off to wait for a technician.",
        (
            (
                Kind.CUSTOMER_WORDS,
                "verified",
                _words("I didn't have to take the day off. That's a first.", "Survey comment"),
            ),
            (
                Kind.MEASURED_IMPROVEMENT,
                "verified",
                _measured("Visits where the customer was home", "78", "96", "%", True),
            ),
        ),
        ("Diego Ramírez", "Yusuf Demir", "Hannah O'Brien"),
    ),
    Story(
        "Erik Lindqvist",
        "Ana Popescu",
        "attention-to-detail",
        "Caught the double-charged renewals before customers did",
        "Ana noticed a pattern in renewal invoices and stopped 40 double charges going out.",
        "Forty customers were never charged twice.",
        (
            (
                Kind.FRONT_LINE_TIME,
                "unverified",
                _shift(35, "2.5", "Customers remember a double charge for years."),
            ),
            (
                Kind.MEASURED_IMPROVEMENT,
                "unverified",
                _measured("Double charges", "40", "40", "invoices", False),
            ),
        ),
        ("Oliver Bennett",),
    ),
    Story(
        "Ayesha Siddiqui",
        "Kwame Asante",
        "went-to-the-front-line",
        "Brought engineers to the support floor every Friday",
        "Kwame set up 'Friday on the phones' so that engineers hear customers first-hand.",
        "Bugs customers mention now reach engineering the same week.",
        (
            (
                Kind.FRONT_LINE_TIME,
                "verified",
                _shift(12, "3", "Customers explained workarounds we never knew they needed."),
            ),
            (
                Kind.CUSTOMER_WORDS,
                "unverified",
                _words("Someone who builds it actually listened.", "Call"),
            ),
        ),
        ("Haruto Sato", "Kofi Boateng"),
    ),
]

# Months back from the current one, and the phase a cycle of that month is in.
PHASES = [(3, Status.ANNOUNCED), (2, Status.DECIDED), (1, Status.JUDGING), (0, Status.OPEN)]


def _artifact_image() -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 400), "#fbf8f4")
    draw = ImageDraw.Draw(image)
    points = [(40 + i * 70, 340 - h) for i, h in enumerate([40, 60, 55, 120, 210, 260, 280, 290])]
    draw.line(points, fill="#1f6b5c", width=8)
    out = io.BytesIO()
    image.save(out, "PNG")
    return SimpleUploadedFile("graph.png", out.getvalue(), content_type="image/png")


def _nominate(demo: Demo, cycle: AwardCycle, story: Story, verifier) -> None:
    people = demo.people
    nomination = services.nominate(
        nominator=people[story.nominator],
        nominee=people[story.nominee],
        category=Category.objects.get(slug=story.category),
        headline=story.headline,
        story=story.story,
        customer_impact=story.impact,
        cycle=cycle,
    )
    for kind, verification, fields in story.evidence:
        if kind == Kind.ARTIFACT:
            fields = fields | {"image": _artifact_image()}
        item = services.add_evidence(
            nomination=nomination, by=people[story.nominator], kind=kind, **fields
        )
        if verification != "unverified":
            note = (
                "The customer said this about another team." if verification == "disputed" else ""
            )
            services.verify_evidence(evidence=item, by=verifier, status=verification, note=note)
    if story.endorsers:
        services.invite_endorsers(
            nomination=nomination,
            by=people[story.nominator],
            people=[people[name] for name in story.endorsers],
        )
    for name in story.endorsers[:-1]:  # the last one is invited but has not answered yet
        services.endorse(nomination=nomination, by=people[name], comment="Seconded: I saw it.")
    demo.count("nominations")


def seed_cycles(demo: Demo) -> None:
    """A cycle in each phase (three months back to next month's draft) with nominations."""
    hr = demo.people["Ingrid Johansson"]
    this_month = timezone.localdate().replace(day=1)
    for months_back, phase in PHASES:
        month = add_months(this_month, -months_back)
        if AwardCycle.objects.filter(month=month).exists():
            continue
        cycle = award_services.create_cycle(month=month, by=hr)
        cycle = award_services.transition(cycle=cycle, to=Status.OPEN, by=hr)
        JudgeAssignment.objects.bulk_create(
            JudgeAssignment(cycle=cycle, judge=demo.people[name]) for name in JUDGES
        )
        # Each month the same people did different good things: rotate the stories. Last
        # months' winners sit out their cool-down, as the rules say.
        rotated = STORIES[months_back:] + STORIES[:months_back]
        eligible = [
            story
            for story in rotated
            if eligible_again_from(cycle=cycle, user=demo.people[story.nominee]) is None
        ]
        for story in eligible[: 3 + (months_back == 0)]:
            _nominate(demo, cycle, story, verifier=hr)
        order = list(Status.values)
        for step in order[order.index(Status.OPEN) + 1 : order.index(phase) + 1]:
            cycle = award_services.transition(cycle=cycle, to=step, by=hr)
        demo.count("award cycles")
    next_month = add_months(this_month, 1)
    if not AwardCycle.objects.filter(month=next_month).exists():
        award_services.create_cycle(month=next_month, by=hr, rubric_from=None)
        demo.count("award cycles")
