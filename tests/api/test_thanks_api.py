"""/api/v1/thanks…: customers send and confirm thank-yous without an account; HR and managers
list and moderate them (DESIGN §4, §6, §7), through the same services as the web pages."""

import json

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import new_thanks_token
from awards.models import AwardCycle
from nominations.models import ThankYou
from nominations.thanks import services
from tests.awards.conftest import make_cycle
from tests.conftest import make_user
from tests.thanks.conftest import approved, confirmed, expired_token, send

Status = ThankYou.Status
THANKS = reverse("api-thanks")
CONFIRM = reverse("api-thanks-confirm")
RECEIVED = {"status": "pending_confirmation"}


def moderate_url(thank_you: ThankYou | int) -> str:
    return reverse("api-thanks-moderate", args=[getattr(thank_you, "pk", thank_you)])


class Team:
    """HR, a manager with one report, a colleague, and another manager with their own report."""

    def __init__(self) -> None:
        self.hr = make_user(full_name="Hana HR", hr=True)
        self.manager = make_user(full_name="Maya Manager")
        self.agent = make_user(full_name="Sam Rivera", manager=self.manager)
        self.colleague = make_user(full_name="Cole League", manager=self.manager)
        self.other_manager = make_user(full_name="Otto Other")
        self.other_report = make_user(full_name="Rita Report", manager=self.other_manager)


@pytest.fixture
def team(db) -> Team:
    return Team()


def payload(team: Team | None = None, **changes) -> dict:
    return {
        "token": team.agent.thanks_token if team else "",
        "customer_name": "Ann Customer",
        "customer_email": "ann@customer.example",
        "organisation": "Acme",
        "message": "Thank you for sorting out my invoice so quickly.",
        "consent_to_share": True,
    } | changes


# --- Sending ----------------------------------------------------------------------------------


