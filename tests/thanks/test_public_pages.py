"""The public thank-you pages: customers have no account and never sign in."""

import re
import time

import pytest
from django.core import mail, signing
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts import services as account_services
from nominations.models import ThankYou
from nominations.thanks import services
from nominations.thanks.forms import MIN_FILL_SECONDS, form_started_token
from tests.conftest import make_department, make_user
from tests.security.test_csp import assert_strict_policy
from tests.thanks.conftest import expired_token, send

Status = ThankYou.Status
FORM_URL = reverse("thanks:form")
SENT_URL = reverse("thanks:sent")
MARKUP = '<script>alert("x")</script><b>bold</b>'
CONFIRM_LINK = re.compile(r"/thanks/confirm/([^/\s\"]+)/")


def personal_url(person) -> str:
    return reverse("thanks:personal", args=[person.thanks_token])


def confirm_url(signed: str) -> str:
    return reverse("thanks:confirm", args=[signed])


def started(seconds_ago: float = 5) -> str:
    return form_started_token(time.time() - seconds_ago)


def thanks_data(**overrides) -> dict:
    return {
        "employee_hint": "The tall man at the Lyon counter, Tuesday morning",
        "customer_name": "Ann Customer",
        "customer_email": "ann@customer.example",
        "organisation": "Acme Ltd",
        "message": "You found my lost parcel and called me back the same day. Thank you!",
        "consent_to_share": "on",
        "website": "",
        "started": started(),
    } | overrides


