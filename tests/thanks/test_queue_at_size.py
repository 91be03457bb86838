"""The moderation queue at size: every card keeps its own ids, URLs and dates, a failed
action keeps a working form, and the queue's queries do not grow with the number of cards."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from nominations.models import ThankYou
from tests.conftest import make_department, make_user
from tests.thanks.test_moderation_views import HTMX, QUEUE, make_thanks

Status = ThankYou.Status
pytestmark = pytest.mark.django_db


class _Tags(HTMLParser):
    """Every start tag of a page, as (tag, attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(content: bytes, name: str) -> list[dict[str, str | None]]:
    parser = _Tags()
    parser.feed(content.decode())
    return [attrs for tag, attrs in parser.tags if tag == name]


def moderate_url(thank_you: ThankYou) -> str:
    return reverse("thanks:moderate", args=[thank_you.pk])


@pytest.fixture
def hr():
    return make_user(full_name="Hana HR", hr=True)


@pytest.fixture
def agent():
    return make_user(full_name="Maria Santos", manager=make_user(full_name="Bea Boss"))


def test_every_waiting_card_has_its_own_labelled_note_field(login, hr, agent):
    waiting = [make_thanks(agent), make_thanks(), make_thanks(agent)]
    content = login(hr).get(QUEUE).content
    notes = [attrs for attrs in tags(content, "input") if attrs.get("name") == "note"]
    assert sorted(attrs["id"] for attrs in notes) == sorted(f"id_ty{t.pk}_note" for t in waiting)
    labels = {attrs["for"] for attrs in tags(content, "label")}
    helps = {attrs["id"] for attrs in tags(content, "p") if attrs.get("id")}
    for attrs in notes:
        assert attrs["id"] in labels
        assert attrs["aria-describedby"] == f"{attrs['id']}_helptext"
        assert attrs["aria-describedby"] in helps
        assert attrs["maxlength"] == "500"
        assert "value" not in attrs  # nothing typed yet
    ids = [attrs["id"] for attrs in tags(content, "input") + tags(content, "p") if attrs.get("id")]
    assert len(ids) == len(set(ids))


def test_every_waiting_card_posts_to_its_own_url(login, hr, agent):
    waiting = [make_thanks(agent), make_thanks(agent)]
    content = login(hr).get(QUEUE).content
    forms = {attrs["hx-target"]: attrs for attrs in tags(content, "form") if attrs.get("hx-post")}
    for thank_you in waiting:
        form = forms[f"#thank-you-{thank_you.pk}"]
        assert form["action"] == form["hx-post"] == moderate_url(thank_you)
    links = {attrs["href"] for attrs in tags(content, "a")}
    for thank_you in waiting:
        assert reverse("thanks:assign", args=[thank_you.pk]) in links
    assert reverse("home:profile", args=[agent.pk]) in links


def test_the_dates_read_as_before(login, hr, agent):
    moderated_at = timezone.make_aware(dt.datetime(2025, 3, 5, 9, 30))
    make_thanks(
        agent,
        status=Status.APPROVED,
        submitted_on=dt.date(2025, 3, 4),
        confirmed_at=timezone.make_aware(dt.datetime(2025, 3, 4, 23, 15)),
        moderated_by=hr,
        moderated_at=moderated_at,
    )
    content = login(hr).get(QUEUE, {"status": "approved"}).content.decode()
    assert '<time datetime="2025-03-04">4 March 2025</time>' in content
    assert "(confirmed 4 March 2025)" in content
    local = timezone.localtime(moderated_at)
    assert f'<time datetime="{local.isoformat()}">5 March 2025</time>' in content


def test_a_failed_htmx_action_shows_the_error_next_to_the_typed_note(login, hr, agent):
    thank_you = make_thanks(agent)
    note = "x" * 501
    response = login(hr).post(moderate_url(thank_you), {"decision": "reject", "note": note}, **HTMX)
    content = response.content.decode()
    assert content.lstrip().startswith(f'<article id="thank-you-{thank_you.pk}"')
    field_id = f"id_ty{thank_you.pk}_note"
    (field,) = [attrs for attrs in tags(response.content, "input") if attrs.get("name") == "note"]
    assert field["id"] == field_id
    assert field["value"] == note
    assert field["aria-invalid"] == "true"
    assert f'<ul class="errorlist" id="{field_id}_error"><li>Keep the note under 500' in content
    assert 'class="field field-invalid"' in content


def test_a_refused_assignment_with_htmx_keeps_a_working_moderation_form(login, hr):
    thank_you = make_thanks()
    gone = make_user(full_name="Gus Gone", is_active=False)
    response = login(hr).post(
        reverse("thanks:assign", args=[thank_you.pk]), {"nominee": gone.pk}, **HTMX
    )
    assert 'role="alert"' in response.content.decode()
    (field,) = [attrs for attrs in tags(response.content, "input") if attrs.get("name") == "note"]
    assert field["id"] == f"id_ty{thank_you.pk}_note"
    assert f'<label for="id_ty{thank_you.pk}_note">Note' in response.content.decode()


def test_approving_with_htmx_returns_the_decided_card_without_a_form(login, hr, agent):
    thank_you = make_thanks(agent, submitted_on=dt.date(2025, 3, 4))
    response = login(hr).post(moderate_url(thank_you), {"decision": "approve"}, **HTMX)
    content = response.content.decode()
    assert content.lstrip().startswith(f'<article id="thank-you-{thank_you.pk}"')
    assert '<time datetime="2025-03-04">4 March 2025</time>' in content
    assert f'href="{reverse("home:profile", args=[agent.pk])}"' in content
    assert "<form" not in content


def test_the_assign_page_shows_the_same_card(login, hr, agent):
    thank_you = make_thanks(agent, submitted_on=dt.date(2025, 3, 4))
    content = login(hr).get(reverse("thanks:assign", args=[thank_you.pk])).content.decode()
    assert f'<article id="thank-you-{thank_you.pk}"' in content
    assert '<time datetime="2025-03-04">4 March 2025</time>' in content
    assert f'href="{reverse("home:profile", args=[agent.pk])}"' in content


def test_the_queue_needs_the_same_queries_for_3_or_30_waiting(
    login, hr, agent, django_assert_num_queries
):
    client = login(hr)
    for _ in range(3):
        make_thanks(agent)
    client.get(QUEUE)  # the first request of a session writes to it; measure the next ones
    with CaptureQueriesContext(connection) as small:
        assert client.get(QUEUE).status_code == 200
    for _ in range(27):
        make_thanks(make_user(manager=agent))
    with django_assert_num_queries(len(small)):
        response = client.get(QUEUE)
    assert len(response.context["page"].object_list) == 25
    assert response.context["page"].paginator.num_pages == 2
    assert 'Waiting for you <span class="thank-you-count">30</span>' in response.content.decode()


def test_a_managers_queue_needs_the_same_queries_for_3_or_30_waiting(
    login, agent, django_assert_num_queries
):
    boss = agent.manager
    client = login(boss)
    for _ in range(3):
        make_thanks(agent)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as small:
        assert client.get(QUEUE).status_code == 200
    department = make_department("Billing")
    for _ in range(27):
        make_thanks(make_user(manager=boss, department=department))
        make_thanks(make_user(manager=agent))  # not boss's: not counted, not shown
    with django_assert_num_queries(len(small)):
        response = client.get(QUEUE)
    assert len(response.context["page"].object_list) == 25
    assert 'Waiting for you <span class="thank-you-count">30</span>' in response.content.decode()


def test_the_tabs_are_counted_in_one_query_that_is_also_the_pages_count(login, hr, agent):
    for status in Status.values:
        make_thanks(agent, status=status)
    client = login(hr)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as queries:
        client.get(QUEUE, {"status": Status.APPROVED})
    counting = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"] and "notifications_notification" not in q["sql"]  # the bell's
    ]
    assert len(counting) == 1
    assert "GROUP BY" in counting[0]
