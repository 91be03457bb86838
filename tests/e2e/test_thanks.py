"""Customer thank-yous in a real browser (issue 4): a customer thanks an employee from the
personal link on a phone, confirms it from the e-mail, the manager approves it in the queue
and the employee reads it on their profile. Every page is checked with axe-core."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from awards.models import AwardCycle
from nominations.models import ThankYou
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.e2e.browsing import assert_accessible, visit

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MESSAGE = "Leo stayed on the line until our card terminal worked again. You saved our Saturday!"


def confirmation_path() -> str:
    [message] = [m for m in mail.outbox if m.to == ["olivia@bakery.example"]]
    [link] = re.findall(r"https?://\S+/thanks/confirm/\S+/", message.body)
    return urlsplit(link).path


def test_a_customer_thanks_an_employee_from_their_personal_link(open_page):
    support = make_department("Support", faces_customers=True)
    manager = make_user(full_name="Mona Manager", department=support)
    agent = make_user(
        full_name="Leo Martin", preferred_name="Leo", department=support, manager=manager
    )
    cycle = make_cycle(status=AwardCycle.Status.OPEN)

    # The customer scans Leo's QR code with a phone.
    customer = open_page(**PHONE)
    visit(customer, f"/thanks/{agent.thanks_token}/")
    expect(customer.get_by_role("heading", name="Thank Leo")).to_be_visible()
    expect(customer.get_by_text("Leo Martin")).to_have_count(0)  # the preferred name only
    customer.get_by_label("Your message").fill(MESSAGE)
    customer.get_by_label("Your name").fill("Olivia Bennett")
    customer.get_by_label("Your e-mail address").fill("olivia@bakery.example")
    customer.get_by_label("Your organisation").fill("Bennett Bakery")
    customer.get_by_label("You may share my words inside the company").check()
    customer.wait_for_timeout(2_100)  # people take more than two seconds; bots do not
    customer.get_by_role("button", name="Send my thank-you").click()
    expect(customer.get_by_role("heading", level=1)).to_contain_text("inbox")
    assert_accessible(customer)
    assert customer.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The e-mail's link opens a page whose button confirms.
    visit(customer, confirmation_path())
    customer.get_by_role("button", name="Confirm my thank-you").click()
    expect(customer.get_by_role("heading", level=1)).to_contain_text("onfirmed")
    assert_accessible(customer)
    assert ThankYou.objects.get().status == ThankYou.Status.CONFIRMED

    # Leo's manager approves it in the queue, without leaving the page.
    moderator = open_page(manager)
    visit(moderator, "/hr/thanks/")
    card = moderator.locator("article", has_text="Olivia Bennett")
    expect(card).to_contain_text("our card terminal worked again")
    card.get_by_role("button", name=re.compile("^Approve")).click()
    expect(moderator.get_by_role("status")).to_contain_text("pproved")
    # The tabs count it as approved at once, without a reload.
    tabs = moderator.get_by_role("navigation", name="Thank-yous by status")
    expect(tabs.get_by_role("link", name="Waiting for you")).to_have_text("Waiting for you 0")
    expect(tabs.get_by_role("link", name="Approved")).to_have_text("Approved 1")
    assert_accessible(moderator)
    thank_you = ThankYou.objects.get()
    assert thank_you.status == ThankYou.Status.APPROVED and thank_you.cycle == cycle

    # Leo reads it on his profile, where the customer's address never shows.
    employee = open_page(agent, **PHONE)
    visit(employee, f"/people/{agent.pk}/")
    wall = employee.locator("#thanks")
    expect(wall).to_contain_text(MESSAGE)
    expect(wall).to_contain_text("Bennett Bakery")
    expect(wall).not_to_contain_text("olivia@bakery.example")


def test_the_general_form_works_without_javascript(open_page):
    customer = open_page(javascript=False, **PHONE)
    visit(customer, "/thanks/")
    customer.get_by_label("Who helped you?").fill("The technician who came on Tuesday")
    customer.get_by_label("Your message").fill("Short")  # too short: the form says so
    customer.get_by_label("Your name").fill("Martin Eder")
    customer.get_by_label("Your e-mail address").fill("martin@eder.example")
    customer.wait_for_timeout(2_100)
    customer.get_by_role("button", name="Send my thank-you").click()
    # Next to the field, and in the error summary at the top of the form.
    expect(customer.locator("#id_message_error")).to_contain_text("Write at least 10 characters")
    expect(customer.locator("[data-error-summary]")).to_contain_text("Write at least 10")
    expect(customer.get_by_label("Who helped you?")).to_have_value(
        "The technician who came on Tuesday"
    )
    assert_accessible(customer)
    customer.get_by_label("Your message").fill("She explained everything she did. Thank you!")
    customer.wait_for_timeout(2_100)
    customer.get_by_role("button", name="Send my thank-you").click()
    expect(customer.get_by_role("heading", name="Check your inbox")).to_be_visible()
    assert_accessible(customer)
    assert ThankYou.objects.get().employee_hint == "The technician who came on Tuesday"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_thank_you_page_is_accessible(open_page, scheme):
    from tests.thanks.conftest import approved, confirmed, expired_token, send

    support = make_department("Support", faces_customers=True)
    hr = make_user(full_name="Hana HR", hr=True, department=support)
    agent = make_user(full_name="Leo Martin", department=support, manager=make_user())
    approved(agent, by=hr)
    unassigned = confirmed(None, email="martin@eder.example", hint="Tuesday's technician")
    pending = send(agent, email="jamal@example.com")
    confirmed(agent, email="grace@example.com", organisation="Kim & Co")

    customer = open_page(color_scheme=scheme)
    visit(customer, "/thanks/")
    visit(customer, f"/thanks/{agent.thanks_token}/")
    response = visit(customer, f"/thanks/confirm/{expired_token(pending)}/")
    assert response.status == 410
    customer.get_by_role("button", name="Send me a new link").click()
    assert_accessible(customer)
    response = visit(customer, "/thanks/confirm/not-a-real-link/")
    assert response.status == 400

    page = open_page(hr, color_scheme=scheme)
    for status in ("confirmed", "pending_confirmation", "approved", "rejected"):
        visit(page, f"/hr/thanks/?status={status}")
    visit(page, f"/hr/thanks/{unassigned.pk}/assign/")
    visit(page, "/hr/integrations/")
    page.get_by_label("Name", exact=True).fill("Helpdesk")
    page.get_by_label("Name in the webhook URL").fill("helpdesk")
    page.get_by_role("button", name="Add the integration").click()
    expect(page.get_by_role("heading", name=re.compile("Copy the secret"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Helpdesk").first.click()
    assert_accessible(page)

    employee = open_page(agent, color_scheme=scheme, **PHONE)
    visit(employee, "/")
    visit(employee, f"/people/{agent.pk}/")
    expect(employee.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
