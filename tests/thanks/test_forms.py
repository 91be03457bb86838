"""What a customer writes and what a moderator decides, checked once for the page and the API
(nominations/thanks/forms.py, hr_forms.py)."""

import pytest

from nominations.thanks.forms import ThankYouInput
from nominations.thanks.hr_forms import ModerateForm
from tests.conftest import make_user

WORDS = {
    "employee_hint": "The tall man at the Lyon counter",
    "customer_name": "Ann",
    "customer_email": "ann@customer.example",
    "organisation": "",
    "message": "Thank you for your help today.",
}


def words(employee=None, **changes) -> ThankYouInput:
    return ThankYouInput(data=WORDS | changes, employee=employee)


def test_the_words_are_tidied_for_the_service():
    form = words(
        customer_name="  Ann \t  Customer ",
        customer_email=" Ann@Customer.Example ",
        organisation=" Acme \n Ltd ",
        message="  Thank you!\r\nYou found my parcel.  ",
        consent_to_share="on",
    )
    assert form.is_valid(), form.errors
    assert form.service_data() == {
        "employee_hint": "The tall man at the Lyon counter",
        "customer_name": "Ann Customer",
        "customer_email": "ann@customer.example",
        "organisation": "Acme Ltd",
        "message": "Thank you!\nYou found my parcel.",
        "consent_to_share": True,
    }


@pytest.mark.parametrize(
    ("field", "value", "words_said"),
    [
        ("message", "Too short", "at least 10 characters"),
        ("message", "x" * 2001, "Keep it under 2,000 characters (this is 2,001)."),
        ("message", "  \r\n  ", "at least 10 characters"),
        ("customer_name", "   ", "Tell us your name"),
        ("customer_name", "n" * 121, "Keep your name under 120 characters."),
        ("customer_email", "not-an-address", "like name@example.com"),
        ("customer_email", "a" * 250 + "@example.com", "like name@example.com"),
        ("organisation", "o" * 121, "Keep the organisation under 120 characters."),
        ("employee_hint", "  ", "Tell us who helped you"),
        ("employee_hint", "h" * 201, "Keep this under 200 characters."),
        ("message", "Thanks a lot\x00 really", "cannot store"),
        ("customer_email", "Hello\x00 there", "cannot store"),
    ],
)
def test_each_problem_is_one_message_next_to_its_field(field, value, words_said):
    form = words(**{field: value})
    assert not form.is_valid()
    assert list(form.errors) == [field]
    [message] = form.errors[field]
    assert words_said in message


def test_a_message_of_exactly_ten_and_two_thousand_characters_is_fine():
    assert words(message="x" * 10).is_valid()
    assert words(message="y" * 2000).is_valid()


def test_many_spaces_count_as_one():
    assert words(customer_name="Ann" + " " * 200 + "Customer").is_valid()


@pytest.mark.django_db
def test_a_thank_you_through_a_link_needs_no_hint_and_keeps_none():
    form = words(employee=make_user(), employee_hint="")
    assert form.is_valid(), form.errors
    assert "employee_hint" not in form.service_data()


@pytest.mark.parametrize("decision", ["", "maybe", "Approve"])
def test_a_decision_is_approve_or_reject(decision):
    form = ModerateForm(data={"decision": decision})
    assert form.errors == {"decision": ["Choose approve or reject."]}


def test_the_note_is_kept_on_one_line_and_within_500_characters():
    form = ModerateForm(data={"decision": "reject", "note": "  Spam \n from   a bot  "})
    assert form.is_valid()
    assert form.cleaned_data == {"decision": "reject", "note": "Spam from a bot"}
    assert ModerateForm(data={"decision": "reject", "note": "n" * 501}).errors == {
        "note": ["Keep the note under 500 characters."]
    }
