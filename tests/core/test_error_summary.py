"""The error summary (templates/components/form_errors.html) and the "Error: " page title
(core/templatetags/plaudit_forms.py): every form that comes back with mistakes says so first."""

import re

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

from awards.models import AwardCycle
from tests.awards.conftest import make_cycle
from tests.conftest import make_user


class TripForm(forms.Form):
    destination = forms.CharField()
    seat = forms.ChoiceField(
        choices=[("window", "Window"), ("aisle", "Aisle")], widget=forms.RadioSelect
    )
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self) -> dict:
        raise forms.ValidationError("The train is full.")


def summary(form: forms.Form, **extra) -> str:
    return render_to_string("components/form_errors.html", {"form": form, **extra})


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def test_a_form_with_mistakes_gets_a_summary_that_is_announced_and_takes_the_focus():
    html = summary(TripForm({}))
    opening = re.search(r"<div [^>]*data-error-summary[^>]*>", html).group(0)
    assert 'tabindex="-1"' in opening and "autofocus" in opening
    # The alert is a child (GOV.UK Frontend 4.4): on the element that takes the focus, some
    # screen readers say it twice, once as an alert and once as the focused element.
    assert 'role="alert"' not in opening
    inside = html[html.index(opening) + len(opening) :]
    heading = '<h2 class="error-summary-title">There is a problem</h2>'
    assert re.match(rf'\s*<div role="alert">\s*{heading}', inside)


def test_the_summary_links_each_mistake_to_its_field():
    html = summary(TripForm({}))
    assert "<li>The train is full.</li>" in html  # belongs to no field: no link
    assert '<a href="#id_destination" data-field="destination">This field is required.</a>' in html
    # A group of radio buttons has no id of its own: the link goes to its first choice.
    assert '<a href="#id_seat_0" data-field="seat">This field is required.</a>' in html
    # A hidden field cannot be shown: its mistake is said, without a link to nowhere.
    assert re.search(r"<li>This field is required.</li>", html)


@pytest.mark.parametrize("form", [TripForm(), None], ids=["unbound", "no form"])
def test_no_summary_without_mistakes(form):
    assert "data-error-summary" not in summary(form)


def test_a_refusal_that_belongs_to_no_field_gets_a_summary_too():
    html = summary(None, errors=["The rubric is frozen."], lead="The rubric was not saved.")
    assert "There is a problem" in html
    assert "<p>The rubric was not saved.</p>" in html and "<li>The rubric is frozen.</li>" in html


def test_a_nomination_with_mistakes_comes_back_titled_error_with_the_summary(login, db):
    make_cycle(status=AwardCycle.Status.OPEN)
    client = login(make_user())
    response = client.post(reverse("nominations:new"), {})
    html = response.content.decode()
    assert response.status_code == 200
    assert title(html).startswith("Error: Nominate a colleague")
    assert "data-error-summary" in html
    assert 'href="#id_headline"' in html
    assert not title(client.get(reverse("nominations:new")).content.decode()).startswith("Error")


def test_a_customer_thank_you_with_mistakes_comes_back_titled_error_with_the_summary(client, db):
    response = client.post(reverse("thanks:form"), {"message": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert title(html).startswith("Error: Thank someone who helped you")
    assert 'href="#id_message"' in html
    assert not title(client.get(reverse("thanks:form")).content.decode()).startswith("Error")


def test_the_rubric_table_links_each_row_mistake_with_its_row_number(login, db):
    cycle = make_cycle()
    hr = make_user(hr=True)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-0-name": "Evidence",
        "form-0-kind": "panel",
        "form-0-weight": "lots",
        "action": "check",
    }
    response = login(hr).post(reverse("awards:hr_rubric", args=[cycle.pk]), data)
    html = response.content.decode()
    assert title(html).startswith("Error: ")
    link = re.search(r'<a href="#id_form-0-weight" data-field="form-0-weight">(.*?)</a>', html)
    assert link and link.group(1).startswith("Row 1: ")


@pytest.mark.parametrize(
    "page",
    [
        lambda cycle: reverse("awards:hr_nominations", args=[cycle.pk]) + "?status=bogus",
        lambda cycle: reverse("accounts:directory") + "?q=" + "x" * 101,
    ],
    ids=["nominations filter", "directory search"],
)
def test_a_filter_in_the_address_with_a_bad_value_is_not_an_error_in_the_title(page, login, db):
    # Bound to the query string, not sent by anyone: there is no error summary to go with it.
    html = login(make_user(hr=True)).get(page(make_cycle())).content.decode()
    assert not title(html).startswith("Error")


def test_the_thank_you_summary_lists_the_mistakes_in_the_order_of_the_page(client, db):
    html = client.post(reverse("thanks:form"), {"message": ""}).content.decode()
    on_page = re.findall(r'<label for="id_(\w+)"', html)
    in_summary = re.findall(r'<a href="#id_(\w+)" data-field', html)
    assert in_summary == [name for name in on_page if name in in_summary]
    assert in_summary[:2] == ["employee_hint", "message"]