def html_part(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def field_errors(response, field: str) -> str:
    """The error list rendered next to a field (empty when it has none)."""
    match = re.search(
        rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.S
    )
    return match.group(1) if match else ""


@pytest.fixture
def post_and_mail(db, client, django_capture_on_commit_callbacks):
    """post(url, data) with the mail of that request sent (tasks run at once in tests)."""

    def post(url: str, data=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **kwargs)

    return post


@pytest.fixture
def person(db):
    return make_user(
        "emma.whitfield@example.com",
        full_name="Emma Stone-Whitfield",
        preferred_name="Emmy",
        job_title="Senior Counter Clerk",
        department=make_department("Lyon Counter"),
    )


# --- the forms --------------------------------------------------------------------------------


def test_anyone_can_open_the_general_form(client, db):
    response = client.get(FORM_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="employee_hint"' in page
    assert 'name="started"' in page
    assert "What happens next" in page
    assert "only seen by our HR team" in page


def test_customers_see_no_intranet_navigation(client, db):
    page = client.get(FORM_URL).content.decode()
    assert 'aria-label="Main"' not in page
    assert reverse("nominations:new") not in page


def test_anyone_can_open_an_employees_personal_form(client, person):
    response = client.get(personal_url(person))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="employee_hint"' not in page
    assert '<meta name="robots" content="noindex">' in page


def test_the_personal_page_shows_the_preferred_name_and_team_and_nothing_more(client, person):
    page = client.get(personal_url(person)).content.decode()
    assert "Thank Emmy" in page
    assert "Lyon Counter" in page
    assert "avatar-initials" in page  # no photo yet
    assert "Stone-Whitfield" not in page
    assert "emma.whitfield" not in page
    assert "Senior Counter Clerk" not in page


def test_the_personal_page_shows_the_employees_photo(client, person):
    person.avatar_thumbnail.save("emmy.webp", ContentFile(b"RIFF....WEBP"), save=True)
    page = client.get(personal_url(person)).content.decode()
    assert person.avatar_thumbnail.url in page
    assert "avatar-initials" not in page


def test_the_honeypot_is_hidden_from_people_without_inline_styles(client, db):
    page = client.get(FORM_URL).content.decode()
    trap = re.search(r'<div class="thanks-trap" aria-hidden="true">(.*?)</div>', page, re.S)
    assert trap, "the honeypot wrapper is missing"
    assert "Leave this empty" in trap.group(1)
    field = re.search(r"<input[^>]*name=\"website\"[^>]*>", trap.group(1)).group(0)
    assert 'tabindex="-1"' in field
    assert 'autocomplete="off"' in field
    assert "style=" not in page


@pytest.mark.parametrize("token", ["no-such-token", "a" * 200, "bad token!", "a\x00b"])
def test_an_unknown_personal_link_is_not_found(client, db, token):
    response = client.get(f"/thanks/{token}/")
    assert response.status_code == 404
    assert reverse("thanks:form") in response.content.decode()  # they can still say thanks


def test_a_rotated_personal_link_stops_working(client, person):
    old_url = personal_url(person)
    account_services.rotate_thanks_token(person=person)
    assert client.get(old_url).status_code == 404
    assert client.get(personal_url(person)).status_code == 200


def test_a_deactivated_employees_link_is_not_found(client, person):
    url = personal_url(person)
    account_services.deactivate(person=person, by=None)
    assert client.get(url).status_code == 404
    assert client.post(url, thanks_data()).status_code == 404
    assert not ThankYou.objects.exists()


def test_every_public_page_carries_a_strict_content_security_policy(client, person):
    signed = services.confirmation_token(send(person))
    for url in (FORM_URL, personal_url(person), SENT_URL, confirm_url(signed)):
        assert_strict_policy(client.get(url))
    assert_strict_policy(client.get(confirm_url(expired_token(send(email="b@customer.example")))))
    assert_strict_policy(client.get(confirm_url("forged")))


# --- sending ----------------------------------------------------------------------------------


def test_a_thank_you_from_the_general_form_waits_for_the_customer_to_confirm(post_and_mail):
    response = post_and_mail(FORM_URL, thanks_data())
    assert response.status_code == 302
    assert response["Location"] == SENT_URL
    thank_you = ThankYou.objects.get()
    assert thank_you.status == Status.PENDING_CONFIRMATION
    assert thank_you.employee is None
    assert thank_you.employee_hint == "The tall man at the Lyon counter, Tuesday morning"
    assert thank_you.source == ThankYou.Source.PUBLIC_FORM
    assert thank_you.consent_to_share is True
    assert thank_you.ip_hash and "127.0.0.1" not in thank_you.ip_hash
    [message] = mail.outbox
    assert message.to == ["ann@customer.example"]
    assert CONFIRM_LINK.search(message.body)


def test_a_thank_you_through_a_personal_link_is_about_that_employee(post_and_mail, person):
    response = post_and_mail(personal_url(person), thanks_data(employee_hint="ignored"))
    assert response["Location"] == SENT_URL
    thank_you = ThankYou.objects.get()
    assert thank_you.employee == person
    assert thank_you.employee_hint == ""
    assert thank_you.source == ThankYou.Source.PERSONAL_LINK
    [message] = mail.outbox
    assert "Emmy" in message.subject


def test_the_sent_page_says_what_happens_next(client, db):
    response = client.get(SENT_URL)
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()


def test_a_filled_honeypot_saves_and_mails_nothing_but_looks_like_success(post_and_mail):
    response = post_and_mail(FORM_URL, thanks_data(website="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == SENT_URL
    assert not ThankYou.objects.exists()
    assert mail.outbox == []


def test_a_form_sent_too_quickly_is_refused_and_keeps_what_was_typed(client, db):
    posted = started(seconds_ago=MIN_FILL_SECONDS / 4)
    response = client.post(FORM_URL, thanks_data(started=posted))
    assert response.status_code == 200
    page = response.content.decode()
    assert "That was very quick" in page
    assert "You found my lost parcel" in page
    assert 'value="Ann Customer"' in page
    assert 'value="Acme Ltd"' in page
    assert "checked" in re.search(r"<input[^>]*consent_to_share[^>]*>", page).group(0)
    fresh = re.search(r'name="started" value="([^"]+)"', page).group(1)
    assert fresh != posted  # a new minimum fill time starts
    assert not ThankYou.objects.exists()


def test_a_form_open_for_more_than_a_day_is_refused(client, db):
    response = client.post(FORM_URL, thanks_data(started=started(seconds_ago=25 * 3600)))
    assert "more than a day" in response.content.decode()
    assert not ThankYou.objects.exists()


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "garbage",
        "a\x00b",
        "ü" * 500,
        form_started_token(time.time() - 60)[:-1] + "x",  # tampered
        signing.dumps(time.time() - 60, salt="another.form"),
        signing.dumps("five seconds ago", salt="plaudit.thanks.form"),
        signing.dumps(True, salt="plaudit.thanks.form"),
    ],
    ids=["missing", "empty", "garbage", "nul", "long", "tampered", "salt", "text", "bool"],
)
def test_a_missing_or_broken_start_token_asks_to_reload(client, db, value):
    data = thanks_data(started=value)
    if value is None:
        del data["started"]
    response = client.post(FORM_URL, data)
    assert response.status_code == 200
    assert "Please reload the page and send your thank-you again." in response.content.decode()
    assert not ThankYou.objects.exists()


def test_the_sixth_thank_you_from_one_connection_in_an_hour_is_refused(client, db):
    for n in range(5):
        data = thanks_data(customer_email=f"c{n}@customer.example", message=f"Thank you #{n}!!")
        assert client.post(FORM_URL, data).status_code == 302
    response = client.post(FORM_URL, thanks_data(customer_email="c6@customer.example"))
    assert response.status_code == 429
    assert response["Retry-After"] == str(services.PER_IP.period)
    page = response.content.decode()
    assert "Too many thank-yous were sent from your connection" in page
    assert 'value="c6@customer.example"' in page
    assert ThankYou.objects.count() == 5


@pytest.mark.parametrize(
    ("message", "words"),
    [("x" * 9, "at least 10 characters"), ("x" * 2001, "under 2,000 characters")],
    ids=["too-short", "too-long"],
)
def test_a_message_of_the_wrong_length_is_explained_next_to_it(client, db, message, words):
    response = client.post(FORM_URL, thanks_data(message=message))
    assert response.status_code == 200
    assert words in field_errors(response, "message")
    assert not ThankYou.objects.exists()


def test_every_problem_is_shown_at_once_next_to_its_field(client, db):
    data = thanks_data(customer_name="", customer_email="not an address", message="short")
    response = client.post(FORM_URL, data)
    assert "Tell us your name" in field_errors(response, "customer_name")
    assert "like name@example.com" in field_errors(response, "customer_email")
    assert "at least 10 characters" in field_errors(response, "message")
    assert field_errors(response, "organisation") == ""


def test_the_general_form_needs_a_hint_about_who_helped(client, db):
    response = client.post(FORM_URL, thanks_data(employee_hint="  "))
    assert "Tell us who helped you" in field_errors(response, "employee_hint")


def test_an_address_too_long_to_store_is_refused_politely(client, db):
    response = client.post(FORM_URL, thanks_data(customer_email="a" * 250 + "@example.com"))
    assert response.status_code == 200
    assert "like name@example.com" in field_errors(response, "customer_email")


@pytest.mark.parametrize(
    "field", ["employee_hint", "customer_name", "customer_email", "organisation", "message"]
)
def test_a_nul_character_is_a_field_error_not_a_crash(client, db, field):
    response = client.post(FORM_URL, thanks_data(**{field: "Hello\x00 there, thank you"}))
    assert response.status_code == 200
    assert "cannot store" in field_errors(response, field)
    assert not ThankYou.objects.exists()


def test_bytes_that_are_not_utf8_are_a_field_error_not_a_crash(client, db):
    body = (
        "customer_name=%FF%FE%80&customer_email=%C0%AF%40x.example&message=%ED%A0%80%ED%B0%80"
        f"&employee_hint=x&started={started()}"
    )
    response = client.post(FORM_URL, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert field_errors(response, "customer_email")
    assert not ThankYou.objects.exists()


def test_the_same_message_from_the_same_address_twice_is_one_thank_you(post_and_mail):
    assert post_and_mail(FORM_URL, thanks_data())["Location"] == SENT_URL
    again = thanks_data(
        customer_email="ANN@customer.example", message="  " + thanks_data()["message"]
    )
    assert post_and_mail(FORM_URL, again)["Location"] == SENT_URL
    assert ThankYou.objects.count() == 1


def test_what_a_customer_types_is_inert_on_every_page_and_in_the_mail(post_and_mail, client):
    fields = ("employee_hint", "customer_name", "organisation", "message")
    data = thanks_data(**{f: f"{f} {MARKUP}" for f in fields})
    response = post_and_mail(FORM_URL, data, follow=True)
    assert "<script>" not in response.content.decode()  # the sent page
    [message] = mail.outbox
    html = html_part(message)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    # The plain-text part is not HTML: it shows the words as typed, which is inert there.
    assert MARKUP in message.body
    signed = CONFIRM_LINK.search(message.body).group(1)
    for state in ("pending", "confirmed"):
        page = client.get(confirm_url(signed)).content.decode()
        assert "<script>" not in page, state
        assert "<b>bold</b>" not in page, state
        for field in fields:
            assert f"{field} &lt;script&gt;" in page, (state, field)
        client.post(confirm_url(signed))


def test_typed_markup_is_inert_when_the_form_is_shown_again(client, db):
    response = client.post(FORM_URL, thanks_data(customer_name=MARKUP, message="short"))
    page = response.content.decode()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


# --- confirming -------------------------------------------------------------------------------


@pytest.fixture
def mailed_link(post_and_mail) -> str:
    """The confirmation link the customer receives after sending a thank-you."""
    post_and_mail(FORM_URL, thanks_data())
    [message] = mail.outbox
    mail.outbox.clear()
    return CONFIRM_LINK.search(message.body).group(1)


def test_opening_the_confirmation_link_shows_a_button_and_confirms_nothing(client, mailed_link):
    response = client.get(confirm_url(mailed_link))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Confirm my thank-you" in page
    assert f'action="{confirm_url(mailed_link)}"' in page
    assert '<meta name="robots" content="noindex">' in page
    assert "ann@customer.example" not in page
    assert ThankYou.objects.get().status == Status.PENDING_CONFIRMATION


def test_pressing_the_button_confirms_the_thank_you(client, mailed_link):
    response = client.post(confirm_url(mailed_link))
    assert response.status_code == 302
    assert response["Location"] == confirm_url(mailed_link)
    thank_you = ThankYou.objects.get()
    assert thank_you.status == Status.CONFIRMED
    assert thank_you.confirmed_at is not None
    page = client.get(confirm_url(mailed_link)).content.decode()
    assert "Your thank-you is confirmed" in page
    assert "What happens next" in page
    assert "Confirm my thank-you</button>" not in page


def test_confirming_twice_changes_nothing(client, mailed_link):
    client.post(confirm_url(mailed_link))
    confirmed_at = ThankYou.objects.get().confirmed_at
    response = client.post(confirm_url(mailed_link), follow=True)
    assert "Your thank-you is confirmed" in response.content.decode()
    thank_you = ThankYou.objects.get()
    assert thank_you.status == Status.CONFIRMED
    assert thank_you.confirmed_at == confirmed_at


@pytest.mark.parametrize("status", [Status.APPROVED, Status.REJECTED])
def test_a_moderated_thank_yous_link_just_says_confirmed(client, person, status):
    thank_you = send(person)
    ThankYou.objects.update(status=status)
    page = client.get(confirm_url(services.confirmation_token(thank_you))).content.decode()
    assert "Your thank-you is confirmed" in page
    assert "ejected" not in page


def test_a_forged_link_is_explained(client, mailed_link):
    last = mailed_link[-1]
    forged = mailed_link[:-1] + ("A" if last != "A" else "B")
    for response in (client.get(confirm_url(forged)), client.post(confirm_url(forged))):
        assert response.status_code == 400
        page = response.content.decode()
        assert "This link does not work" in page
        assert reverse("thanks:form") in page
    assert ThankYou.objects.get().status == Status.PENDING_CONFIRMATION


@pytest.mark.parametrize("signed", ["x", "a\x00b", "ü" * 300, "1:abc:def", "%FF"])
def test_a_strange_confirmation_link_is_a_clear_400(client, db, signed):
    assert client.get(confirm_url(signed)).status_code == 400
    assert client.post(confirm_url(signed)).status_code == 400
    assert client.post(reverse("thanks:resend", args=[signed])).status_code == 400


def test_an_expired_link_offers_a_new_one(client, db):
    signed = expired_token(send())
    response = client.get(confirm_url(signed))
    assert response.status_code == 410
    page = response.content.decode()
    assert "This link has expired" in page
    assert f'action="{reverse("thanks:resend", args=[signed])}"' in page
    assert "Send me a new link" in page
    assert client.post(confirm_url(signed)).status_code == 410
    assert ThankYou.objects.get().status == Status.PENDING_CONFIRMATION


def test_asking_for_a_new_link_mails_one_that_works(client, post_and_mail):
    signed = expired_token(send())
    response = post_and_mail(reverse("thanks:resend", args=[signed]))
    assert response.status_code == 302
    assert response["Location"] == SENT_URL
    [message] = mail.outbox
    assert message.to == ["ann@customer.example"]
    fresh = CONFIRM_LINK.search(message.body).group(1)
    client.post(confirm_url(fresh))
    assert ThankYou.objects.get().status == Status.CONFIRMED


def test_new_links_are_limited_and_the_limit_is_explained(client, db):
    signed = expired_token(send())
    resend_url = reverse("thanks:resend", args=[signed])
    for _ in range(services.RESENDS.limit):
        assert client.post(resend_url).status_code == 302
    response = client.post(resend_url)
    assert response.status_code == 429
    assert "several times today" in response.content.decode()


def test_a_new_link_can_only_be_asked_for_with_a_post(client, db):
    signed = expired_token(send())
    assert client.get(reverse("thanks:resend", args=[signed])).status_code == 405
