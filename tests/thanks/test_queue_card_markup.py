"""The moderation card's markup, held still: the queue (every tab, for HR and for a manager),
the assign page and the cards htmx gets back after an action read exactly as recorded in
queue_cards.html, whitespace aside. Any change to what a card says or how it is marked up
shows here as a diff to review."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from nominations.models import Integration, ThankYou
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.thanks.test_moderation_views import HTMX, QUEUE, make_thanks

Status = ThankYou.Status
Source = ThankYou.Source
pytestmark = pytest.mark.django_db
EXPECTED = Path(__file__).with_name("queue_cards.html")
SUBMITTED = dt.date(2025, 3, 4)
CONFIRMED = timezone.make_aware(dt.datetime(2025, 3, 4, 23, 15))
MODERATED = timezone.make_aware(dt.datetime(2025, 3, 5, 9, 30))


def _when(match: re.Match) -> str:
    """A moderation made while recording happened now: its time is not held still."""
    if match[1] == timezone.localtime(MODERATED).isoformat():
        return match[0]
    return '<time datetime="NOW">TODAY</time>'


def normalised(html: str) -> str:
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+"', r'\1TOKEN"', html)
    html = re.sub(r'<time datetime="(\d{4}-\d\d-\d\dT[^"]+)">[^<]*</time>', _when, html)
    return re.sub(r"\s+", " ", html).strip()


def main(response) -> str:
    """The page's own content: from its heading to the end of <main> (not the layout)."""
    assert response.status_code == 200
    content = response.content.decode()
    return content[content.index("<h1>") : content.index("</main>")]