def test_a_customer_thanks_an_employee_through_their_link_without_an_account(
    api, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api().post(THANKS, payload(team), format="json")

    assert response.status_code == 202
    assert response.json() == RECEIVED
    thank_you = ThankYou.objects.get()
    assert thank_you.employee == team.agent
    assert thank_you.source == ThankYou.Source.PERSONAL_LINK
    assert thank_you.status == Status.PENDING_CONFIRMATION
    assert thank_you.ip_hash and "127.0.0.1" not in thank_you.ip_hash
    assert [m.to for m in mail.outbox] == [["ann@customer.example"]]  # the confirmation link


def test_sending_the_same_thank_you_twice_answers_the_same_and_keeps_one(api, team):
    first = api().post(THANKS, payload(team), format="json")
    second = api().post(THANKS, payload(team), format="json")

    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json() == second.json() == RECEIVED  # no id, no hint that it was a repeat
    assert ThankYou.objects.count() == 1


def test_without_a_link_the_customer_says_who_helped_them(api, team):
    body = payload(employee_hint="The tall man at the Lyon counter on Monday")
    del body["token"]

    response = api().post(THANKS, body, format="json")

    assert response.status_code == 202
    thank_you = ThankYou.objects.get()
    assert thank_you.employee is None
    assert thank_you.employee_hint == "The tall man at the Lyon counter on Monday"
    assert thank_you.source == ThankYou.Source.PUBLIC_FORM


def test_without_a_link_nor_a_hint_it_is_a_400_on_the_hint(api, team):
    response = api().post(THANKS, payload(), format="json")

    assert response.status_code == 400
    assert "employee_hint" in response.json()
    assert not ThankYou.objects.exists()


def test_an_unknown_link_is_a_400_on_the_token(api, team):
    response = api().post(THANKS, payload(token="no-such-token"), format="json")

    assert response.status_code == 400
    assert response.json() == {"token": ["This thank-you link is not valid."]}


def test_a_link_the_employee_replaced_no_longer_works(api, team):
    old = team.agent.thanks_token
    team.agent.thanks_token = new_thanks_token()
    team.agent.save(update_fields=["thanks_token"])

    response = api().post(THANKS, payload(token=old), format="json")

    assert response.status_code == 400
    assert response.json() == {"token": ["This thank-you link is not valid."]}
    assert not ThankYou.objects.exists()


def test_the_link_of_someone_who_left_is_not_valid(api, team):
    team.agent.is_active = False
    team.agent.save(update_fields=["is_active"])

    response = api().post(THANKS, payload(team), format="json")

    assert response.status_code == 400
    assert response.json() == {"token": ["This thank-you link is not valid."]}


def test_html_in_a_thank_you_is_kept_as_text_and_returned_verbatim(api, team):
    message = '<script>alert("hi")</script> <b>Thanks</b> & <img src=x onerror=alert(1)>'
    api().post(THANKS, payload(team, message=message), format="json")
    thank_you = confirmed_by_customer(ThankYou.objects.get())

    response = api(team.hr).get(THANKS)

    assert thank_you.message == message
    assert response["Content-Type"] == "application/json"
    assert response.json()["results"][0]["message"] == message  # a JSON string: inert


@pytest.mark.parametrize("message", ["Too short", "x" * 2001, "          "])
def test_a_message_too_short_or_too_long_is_a_400_on_the_message(api, team, message):
    response = api().post(THANKS, payload(team, message=message), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"message"}
    assert not ThankYou.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customer_email": "not an address"}, "customer_email"),
        ({"customer_name": "   "}, "customer_name"),
        ({"customer_name": "x" * 121}, "customer_name"),
        ({"organisation": "x" * 121}, "organisation"),
        ({"message": "Thank you \x00 so much, really."}, "message"),
        ({"message": "Thank you \ud800 so much, really."}, "message"),
        ({"consent_to_share": "perhaps"}, "consent_to_share"),
        ({"token": "x" * 65}, "token"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, team, changes, field):
    # Raw JSON: the test client's encoder refuses lone surrogates, real clients send them.
    body = json.dumps(payload(team, **changes))
    response = api().post(THANKS, body, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()


def test_an_empty_body_names_every_required_field(api, db):
    response = api().post(THANKS, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {
        "customer_name",
        "customer_email",
        "message",
        "consent_to_share",
    }


def test_the_sixth_thank_you_from_one_address_in_an_hour_is_a_429(api, team):
    client = api()
    for n in range(5):
        body = payload(team, customer_email=f"customer{n}@example.com")
        assert client.post(THANKS, body, format="json").status_code == 202

    response = client.post(THANKS, payload(team, customer_email="six@example.com"), format="json")

    assert response.status_code == 429
    assert "detail" in response.json()
    assert int(response["Retry-After"]) > 0
    assert ThankYou.objects.count() == 5


def test_a_signed_in_browser_can_send_a_thank_you_without_a_csrf_token(team):
    # The form's endpoint ignores the session, so its CSRF rule cannot make it fail.
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(team.colleague, backend="accounts.backends.ModelBackend")

    response = client.post(THANKS, payload(team), format="json")

    assert response.status_code == 202
    assert ThankYou.objects.get().employee == team.agent


# --- Confirming -------------------------------------------------------------------------------


def confirmed_by_customer(thank_you: ThankYou) -> ThankYou:
    thank_you, _ = services.confirm_thanks(signed=services.confirmation_token(thank_you))
    return thank_you


def test_the_customer_confirms_once_and_following_the_link_again_changes_nothing(api, team):
    thank_you = send(team.agent)
    token = services.confirmation_token(thank_you)

    first = api().post(CONFIRM, {"token": token}, format="json")
    second = api().post(CONFIRM, {"token": token}, format="json")

    assert first.status_code == 200
    assert first.json() == {"status": "confirmed", "confirmed": True}
    assert second.status_code == 200
    assert second.json() == {"status": "confirmed", "confirmed": False}
    thank_you.refresh_from_db()
    assert thank_you.status == Status.CONFIRMED
    assert thank_you.confirmed_at is not None


def test_a_forged_confirmation_token_is_a_400(api, team):
    thank_you = send(team.agent)
    forged = services.confirmation_token(thank_you)[:-3] + "abc"

    response = api().post(CONFIRM, {"token": forged}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["token"]
    thank_you.refresh_from_db()
    assert thank_you.status == Status.PENDING_CONFIRMATION


def test_an_expired_confirmation_link_is_a_410_saying_so(api, team):
    thank_you = send(team.agent)

    response = api().post(CONFIRM, {"token": expired_token(thank_you)}, format="json")

    assert response.status_code == 410
    assert response.json()["expired"] is True
    assert "48 hours" in response.json()["detail"]
    thank_you.refresh_from_db()
    assert thank_you.status == Status.PENDING_CONFIRMATION


def test_confirming_needs_a_token(api, db):
    response = api().post(CONFIRM, {}, format="json")

    assert response.status_code == 400
    assert "token" in response.json()


# --- Listing ----------------------------------------------------------------------------------


@pytest.fixture
def thanks(team) -> dict[str, ThankYou]:
    """One thank-you to Sam in each state, and an approved one to another manager's report."""
    rejected = confirmed(team.agent, email="rex@customer.example")
    services.moderate_thanks(thank_you=rejected, by=team.manager, decision="reject")
    return {
        "pending": send(team.agent, email="pat@customer.example"),
        "confirmed": confirmed(team.agent, email="cora@customer.example"),
        "approved": approved(team.agent, by=team.manager, email="abe@customer.example"),
        "rejected": rejected,
        "elsewhere": approved(team.other_report, by=team.hr, email="eli@customer.example"),
    }


def listed(client, **params) -> dict[int, dict]:
    response = client.get(THANKS, params)
    assert response.status_code == 200, response.json()
    return {item["id"]: item for item in response.json()["results"]}


def ids(thanks: dict[str, ThankYou], *names: str) -> set[int]:
    return {thanks[name].pk for name in names}


def test_hr_sees_every_thank_you_with_the_customers_email(api, team, thanks):
    items = listed(api(team.hr))

    assert set(items) == ids(thanks, *thanks)
    assert items[thanks["confirmed"].pk]["customer_email"] == "cora@customer.example"


def test_a_manager_sees_their_reports_thank_yous_in_every_state_without_the_email(
    api, team, thanks
):
    items = listed(api(team.manager))

    assert set(items) == ids(thanks, "pending", "confirmed", "approved", "rejected")
    assert all(item["customer_email"] is None for item in items.values())


def test_an_employee_sees_only_their_own_approved_thank_yous(api, team, thanks):
    items = listed(api(team.agent))

    assert set(items) == ids(thanks, "approved")
    assert items[thanks["approved"].pk]["customer_email"] is None


def test_a_colleague_sees_none_of_them(api, team, thanks):
    assert listed(api(team.colleague)) == {}


def test_a_listed_thank_you_has_every_documented_field(api, team, thanks):
    item = listed(api(team.hr))[thanks["approved"].pk]

    assert item["status"] == "approved"
    assert item["source"] == "personal_link"
    assert item["employee"] == {
        "id": team.agent.pk,
        "full_name": "Sam Rivera",
        "display_name": "Sam",
    }
    assert item["moderated_by"]["id"] == team.manager.pk
    assert item["customer_name"] == "Ann Customer"
    assert item["consent_to_share"] is True
    assert item["cycle"] is None  # no cycle was open
    assert item["score"] is None and item["scale_max"] is None
    assert item["created_at"] and item["confirmed_at"] and item["moderated_at"]


def test_the_list_is_newest_first(api, team, thanks):
    response = api(team.hr).get(THANKS)

    listed_ids = [item["id"] for item in response.json()["results"]]
    assert listed_ids == sorted(listed_ids, reverse=True)


def test_the_list_filters_by_status(api, team, thanks):
    assert set(listed(api(team.hr), status="confirmed")) == ids(thanks, "confirmed")
    assert set(listed(api(team.manager), status="approved")) == ids(thanks, "approved")


def test_an_unknown_status_filter_is_a_400(api, team):
    response = api(team.hr).get(THANKS, {"status": "lost"})

    assert response.status_code == 400
    assert "status" in response.json()


def test_the_list_needs_a_signed_in_caller(api, db):
    assert api().get(THANKS).status_code == 401


def test_the_list_takes_the_same_number_of_queries_for_more_thank_yous(
    api, team, django_assert_num_queries
):
    client = api(team.hr)
    client.get(THANKS)  # HR membership is looked up once and remembered

    def fill(n: int) -> None:
        for i in range(n):
            approved(team.agent, by=team.hr, email=f"c{ThankYou.objects.count()}-{i}@ex.com")
            send(hint="Someone at the desk", email=f"h{ThankYou.objects.count()}-{i}@ex.com")

    fill(2)
    with django_assert_num_queries(2):  # the count and the page
        assert len(client.get(THANKS).json()["results"]) == 4
    fill(6)
    with django_assert_num_queries(2):
        assert len(client.get(THANKS).json()["results"]) == 16


# --- Moderating -------------------------------------------------------------------------------


def test_a_manager_approves_a_thank_you_and_it_counts_in_the_open_cycle(api, team):
    cycle = make_cycle(status=AwardCycle.Status.OPEN)
    thank_you = confirmed(team.agent)

    response = api(team.manager).post(
        moderate_url(thank_you), {"decision": "approve", "note": "Lovely."}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved"
    assert body["cycle"] == cycle.pk
    assert body["moderated_by"]["id"] == team.manager.pk
    assert body["moderation_note"] == "Lovely."
    assert body["customer_email"] is None  # a manager never sees it
    thank_you.refresh_from_db()
    assert (thank_you.status, thank_you.cycle) == (Status.APPROVED, cycle)


def test_a_manager_rejects_a_thank_you(api, team):
    thank_you = confirmed(team.agent)

    response = api(team.manager).post(
        moderate_url(thank_you), {"decision": "reject"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"


@pytest.mark.parametrize("who", ["agent", "colleague", "other_manager"])
def test_someone_who_does_not_moderate_it_gets_a_404(api, team, who):
    thank_you = confirmed(team.agent)

    response = api(getattr(team, who)).post(
        moderate_url(thank_you), {"decision": "approve"}, format="json"
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    thank_you.refresh_from_db()
    assert thank_you.status == Status.CONFIRMED


def test_an_unknown_thank_you_is_a_404(api, team):
    response = api(team.hr).post(moderate_url(999_999), {"decision": "approve"}, format="json")
    assert response.status_code == 404


def test_a_manager_cannot_choose_who_a_thank_you_is_about(api, team):
    thank_you = confirmed(team.agent)

    response = api(team.manager).post(
        moderate_url(thank_you),
        {"decision": "approve", "employee": team.colleague.pk},
        format="json",
    )

    assert response.status_code == 403
    assert "HR" in response.json()["detail"]
    thank_you.refresh_from_db()
    assert (thank_you.status, thank_you.employee) == (Status.CONFIRMED, team.agent)


def test_hr_assigns_and_approves_a_thank_you_from_the_general_form(api, team):
    thank_you = confirmed(hint="Sam, I think, at the help desk")

    response = api(team.hr).post(
        moderate_url(thank_you), {"decision": "approve", "employee": team.agent.pk}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["employee"]["id"] == team.agent.pk
    assert response.json()["customer_email"] == "ann@customer.example"  # HR sees it
    thank_you.refresh_from_db()
    assert (thank_you.status, thank_you.employee) == (Status.APPROVED, team.agent)


def test_approving_without_an_employee_is_a_400_on_the_employee(api, team):
    thank_you = confirmed(hint="Someone at the desk")

    response = api(team.hr).post(moderate_url(thank_you), {"decision": "approve"}, format="json")

    assert response.status_code == 400
    assert "employee" in response.json()


def test_an_unknown_employee_id_is_a_400(api, team):
    thank_you = confirmed(hint="Someone at the desk")

    response = api(team.hr).post(
        moderate_url(thank_you), {"decision": "approve", "employee": 999_999}, format="json"
    )

    assert response.status_code == 400
    assert "employee" in response.json()


def test_moderating_twice_is_a_409_with_the_state(api, team):
    thank_you = confirmed(team.agent)
    client = api(team.hr)
    assert client.post(moderate_url(thank_you), {"decision": "approve"}).status_code == 200

    response = client.post(moderate_url(thank_you), {"decision": "reject"}, format="json")

    assert response.status_code == 409
    assert response.json()["status"] == "approved"
    thank_you.refresh_from_db()
    assert thank_you.status == Status.APPROVED


def test_a_thank_you_the_customer_has_not_confirmed_is_a_409(api, team):
    thank_you = send(team.agent)

    response = api(team.manager).post(
        moderate_url(thank_you), {"decision": "approve"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["status"] == "pending_confirmation"


@pytest.mark.parametrize(
    "body",
    [{}, {"decision": "maybe"}, {"decision": "approve", "employee": 0}, {"decision": 1}],
)
def test_a_bad_decision_is_a_400(api, team, body):
    thank_you = confirmed(team.agent)

    response = api(team.hr).post(moderate_url(thank_you), body, format="json")

    assert response.status_code == 400
    thank_you.refresh_from_db()
    assert thank_you.status == Status.CONFIRMED


def test_moderating_needs_a_signed_in_caller(api, team):
    thank_you = confirmed(team.agent)
    assert api().post(moderate_url(thank_you), {"decision": "approve"}).status_code == 401
