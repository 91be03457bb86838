"""Demo stories: improvements with Plan-Do-Check-Act and before/after numbers (one that did not
work), front-line shifts by back-office colleagues, the customers' own words from consented
thank-yous, photos, reactions and comments, spread over the last ten weeks.

Idempotent like the other seed steps: when any story exists, the step has run (or people have
written their own), and it does nothing. Everything goes through stories.services, as the
authors and readers would. Award stories are left out: only an award announcement writes them
(create_story refuses the kind).
"""

import datetime as dt
import io
import random
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from accounts.demo import Demo
from nominations.models import ThankYou
from stories import services
from stories.models import Comment, Reaction, Story, Tag

HR = "Ingrid Johansson"
# Nobody here writes as Liam Murphy: tests/accounts delete him to check that a re-run fills him
# in again, and a story protects its author from deletion.
WEEKS = 10
PHOTO_SIZE = (640, 400)


@dataclass(frozen=True)
class Improvement:
    author: str
    title: str
    plan: str
    do: str
    check: tuple[str, str, str, str, bool]  # metric, before, after, unit, higher is better
    act: str
    tags: tuple[str, ...] = ()
    featured: tuple[str, ...] = ()
    body: str = ""


@dataclass(frozen=True)
class Shift:
    author: str
    host: str  # the front-line colleague they sat with
    hours: str
    title: str
    heard: str
    tags: tuple[str, ...] = ("front-line",)


