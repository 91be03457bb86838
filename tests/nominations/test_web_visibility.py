"""The visibility matrix of DESIGN §7 through the web pages: every role, action and phase.

A nomination you may not see answers 404 (its existence stays secret); one you may see but
not act on answers 403; an allowed action answers 200 (a page) or 302 (done, redirected);
the nominator's edit page of a closed nomination answers 409, saying why.
"""

import pytest
from django.urls import reverse

from awards.models import AwardCycle
from nominations import services
from nominations.models import Evidence
from tests.nominations.conftest import category, move

Status = AwardCycle.Status
ROLES = ["nominator", "nominee", "manager", "colleague", "judge", "hr", "stranger"]
PHASES = [Status.OPEN, Status.JUDGING, Status.ANNOUNCED]

# The colleague was invited to endorse while the cycle was open.
CAN_VIEW = {
    Status.OPEN: {"nominator", "manager", "colleague", "hr"},
    Status.JUDGING: {"nominator", "manager", "colleague", "hr", "judge"},
    Status.ANNOUNCED: set(ROLES),
}
ALLOWED = {
    "view": CAN_VIEW,
    "edit": {Status.OPEN: {"nominator"}},
    "withdraw": {Status.OPEN: {"nominator", "hr"}},
    "add_evidence": {Status.OPEN: {"nominator", "hr"}},
    "verify": {Status.OPEN: {"manager", "hr"}, Status.JUDGING: {"manager", "hr"}},
    "endorse": {Status.OPEN: {"colleague", "manager", "hr"}},
}


def request(client, action: str, nomination, evidence):
    pk = nomination.pk
    match action:
        case "view":
            return client.get(reverse("nominations:detail", args=[pk]))
        case "edit":
            return client.get(reverse("nominations:edit", args=[pk]))
        case "withdraw":
            return client.post(reverse("nominations:withdraw", args=[pk]))
        case "add_evidence":
            return client.post(
                reverse("nominations:add_evidence", args=[pk]),
                {"kind": "customer_words", "quote": "Thank you!", "quote_source": "E-mail"},
            )
        case "verify":
            return client.post(
                reverse("nominations:verify_evidence", args=[evidence.pk]), {"status": "verified"}
            )
        case "endorse":
            return client.post(reverse("nominations:endorse", args=[pk]), {"comment": "Yes!"})
    raise AssertionError(action)


def expected_status(action: str, phase: str, role: str) -> set[int]:
    if role not in CAN_VIEW[phase]:
        return {404}
    if role in ALLOWED[action].get(phase, set()):
        return {200} if action in ("view", "edit") else {302}
    if action == "edit" and role == "nominator":
        return {409}  # their own nomination, closed: the page says why
    return {403}


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_web_access_matrix(login, nomination, people, phase, action, role):
    evidence = services.add_evidence(
        nomination=nomination,
        by=people.nominator,
        kind=Evidence.Kind.CUSTOMER_WORDS,
        quote="You explained it in plain words.",
        quote_source="Survey",
    )
    services.invite_endorsers(nomination=nomination, by=people.nominator, people=[people.colleague])
    move(nomination.cycle, phase)
    response = request(login(getattr(people, role)), action, nomination, evidence)
    assert response.status_code in expected_status(action, phase, role)


def test_a_withdrawn_nomination_stays_hidden_from_colleagues_after_the_announcement(
    login, nomination, people
):
    services.withdraw(nomination=nomination, by=people.nominator)
    move(nomination.cycle, Status.ANNOUNCED)
    url = reverse("nominations:detail", args=[nomination.pk])
    assert login(people.stranger).get(url).status_code == 404
    assert login(people.nominator).get(url).status_code == 200


def test_the_nominee_search_never_reveals_a_hidden_nomination(login, nomination, people):
    # A stranger naming a nomination they cannot see gets the plain search, no exclusions.
    response = login(people.stranger).get(
        reverse("nominations:nominee_search"),
        {"q": "nina", "field": "people", "nomination": nomination.pk},
    )
    assert response.status_code == 200
    assert b"Nina Nominee" in response.content


def test_the_category_of_a_hidden_nomination_is_not_leaked_by_edit(login, nomination, people):
    response = login(people.stranger).post(
        reverse("nominations:edit", args=[nomination.pk]),
        {"category": category().pk, "headline": "Mine now", "story": "x", "customer_impact": "y"},
    )
    assert response.status_code == 404
    nomination.refresh_from_db()
    assert nomination.headline != "Mine now"
