"""Every link of an error summary leads somewhere on the page, JavaScript or not: a colleague
picker lists its people itself (none before a search), a verification is chosen with buttons,
and a nomination full of evidence shows no form to add more."""

import re

import pytest
from django.urls import reverse

from nominations.models import MAX_EVIDENCE, Evidence
from tests.nominations.test_views import (
    _today_in_the_cycle,  # noqa: F401 (autouse)
    add,
    evidence_url,
    verify_url,
)

Kind = Evidence.Kind


def summary_targets(html: str) -> list[str]:
    summary = re.search(r"<div [^>]*data-error-summary.*?</ul>", html, re.S)
    assert summary, "no error summary"
    return re.findall(r'<a href="#([^"]+)"', summary.group(0))


def assert_every_link_leads_to_the_page(html: str) -> list[str]:
    targets = summary_targets(html)
    for target in targets:
        assert f'id="{target}"' in html, f"the summary links to #{target}, not on the page"
    return targets


def test_a_nomination_without_a_colleague_links_to_the_pickers_search_box(login, people, cycle):
    html = login(people.nominator).post(reverse("nominations:new"), {}).content.decode()
    targets = assert_every_link_leads_to_the_page(html)
    assert targets[0] == "id_q"  # the nominee: nobody is listed before a search
    assert re.search(r'<input type="search" name="q"[^>]*id="id_q"', html)


def test_an_invitation_without_colleagues_links_to_the_pickers_search_box(
    login, nomination, people
):
    response = login(people.nominator).post(reverse("nominations:invite", args=[nomination.pk]), {})
    assert assert_every_link_leads_to_the_page(response.content.decode()) == ["id_invite_q"]


@pytest.mark.parametrize("verification", ["unverified", "verified", "disputed"])
def test_a_verification_without_a_status_links_to_its_first_button(
    login, nomination, people, verification
):
    item = add(nomination, people.nominator)
    Evidence.objects.filter(pk=item.pk).update(
        verification=verification, verification_note="Not what the survey says."
    )
    html = login(people.manager).post(verify_url(item), {"note": "Hm"}).content.decode()
    assert assert_every_link_leads_to_the_page(html) == [f"id_ev{item.pk}_status"]
    assert re.search(rf'<button id="id_ev{item.pk}_status" type="submit" name="status"', html)


def test_a_nomination_full_of_evidence_says_the_mistakes_without_links_to_no_form(
    login, nomination, people
):
    for _ in range(MAX_EVIDENCE):
        add(nomination, people.nominator)
    response = login(people.nominator).post(evidence_url(nomination), {"kind": Kind.CUSTOMER_WORDS})
    html = response.content.decode()
    assert "data-error-summary" in html and "Say where the words come from" in html
    assert_every_link_leads_to_the_page(html)