IMPROVEMENTS = [
    Improvement(
        "Rahul Iyer",
        "A refund letter customers understand",
        "“I read your letter three times and still didn't know when my money comes back.”",
        "Rewrote the refund letter with three customers reading along: the date the money "
        "arrives is now the first line.",
        ("Calls asking about refunds", "48", "19", "calls a week", False),
        "The letter is the billing system's standard template; every new letter is read by a "
        "customer before it ships.",
        ("billing", "letters", "customer-words"),
        ("Maria Santos",),
        "It started with two afternoons on the support phones. **Every third call** was about "
        "the refund letter.",
    ),
    Improvement(
        "Oliver Bennett",
        "Invoices that say what changed since last month",
        "“Why is my bill higher? Nobody tells me what changed.”",
        "A short *what changed* box at the top of every invoice.",
        ("Billing questions per 1,000 invoices", "36", "14", "questions", False),
        "Part of the invoice template; Billing reviews the wording every quarter.",
        ("billing", "invoices"),
    ),
    Improvement(
        "Elena Petrova",
        "Password resets that work on the first try",
        "“The reset link had expired by the time it reached me.”",
        "Reset links last a day instead of 15 minutes, and the e-mail leaves in seconds.",
        ("Password-reset calls", "120", "31", "calls a week", False),
        "Monitoring alerts us when reset e-mails take more than a minute.",
        ("self-service", "login"),
        ("Kwame Asante",),
    ),
    Improvement(
        "Haruto Sato",
        "A status page customers can actually find",
        "“During the outage I had no idea whether you even knew.”",
        "Linked the status page from the login screen and from the phone menu.",
        ("Calls during incidents", "210", "95", "calls an hour", False),
        "The incident checklist now starts with updating the status page.",
        ("incidents", "self-service"),
    ),
    Improvement(
        "Kofi Boateng",
        "A call-back instead of hold music",
        "“I wait twenty minutes on the phone every time.”",
        "Callers can ask for a call-back and keep their place in the queue.",
        ("Average wait on hold", "19", "4.5", "minutes", False),
        "Call-back is on by default for every support queue.",
        ("wait-times", "support"),
        ("Grace Mensah", "Kwame Asante"),
    ),
    Improvement(
        "Sofia Rossi",
        "Technician visits in two-hour windows",
        "“I took a whole day off and the technician came at five.”",
        "Dispatch books two-hour windows and texts the customer when the technician is on the way.",
        ("Visits where nobody was home", "11", "3.5", "%", False),
        "Two-hour windows are the standard in the dispatch tool.",
        ("field-service", "scheduling"),
        ("Thandiwe Ndlovu", "Katarzyna Nowak"),
    ),
    Improvement(
        "Isabella Moreau",
        "Every release tested with a screen reader",
        "“I can't get past the payment page with my screen reader.”",
        "Each release is checked with a screen reader and with the keyboard only.",
        ("Accessibility complaints", "9", "1", "a month", False),
        "A screen-reader check is part of the release checklist.",
        ("accessibility",),
    ),
    Improvement(
        "Camila González",
        "Error messages in plain language",
        "“Error 4012. What am I supposed to do with that?”",
        "Rewrote the 40 most common error messages to say what happened and what to do next.",
        ("Tickets quoting an error code", "85", "38", "a week", False),
        "New messages get a plain-language review before release.",
        ("self-service", "app"),
    ),
    Improvement(
        "Ana Popescu",
        "Payment plans without a phone call",
        "“I want to pay, just not all at once. Why do I have to call you for that?”",
        "Customers set up a payment plan online in three steps.",
        ("Overdue accounts settled within 30 days", "41", "63", "%", True),
        "Collections offers the online plan first, on the phone and in letters.",
        ("billing", "self-service"),
        ("Zainab Yusuf",),
    ),
    Improvement(
        "Omar Haddad",
        "The spare parts travel in the van",
        "“He came, looked, and said he'd have to come back with the part.”",
        "The 25 parts behind most second visits are now stocked in every van.",
        ("First-visit fix rate", "72", "88", "%", True),
        "The van stock list is reviewed every month from the repeat-visit report.",
        ("field-service", "root-cause"),
        ("Diego Ramírez", "Yusuf Demir"),
    ),
    Improvement(
        "Camila González",
        "Order confirmations in the customer's language",
        "“Je n'ai rien compris à l'e-mail de confirmation.”",
        "Confirmation e-mails follow the language the customer ordered in.",
        ("Questions about order confirmations", "27", "9", "a week", False),
        "Every customer e-mail is translated before it is released.",
        ("languages",),
        ("Fatima Zahra Benali",),
    ),
    Improvement(
        "Noah Kim",
        "What we learned from the billing chat bot",
        "“I just want to ask someone about my invoice.”",
        "For six weeks an automated assistant answered first on the billing page.",
        ("Average time to an answer", "4", "6.5", "minutes", False),
        "The numbers went the wrong way and customers told us why: they wanted a person. We "
        "switched the bot off, kept the human chat, and put what we learned into the FAQ.",
        ("billing", "lessons-learned"),
        (),
        "Not every experiment works. Sharing this one so that nobody builds the same bot twice.",
    ),
    Improvement(
        "Leilani Kahale",
        "A quiet room for customer calls",
        "“I can hardly hear you, it sounds like a party in there.”",
        "Moved the support phones to the quiet wing and added sound panels.",
        ("Calls where the customer asked us to repeat", "18", "6", "%", False),
        "The quiet room is reserved for support during opening hours.",
        ("support",),
        ("Mei Lin",),
    ),
    Improvement(
        "Margaret Chen",
        "One invoice instead of three",
        "“Three invoices in one week for one service. Is this a mistake?”",
        "Merged the monthly, usage and equipment invoices into one.",
        ("Invoices per customer", "2.6", "1", "a month", False),
        "New charges go on the single invoice by default.",
        ("billing", "invoices"),
    ),
    Improvement(
        "Ayesha Siddiqui",
        "Fast pages on slow phones",
        "“The app takes forever on the train.”",
        "Cut the home page's weight by two thirds and cached the account overview.",
        ("Home page load on a slow phone", "9.2", "3.1", "seconds", False),
        "A performance budget fails the build when a page grows too heavy.",
        ("app", "performance"),
    ),
    Improvement(
        "Daniel Weiss",
        "Opening hours that match our customers' days",
        "“You're closed by the time I finish work.”",
        "Support answers until 20:00 on weekdays, staffed by volunteers on a rota.",
        ("Calls answered after 17:00", "0", "340", "a week", True),
        "The late rota is part of the support schedule.",
        ("support", "wait-times"),
        ("Grace Mensah", "Lucas Silva"),
    ),
    Improvement(
        "Henrik Larsen",
        "Root-cause Fridays",
        "“This is the third time I'm reporting the same problem.”",
        "Every Friday afternoon engineers fix one recurring problem from support's top ten.",
        ("Repeat tickets for the same problem", "140", "62", "a month", False),
        "Fridays are protected in the engineering calendar.",
        ("root-cause",),
        ("Maria Santos", "Mei Lin"),
    ),
    Improvement(
        "Rahul Iyer",
        "Direct debit on the day customers choose",
        "“The debit comes two days before my salary.”",
        "Customers pick their debit day in their account.",
        ("Failed direct debits", "310", "120", "a month", False),
        "The debit day is asked at sign-up.",
        ("billing", "self-service"),
    ),
    Improvement(
        "Elena Petrova",
        "The address form keeps what you typed",
        "“I typed everything, pressed save, and it was all gone.”",
        "The change-of-address form keeps what was typed when the session expires.",
        ("Address changes abandoned halfway", "23", "7", "%", False),
        "Every long form saves drafts: it is in our front-end guidelines.",
        ("self-service", "app"),
    ),
    Improvement(
        "Sofia Rossi",
        "A welcome pack on one page",
        "“I didn't know whom to call when something went wrong.”",
        "One page: one phone number, the first invoice date, and the technician's name.",
        ("Calls in the first 30 days", "2.4", "1.1", "calls per new customer", False),
        "Sales hands the page over at signing.",
        ("onboarding",),
        ("Arjun Mehta",),
    ),
    Improvement(
        "Kofi Boateng",
        "Tracking links that never say 'not found'",
        "“The tracking link says 'not found' until the parcel arrives.”",
        "Tracking links go out only once the carrier knows the parcel.",
        ("'Where is my order?' contacts", "150", "70", "a week", False),
        "The shipping integration waits for the carrier's first scan.",
        ("orders",),
    ),
    Improvement(
        "Haruto Sato",
        "Maintenance at night, announced a week ahead",
        "“You went offline in the middle of my working day.”",
        "Planned maintenance moved to 02:00 and is announced by e-mail a week before.",
        ("Downtime during business hours", "95", "0", "minutes a month", False),
        "The maintenance calendar is published with the status page.",
        ("incidents",),
    ),
]

