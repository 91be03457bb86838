"""Demo customer thank-yous in every state, and one helpdesk integration.

Idempotent like the other seed steps: when the demo integration exists, the step has run.
Everything goes through the services, as a customer, a helpdesk and a moderator would.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from accounts.demo import Demo
from awards.models import AwardCycle, standings_changed
from nominations.models import Integration, ThankYou
from nominations.thanks import integrations, services

HR = "Ingrid Johansson"
Status = ThankYou.Status


@dataclass(frozen=True)
class Thanks:
    customer: str
    organisation: str
    message: str
    employee: str = ""  # empty: sent through the general form
    hint: str = ""
    state: str = Status.APPROVED
    moderator: str = HR
    consent: bool = True
    earlier_cycle: bool = False  # approved while last month's cycle was open


THANKS = [
    Thanks(
        "Olivia Bennett",
        "Bennett Bakery",
        "Leo stayed on the phone until our card terminal worked again, on a Saturday "
        "morning with a queue at the door. You saved our weekend.",
        employee="Leo Martin",
        moderator="Maria Santos",
    ),
    Thanks(
        "Rahul Verma",
        "",
        "Priya explained my invoice line by line and found the double charge herself. "
        "I did not expect that from a support line.",
        employee="Priya Natarajan",
        moderator="Maria Santos",
        earlier_cycle=True,
    ),
    Thanks(
        "Sophie Laurent",
        "Atelier Laurent",
        "Fatima answered in French, calmly, and the new order arrived two days early.",
        employee="Fatima Zahra Benali",
    ),
    Thanks(
        "Tom Hughes",
        "Hughes Logistics",
        "Diego found the real cause of the breakdown instead of swapping parts. "
        "The machine has run for three weeks without a stop.",
        employee="Diego Ramírez",
        earlier_cycle=True,
    ),
    Thanks(
        "Ana Costa",
        "",
        "Kasia rearranged the visit so that I did not have to take another day off work.",
        employee="Katarzyna Nowak",
        consent=False,
    ),
    Thanks(
        "Peter Novak",
        "Novak Dental",
        "Leo called back the next day to check the fix held. Nobody ever does that.",
        employee="Leo Martin",
        state=Status.CONFIRMED,
    ),
    Thanks(
        "Grace Kim",
        "",
        "Priya turned a frustrating morning into a good one. Thank you for your patience.",
        employee="Priya Natarajan",
        state=Status.CONFIRMED,
    ),
    Thanks(
        "Martin Eder",
        "Eder & Söhne",
        "The technician who came on Tuesday (Hannah, I think) left the workshop cleaner "
        "than she found it and explained everything she did.",
        hint="Hannah? The technician who came on Tuesday",
        state=Status.CONFIRMED,
    ),
    Thanks(
        "Jamal Harris",
        "",
        "Fatima sorted out my delivery address in two minutes. Brilliant.",
        employee="Fatima Zahra Benali",
        state=Status.PENDING_CONFIRMATION,
    ),
    Thanks(
        "Lena Fischer",
        "Fischer Print",
        "Thanks to the billing team for the clear new invoice layout!",
        hint="The billing team",
        state=Status.PENDING_CONFIRMATION,
    ),
    Thanks(
        "Win Big Now",
        "",
        "Great service!!! Visit our site for cheap watches and more offers.",
        employee="Leo Martin",
        state=Status.REJECTED,
        moderator="Maria Santos",
    ),
]

FEEDBACK = [
    # (external id, employee name or an unknown address, score, scale, comment, customer)
    ("DEMO-1001", "Kwame Asante", 5, 5, "Kwame fixed my login in minutes. Top.", "Ivy Chen"),
    ("DEMO-1002", "new.agent@plaudit.example", 9, 10, "The new agent was lovely.", "Bo Lund"),
]


def _customer_email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@customer.example"


def seed_thanks(demo: Demo) -> None:
    if Integration.objects.filter(slug="helpdesk").exists():
        return
    people = demo.people
    hr = people[HR]
    helpdesk, _ = integrations.create_integration(
        name="Helpdesk CSAT", slug="helpdesk", min_score_ratio=Decimal("0.80"), by=hr
    )
    demo.count("integrations")
    earlier = AwardCycle.objects.filter(status=AwardCycle.Status.JUDGING).order_by("-month").first()
    for item in THANKS:
        employee = people[item.employee] if item.employee else None
        thank_you = services.send_thanks(
            employee=employee,
            employee_hint=item.hint,
            customer_name=item.customer,
            customer_email=_customer_email(item.customer),
            organisation=item.organisation,
            message=item.message,
            consent_to_share=item.consent,
        )
        if item.state != Status.PENDING_CONFIRMATION:
            services.confirm_thanks(signed=services.confirmation_token(thank_you))
        if item.state in (Status.APPROVED, Status.REJECTED):
            decision = "approve" if item.state == Status.APPROVED else "reject"
            note = "Advertising, not a customer." if decision == "reject" else ""
            thank_you = services.moderate_thanks(
                thank_you=thank_you, by=people[item.moderator], decision=decision, note=note
            )
        if item.earlier_cycle and earlier is not None:
            # History: this one was approved last month, while that cycle was open.
            left = thank_you.cycle_id
            ThankYou.objects.filter(pk=thank_you.pk).update(cycle=earlier)
            standings_changed(earlier.pk)
            standings_changed(left)
        demo.count("thank-yous")
    for external_id, who, score, scale, comment, customer in FEEDBACK:
        email = people[who].email if who in people else who
        integrations.receive_feedback(
            integration=helpdesk,
            external_id=external_id,
            employee_email=email,
            score=Decimal(score),
            scale_max=Decimal(scale),
            comment=comment,
            customer_name=customer,
            occurred_at=timezone.now(),
        )
        demo.count("thank-yous")
