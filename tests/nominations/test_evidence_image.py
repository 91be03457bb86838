"""Image evidence opened larger (nominations:evidence_image): a page of ours around the full
image, for exactly the people who may read the nomination and so see its thumbnail."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from awards.models import AwardCycle, JudgeAssignment
from nominations import services
from nominations.models import Evidence
from tests.nominations.conftest import move
from tests.stories.conftest import png

Kind = Evidence.Kind
Status = AwardCycle.Status


@pytest.fixture
def image(nomination, people) -> Evidence:
    return services.add_evidence(
        nomination=nomination,
        by=people.nominator,
        kind=Kind.ARTIFACT,
        image=png((900, 600)),
        caption="The new refund letter",
    )


def url(evidence: Evidence) -> str:
    return reverse("nominations:evidence_image", args=[evidence.pk])


def test_the_nominees_manager_sees_the_image_larger_with_its_caption_as_alt(client, people, image):
    client.force_login(people.manager)
    response = client.get(url(image))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'src="{image.image.url}"' in html
    assert 'alt="The new refund letter"' in html
    assert image.nomination.get_absolute_url() + f"#evidence-{image.pk}" in html


def test_the_nomination_page_links_the_thumbnail_to_it(client, people, image):
    client.force_login(people.nominator)
    html = client.get(image.nomination.get_absolute_url()).content.decode()
    assert f'<a href="{url(image)}"><img src="{image.image_thumbnail.url}"' in html


@pytest.mark.parametrize("who", ["stranger", "nominee", "judge"])
def test_who_may_not_read_the_nomination_gets_404(client, people, image, who):
    client.force_login(getattr(people, who))
    assert client.get(url(image)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, image):
    response = client.get(url(image))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_evidence_that_is_not_an_image_has_no_such_page(client, people, nomination):
    words = services.add_evidence(
        nomination=nomination,
        by=people.nominator,
        kind=Kind.CUSTOMER_WORDS,
        quote="Finally a letter I understand!",
        quote_source="Survey",
    )
    client.force_login(people.nominator)
    assert client.get(url(words)).status_code == 404


# --- From the judge page ----------------------------------------------------------------------


def judge_page(cycle) -> str:
    return reverse("awards:judge_cycle", args=[cycle.pk])


def test_a_judge_opens_it_from_the_judge_page_and_goes_back_to_the_candidate(
    client, people, cycle, image
):
    cycle = move(cycle, Status.JUDGING)
    client.force_login(people.judge)
    back = judge_page(cycle) + f"#candidate-{people.nominee.pk}"
    link = url(image) + "?next=" + quote(back, safe="")
    assert f'href="{link}"' in client.get(judge_page(cycle)).content.decode()
    response = client.get(link)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'src="{image.image.url}"' in html
    assert f'<a href="{back}">' in html


def test_a_judge_who_is_the_nominee_cannot_open_it_during_judging(client, people, cycle, image):
    # A conflict of interest: their own nomination is hidden from them until the announcement.
    JudgeAssignment.objects.create(cycle=cycle, judge=people.nominee)
    move(cycle, Status.JUDGING)
    client.force_login(people.nominee)
    assert client.get(url(image)).status_code == 404


@pytest.mark.parametrize(
    "elsewhere", ["https://evil.example/judge/1/", "//evil.example/", "javascript:alert(1)"]
)
def test_a_back_link_to_another_site_is_ignored(client, people, image, elsewhere):
    client.force_login(people.manager)
    response = client.get(url(image), {"next": elsewhere})
    html = response.content.decode()
    assert "evil.example" not in html and "javascript:" not in html
    assert f'href="{image.nomination.get_absolute_url()}#evidence-{image.pk}"' in html