SHIFTS = [
    Shift(
        "Oliver Bennett",
        "Maria Santos",
        "3",
        "An afternoon on the support phones",
        "Most billing calls were about one line on the invoice: 'adjustment'. Nobody knows "
        "what it means.",
        ("front-line", "billing", "invoices"),
    ),
    Shift(
        "Elena Petrova",
        "Kwame Asante",
        "4",
        "What I heard about logging in",
        "People write their password down because the rules are confusing. One lady read "
        "hers to us on the phone.",
        ("front-line", "login"),
    ),
    Shift(
        "Henrik Larsen",
        "Diego Ramírez",
        "6",
        "A day in the van with Diego",
        "Customers don't care what broke; they care when it works again and whether we "
        "told them the truth.",
        ("front-line", "field-service"),
    ),
    Shift(
        "Ana Popescu",
        "Zainab Yusuf",
        "2.5",
        "Listening in on collections calls",
        "Most people who owe us money are embarrassed, not unwilling. A calm voice settles "
        "more than any letter.",
        ("front-line", "billing"),
    ),
    Shift(
        "Haruto Sato",
        "Lucas Silva",
        "5",
        "The night shift in support",
        "At night the callers are nurses and bakers: they cannot call during the day, and "
        "our chat closes at six.",
        ("front-line", "night-shift"),
    ),
    Shift(
        "Sofia Rossi",
        "Thandiwe Ndlovu",
        "3",
        "A morning at dispatch",
        "Customers call to ask where the technician is. The van knows; the customer doesn't.",
        ("front-line", "field-service", "scheduling"),
    ),
    Shift(
        "Margaret Chen",
        "Priya Natarajan",
        "2",
        "Billing questions, from the other side",
        "A customer thanked Priya for explaining an invoice I designed. I should have made it "
        "clear enough not to need her.",
        ("front-line", "billing", "invoices"),
    ),
    Shift(
        "Camila González",
        "Aiko Tanaka",
        "3.5",
        "Watching customers use the app",
        "Nobody scrolls to the bottom of the settings page, which is where we put 'cancel "
        "appointment'.",
        ("front-line", "app"),
    ),
    Shift(
        "Isabella Moreau",
        "Fatima Zahra Benali",
        "4",
        "French-speaking customers",
        "They switch to English to be polite, then miss half of what we say. Fatima answers "
        "in French and the call is five minutes shorter.",
        ("front-line", "languages"),
    ),
    Shift(
        "Omar Haddad",
        "Yusuf Demir",
        "7",
        "Riding along on repair visits",
        "Two of five visits needed a part we didn't carry. The customers were kind about it, "
        "but they had taken the day off.",
        ("front-line", "field-service", "root-cause"),
    ),
    Shift(
        "Isabella Moreau",
        "Leo Martin",
        "3",
        "The calls QA never sees",
        "Three callers in one afternoon were stuck on the same date picker, on phones we "
        "never test with.",
        ("front-line", "accessibility"),
    ),
    Shift(
        "Noah Kim",
        "Mei Lin",
        "2",
        "Support's busiest hour",
        "Monday 9 to 10: everyone whose weekend order went wrong calls at once.",
        ("front-line", "wait-times"),
    ),
    Shift(
        "Daniel Weiss",
        "Hannah O'Brien",
        "5.5",
        "Out with Hannah in the field",
        "Hannah leaves every workshop cleaner than she found it. Customers notice it more "
        "than the repair.",
        ("front-line", "field-service"),
    ),
    Shift(
        "Rahul Iyer",
        "Maria Santos",
        "2",
        "Refund calls, again",
        "Since the new letter, the refund calls are about timing, not confusion. Progress.",
        ("front-line", "billing", "letters"),
    ),
    Shift(
        "Kofi Boateng",
        "Leo Martin",
        "3",
        "'Where is my order?'",
        "Customers don't trust the tracking page. They call to hear a person say it.",
        ("front-line", "orders"),
    ),
    Shift(
        "Ayesha Siddiqui",
        "Erik Lindqvist",
        "2",
        "A renewal call with a big customer",
        "The customer loves the product and hates the reports. They export everything to a "
        "spreadsheet every Monday.",
        ("front-line", "app"),
    ),
    Shift(
        "Leilani Kahale",
        "Mei Lin",
        "1.5",
        "The support room, from a chair in the corner",
        "It is loud. Customers hear the room behind the agent and ask whether they are "
        "being listened to.",
        ("front-line", "support"),
    ),
    Shift(
        "Amara Okafor",
        "Priya Natarajan",
        "3",
        "Three hours with Priya",
        "Priya remembers returning callers by name. I asked how; she keeps her own notes "
        "because our system doesn't show the history.",
        ("front-line", "support"),
    ),
    Shift(
        "Henrik Larsen",
        "Kwame Asante",
        "2",
        "Taking calls during an incident",
        "The first question is always 'is it me or is it you?'. A status page would answer it.",
        ("front-line", "incidents"),
    ),
    Shift(
        "Oliver Bennett",
        "Chloé Dubois",
        "2",
        "A sales demo, seen from billing",
        "The customer asked three questions about invoices. Sales didn't know; neither would I "
        "have, without the notes.",
        ("front-line", "invoices"),
    ),
    Shift(
        "Elena Petrova",
        "Aiko Tanaka",
        "3",
        "Forms that forget",
        "A customer lost a long address change twice. She laughed, but she won't try a third "
        "time online.",
        ("front-line", "app"),
    ),
    Shift(
        "Sofia Rossi",
        "Samuel Adeyemi",
        "6",
        "Following a new customer's first week",
        "They received four e-mails and two letters in five days and could not say which one "
        "mattered.",
        ("front-line", "onboarding"),
    ),
    Shift(
        "Haruto Sato",
        "Maria Santos",
        "2.5",
        "After the Tuesday outage",
        "Customers forgave the outage. They did not forgive learning about it from a "
        "colleague instead of from us.",
        ("front-line", "incidents"),
    ),
    Shift(
        "Ana Popescu",
        "Priya Natarajan",
        "2",
        "Payment questions on the support line",
        "People want to pay in parts and think asking is shameful. Offering it first changes "
        "the whole call.",
        ("front-line", "billing"),
    ),
    Shift(
        "Camila González",
        "Kwame Asante",
        "2",
        "Error codes, read aloud",
        "Customers read error codes to Kwame as if they were secret spells. He knows them by "
        "heart; they shouldn't have to.",
        ("front-line", "app"),
    ),
    Shift(
        "Rahul Iyer",
        "Nia Williams",
        "3",
        "Cold calls with Nia",
        "Nine people out of ten said no kindly. The tenth asked whether we had fixed the "
        "invoices yet.",
        ("front-line", "invoices"),
    ),
    Shift(
        "Omar Haddad",
        "Thandiwe Ndlovu",
        "2",
        "Dispatch on a rainy Monday",
        "Half the day's visits moved. Customers who got a text were fine; those who didn't "
        "called twice.",
        ("front-line", "scheduling"),
    ),
    Shift(
        "Isabella Moreau",
        "Fatima Zahra Benali",
        "2",
        "Checking translations with customers",
        "Our French is correct and cold. Fatima rewrites it warmly on the fly.",
        ("front-line", "languages"),
    ),
    Shift(
        "Noah Kim",
        "Zainab Yusuf",
        "2",
        "What the chat bot would have missed",
        "Zainab hears in the first sentence whether someone is worried or angry. The bot "
        "never did.",
        ("front-line", "billing", "lessons-learned"),
    ),
    Shift(
        "Margaret Chen",
        "Zainab Yusuf",
        "3",
        "A day on the collections line",
        "Most late payers had moved house and never received our letters.",
        ("front-line", "billing"),
    ),
    Shift(
        "Daniel Weiss",
        "Lucas Silva",
        "4",
        "A late evening in support",
        "Between 18:00 and 20:00 the phone never stopped. These are customers we used to send "
        "to voicemail.",
        ("front-line", "night-shift", "wait-times"),
    ),
    Shift(
        "Kofi Boateng",
        "Katarzyna Nowak",
        "5",
        "With Kasia's team for a day",
        "The technicians' app needs signal; the basements where they work have none.",
        ("front-line", "field-service", "app"),
    ),
    Shift(
        "Ayesha Siddiqui",
        "Leo Martin",
        "2",
        "Slow pages, heard on the phone",
        "Customers on trains give up on the app and call instead. The call costs them more "
        "patience than the page would.",
        ("front-line", "performance"),
    ),
    Shift(
        "Ingrid Johansson",
        "Mei Lin",
        "3",
        "HR on the support floor",
        "The team lifts each other up after hard calls. Nobody had ever told them it shows.",
        ("front-line", "support"),
    ),
]