def fragment(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def people():
    billing = make_department("Billing & <Support>")
    hr = make_user(pk=801, full_name="Hana HR", hr=True)
    boss = make_user(pk=802, full_name="Bea Boss")
    agent = make_user(pk=803, full_name="Maria Santos", manager=boss, department=billing)
    plain = make_user(pk=804, full_name="Paul Plain", manager=boss)
    gone = make_user(pk=805, full_name="Gus Gone", manager=boss, is_active=False)
    return {"hr": hr, "boss": boss, "agent": agent, "plain": plain, "gone": gone}


@pytest.fixture
def cards(people):
    """One thank-you of each kind a card tells apart."""
    agent, plain, gone, hr = people["agent"], people["plain"], people["gone"], people["hr"]
    cycle = make_cycle(title="March <2025>")
    helpdesk = Integration.objects.create(
        name="Zendesk & CSAT", slug="zendesk", secret_salt="s", secret_hash="h"
    )
    dates = {"submitted_on": SUBMITTED, "confirmed_at": CONFIRMED}

    def make(employee=None, *, pk: int, **fields) -> ThankYou:
        # A fixed e-mail address: make_thanks numbers them across the whole run.
        return make_thanks(employee, pk=pk, **{"customer_email": f"c{pk}@example.com"} | fields)

    decided = dates | {"moderated_at": MODERATED, "moderated_by": hr}
    return {
        "waiting": make(
            agent, pk=901, message="Thank you!\n\nYou found the parcel.\nWell done.", **dates
        ),
        "unassigned": make(pk=902, organisation="", customer_email="", **dates),
        "hinted": make(
            plain,
            pk=903,
            employee_hint="the tall one",
            customer_name="Seán O'Brien & <Sons>",
            organisation='Café "Noir"',
            **dates,
        ),
        "scored": make(
            agent,
            pk=904,
            source=Source.INTEGRATION,
            integration=helpdesk,
            external_id="ticket-1",
            score=Decimal("4.50"),
            scale_max=Decimal("5.00"),
            consent_to_share=True,
            **dates,
        ),
        "scored_whole": make(
            plain,
            pk=905,
            source=Source.INTEGRATION,
            integration=helpdesk,
            external_id="ticket-2",
            score=Decimal("9"),
            scale_max=Decimal("10"),
            **dates,
        ),
        "gone": make(gone, pk=906, **dates),
        "pending": make(agent, pk=907, status=Status.PENDING_CONFIRMATION, submitted_on=SUBMITTED),
        "approved": make(
            agent, pk=908, status=Status.APPROVED, cycle=cycle, moderation_note="Lovely.", **decided
        ),
        "approved_no_cycle": make(plain, pk=909, status=Status.APPROVED, **decided),
        "approved_by_nobody": make(
            plain, pk=910, status=Status.APPROVED, **decided | {"moderated_by": None}
        ),
        "rejected": make(
            agent,
            pk=911,
            status=Status.REJECTED,
            moderation_note="Sent by the agent's <b>",
            **decided,
        ),
        "rejected_unassigned": make(pk=912, status=Status.REJECTED, **decided),
    }


def render_everything(login, people, cards) -> str:
    shown = []

    def record(title: str, html: str) -> None:
        shown.append(f"<!-- {title} -->\n{normalised(html)}")

    hr = login(people["hr"])
    hr.get(QUEUE)  # the first request of a session writes to it
    for status in Status.values:
        record(f"HR, {status}", main(hr.get(QUEUE, {"status": status})))
    record("HR, assign page", main(hr.get(reverse("thanks:assign", args=[902]))))
    record("HR, assign page of an assigned one", main(hr.get(reverse("thanks:assign", args=[903]))))
    moderate = reverse("thanks:moderate", args=[901])
    record(
        "htmx: a note too long",
        fragment(hr.post(moderate, {"decision": "reject", "note": "x" * 501}, **HTMX)),
    )
    record(
        "htmx: no decision, a note kept",
        fragment(hr.post(moderate, {"decision": "maybe", "note": 'A "note" <i>'}, **HTMX)),
    )
    record(
        "htmx: approving an unassigned one",
        fragment(hr.post(reverse("thanks:moderate", args=[902]), {"decision": "approve"}, **HTMX)),
    )
    record(
        "htmx: assigning someone who left",
        fragment(
            hr.post(reverse("thanks:assign", args=[902]), {"nominee": people["gone"].pk}, **HTMX)
        ),
    )
    record(
        "htmx: assigned",
        fragment(
            hr.post(reverse("thanks:assign", args=[902]), {"nominee": people["agent"].pk}, **HTMX)
        ),
    )
    record(
        "htmx: approved",
        fragment(hr.post(reverse("thanks:moderate", args=[904]), {"decision": "approve"}, **HTMX)),
    )
    record(
        "htmx: approved already",
        fragment(hr.post(reverse("thanks:moderate", args=[904]), {"decision": "approve"}, **HTMX)),
    )
    boss = login(people["boss"])
    boss.get(QUEUE)
    for status in Status.values:
        record(f"manager, {status}", main(boss.get(QUEUE, {"status": status})))
    record(
        "manager, htmx: rejected",
        fragment(
            boss.post(
                reverse("thanks:moderate", args=[903]),
                {"decision": "reject", "note": "No."},
                **HTMX,
            )
        ),
    )
    return "\n".join(shown) + "\n"


def test_every_card_reads_as_recorded(login, people, cards):
    assert render_everything(login, people, cards) == EXPECTED.read_text()


HOSTILE = "<script>alert('&')</script>\""


def test_what_the_customer_wrote_is_escaped_on_every_card(login, people):
    thank_you = make_thanks(
        people["agent"],
        customer_name=HOSTILE,
        organisation=HOSTILE,
        employee_hint=HOSTILE,
        message=f"{HOSTILE}\nsecond line",
    )
    hr = login(people["hr"])
    moderate = reverse("thanks:moderate", args=[thank_you.pk])
    shown = [
        main(hr.get(QUEUE)),
        main(hr.get(reverse("thanks:assign", args=[thank_you.pk]))),
        fragment(hr.post(moderate, {"decision": "reject", "note": HOSTILE + "x" * 500}, **HTMX)),
    ]
    escaped = "&lt;script&gt;alert(&#x27;&amp;&#x27;)&lt;/script&gt;&quot;"
    for html in shown:
        assert "<script>" not in html
        assert f"from {escaped}, {escaped}</span>" in html
        assert f"<p>{escaped}<br>second line</p>" in html
        assert f"“{escaped}”" in html
    assert f'value="{escaped}xxx' in shown[2]
    thank_you.refresh_from_db()
    assert thank_you.status == Status.CONFIRMED


def test_a_moderators_note_is_escaped(login, people):
    make_thanks(
        people["agent"],
        status=Status.REJECTED,
        moderated_by=people["hr"],
        moderated_at=MODERATED,
        moderation_note=HOSTILE,
    )
    html = main(login(people["hr"]).get(QUEUE, {"status": Status.REJECTED}))
    assert "<script>" not in html
    assert "<dd>&lt;script&gt;alert(&#x27;&amp;&#x27;)&lt;/script&gt;&quot;</dd>" in html