COMMENTS = [
    "Thank you for writing this down: it helps the whole team.",
    "This is exactly what I hear at the counter every week.",
    "Brilliant. Can we do the same for the order e-mails?",
    "Love that you went to listen first.",
    "The customer's words at the top say it all.",
    "Sharing this with my team on Monday.",
    "Such a simple change, such a difference.",
    "I sat in on one of these calls: it really is that bad. Thank you!",
    "Thanks for being honest about what did not work.",
    "Would love to join the next shift.",
    "Our customers noticed: two of them mentioned it to me.",
    "Numbers and the customer's voice together. More of this, please.",
]

# A dark accent per picture, light enough backgrounds for text, all on a warm palette.
PALETTES = [
    ("#fbf3ec", "#b4532a", "#f2c6a4"),
    ("#eef6f3", "#1f6b5c", "#a8d5c6"),
    ("#eef2fb", "#1a5fb4", "#b7c9ec"),
    ("#f5effa", "#6b3fa0", "#d2bfe8"),
]


def _png(image: Image.Image, name: str) -> SimpleUploadedFile:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _chart(item: Improvement, palette: tuple[str, str, str]) -> SimpleUploadedFile:
    """The Check as a before/after bar chart."""
    background, accent, soft = palette
    metric, before, after, unit, _ = item.check
    image = Image.new("RGB", PHOTO_SIZE, background)
    draw = ImageDraw.Draw(image)
    title_font = ImageFont.load_default(size=26)
    font = ImageFont.load_default(size=22)
    draw.text((40, 30), metric, fill="#2b2420", font=title_font)
    values = [Decimal(before), Decimal(after)]
    top = max(values) or Decimal(1)
    base, height = 340, 220
    for i, (label, value, colour) in enumerate(
        zip(("Before", "After"), values, (soft, accent), strict=True)
    ):
        x = 150 + i * 220
        bar = int(height * value / top)
        draw.rounded_rectangle((x, base - max(bar, 4), x + 120, base), radius=10, fill=colour)
        draw.text(
            (x + 60, base - bar - 14),
            f"{value.normalize():f} {unit}",
            fill="#2b2420",
            font=font,
            anchor="ms",
        )
        draw.text((x + 60, base + 30), label, fill="#5f554e", font=font, anchor="ms")
    draw.line((110, base, 530, base), fill="#5f554e", width=2)
    return _png(image, "check.png")


def _scene(seed: int, palette: tuple[str, str, str]) -> SimpleUploadedFile:
    """A calm landscape of soft shapes: sun, hills and a few clouds."""
    background, accent, soft = palette
    rng = random.Random(seed)
    width, height = PHOTO_SIZE
    image = Image.new("RGB", PHOTO_SIZE, background)
    draw = ImageDraw.Draw(image)
    sun_x, sun_y = rng.randint(80, width - 80), rng.randint(60, 140)
    draw.ellipse((sun_x - 45, sun_y - 45, sun_x + 45, sun_y + 45), fill=soft)
    for _ in range(3):
        x, y = rng.randint(0, width), rng.randint(40, 160)
        for dx in (0, 30, 60):
            draw.ellipse((x + dx, y, x + dx + 60, y + 34), fill="#ffffff")
    for i, colour in enumerate((soft, accent)):
        crest = height - 150 + i * 60
        draw.ellipse((-200 + rng.randint(-80, 80), crest, width + 200, crest + 400), fill=colour)
    return _png(image, "scene.png")


def _when(rng: random.Random, index: int, total: int) -> dt.datetime:
    """Evenly over the last ten weeks, in working hours, newest last."""
    days_ago = 1 + (WEEKS * 7 - 2) * (total - 1 - index) // max(total - 1, 1)
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    moment = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)))
    return timezone.make_aware(moment)


def _react_and_comment(story: Story, demo: Demo, rng: random.Random) -> None:
    people = [p for p in demo.people.values() if p.pk != story.author_id and p.is_active]
    love = 6 if story.kind == Story.Kind.CUSTOMER_VOICE else 3
    learned = 5 if story.kind == Story.Kind.IMPROVEMENT else 2
    for kind, most in (
        (Reaction.Kind.APPLAUSE, 16),
        (Reaction.Kind.CUSTOMER_LOVE, love),
        (Reaction.Kind.LEARNED, learned),
    ):
        for person in rng.sample(people, rng.randint(0 if most < 5 else 2, most)):
            services.set_reaction(story=story, user=person, kind=kind, on=True)
    if rng.random() < 0.7:
        for person, body in zip(rng.sample(people, 2), rng.sample(COMMENTS, 2), strict=True):
            services.add_comment(story=story, author=person, body=body)


def seed_stories(demo: Demo) -> None:
    # Award stories come from the demo's announced cycle (cycles/demo.py): not a sign that
    # this step ran.
    if Story.objects.exclude(kind=Story.Kind.AWARD).exists():
        return
    rng = random.Random(2026)
    people = demo.people
    hr = people[HR]
    made: list[tuple[Story, object | None]] = []  # (story, photo maker or None)
    for i, item in enumerate(IMPROVEMENTS):
        metric, before, after, unit, higher = item.check
        story = services.create_story(
            author=people[item.author],
            kind=Story.Kind.IMPROVEMENT,
            title=item.title,
            body=item.body,
            featured=[people[name] for name in item.featured],
            tags=[Tag.named(name) for name in item.tags],
            publish=True,
            plan=item.plan,
            do=item.do,
            act=item.act,
            check_metric=metric,
            check_before=Decimal(before),
            check_after=Decimal(after),
            check_unit=unit,
            check_higher_is_better=higher,
        )
        chart = (
            (lambda item=item, i=i: _chart(item, PALETTES[i % len(PALETTES)])) if i % 2 else None
        )
        made.append((story, chart))
    thank_yous = ThankYou.objects.filter(
        status=ThankYou.Status.APPROVED, consent_to_share=True, employee__isnull=False
    ).order_by("pk")
    for thank_you in thank_yous:
        made.append((services.create_customer_voice(thank_you=thank_you, by=hr), None))
    today = timezone.localdate()
    for i, item in enumerate(SHIFTS):
        story = services.create_story(
            author=people[item.author],
            kind=Story.Kind.FRONT_LINE,
            title=item.title,
            featured=[people[item.host]],
            tags=[Tag.named(name) for name in item.tags],
            publish=True,
            shift_date=today - dt.timedelta(days=1),  # moved with the history below
            shift_hours=Decimal(item.hours),
            heard=item.heard,
        )
        scene = (lambda i=i: _scene(i, PALETTES[i % len(PALETTES)])) if i % 4 == 0 else None
        made.append((story, scene))
    # Interleave the kinds in time, then date them: publishing stamps "now", so the history
    # (ten weeks of stories) is written afterwards with a direct update.
    rng.shuffle(made)
    for index, (story, photo) in enumerate(made):
        when = _when(rng, index, len(made))
        dates = {"published_at": when, "created_at": when}
        if story.kind == Story.Kind.FRONT_LINE:
            dates["shift_date"] = timezone.localtime(when).date() - dt.timedelta(
                days=rng.randint(0, 2)
            )
        Story.objects.filter(pk=story.pk).update(**dates)
        if photo is not None:
            alt = (
                f"Bar chart: {story.check_metric}, before and after"
                if story.kind == Story.Kind.IMPROVEMENT
                else "Illustration: soft hills under a warm sun"
            )
            services.add_image(story=story, by=story.author, upload=photo(), alt_text=alt)
            demo.count("story photos")
        _react_and_comment(story, demo, rng)
        Comment.objects.filter(story=story).update(created_at=when + dt.timedelta(hours=3))
        demo.count("stories")
