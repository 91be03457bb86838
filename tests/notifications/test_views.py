"""The bell, the notification centre and the settings page: signed-in only, each person their
own notices (anyone else's is a 404), htmx or a plain form post."""

import pytest
from django.urls import reverse

from notifications import services
from notifications.models import Channel, Kind, Notification
from tests.conftest import make_user
from tests.notifications.conftest import make_notice

LIST = reverse("notifications:list")
SETTINGS = reverse("notifications:settings")
READ_ALL = reverse("notifications:read_all")


def read_url(notice) -> str:
    return reverse("notifications:read", args=[notice.pk])


def open_url(notice) -> str:
    return reverse("notifications:open", args=[notice.pk])


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", ["list", "read_all", "settings", "read", "open"])
def test_anonymous_visitors_are_sent_to_sign_in(client, ana, name, method):
    notice = make_notice(ana)
    args = [notice.pk] if name in ("read", "open") else []
    response = getattr(client, method)(reverse(f"notifications:{name}", args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    notice.refresh_from_db()
    assert not notice.is_read


@pytest.mark.parametrize("name", ["read", "open"])
def test_someone_elses_notice_is_a_404_and_stays_unread(login, ana, name):
    notice = make_notice(ana)
    client = login(make_user())
    url = reverse(f"notifications:{name}", args=[notice.pk])
    response = client.post(url) if name == "read" else client.get(url)
    assert response.status_code == 404
    notice.refresh_from_db()
    assert not notice.is_read


def test_mark_all_read_leaves_other_peoples_notices(login, ana):
    theirs = make_notice(make_user())
    make_notice(ana)
    login(ana).post(READ_ALL)
    theirs.refresh_from_db()
    assert not theirs.is_read and services.unread_count(ana) == 0


@pytest.mark.parametrize("url", [READ_ALL, "read"])
def test_marking_read_is_a_post(login, ana, url):
    notice = make_notice(ana)
    response = login(ana).get(read_url(notice) if url == "read" else url)
    assert response.status_code == 405


def test_the_list_shows_only_my_notices_newest_first(login, ana):
    make_notice(ana, text="First for Ana.")
    make_notice(make_user(), text="For someone else.")
    make_notice(ana, text="Second for Ana.")
    page = login(ana).get(LIST).content.decode()
    assert page.index("Second for Ana.") < page.index("First for Ana.")
    assert "For someone else." not in page


# --- The bell ---------------------------------------------------------------------------------


def bell(page: str) -> str:
    start = page.index('id="notification-bell"')
    return page[start : page.index("</a>", start)]


def test_the_bell_shows_the_unread_count(login, ana):
    for _ in range(3):
        make_notice(ana)
    services.mark_read(user=ana, ids=[Notification.objects.first().pk])
    html = bell(login(ana).get(reverse("home:home")).content.decode())
    assert "Notifications, 2 unread" in html
    assert '<span class="bell-count" aria-hidden="true">2</span>' in html


def test_no_unread_no_count(login, ana):
    html = bell(login(ana).get(reverse("home:home")).content.decode())
    assert "bell-count" not in html and "unread" not in html


def test_anonymous_pages_have_no_bell(client, db):
    assert b"notification-bell" not in client.get(reverse("account_login")).content


@pytest.mark.parametrize("size", [1, 30])
def test_the_bell_costs_one_count_whatever_the_number_of_notices(
    login, ana, size, django_assert_num_queries
):
    for _ in range(size):
        make_notice(ana)
    client = login(ana)
    client.get(SETTINGS)  # the session is warm
    # Session, user, the two preference reads, and the bell's count.
    with django_assert_num_queries(5) as captured:
        response = client.get(SETTINGS)
    assert f"Notifications, {size} unread" in response.content.decode()
    counts = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "notifications_notification"' in q["sql"]
    ]
    assert len(counts) == 1 and "COUNT(" in counts[0]


@pytest.mark.parametrize("size", [3, 45])
def test_the_list_costs_the_same_queries_at_any_size(login, ana, size, django_assert_num_queries):
    for _ in range(size):
        make_notice(ana)
    client = login(ana)
    client.get(LIST)
    # Session, user, the page's count and rows, the bell's count.
    with django_assert_num_queries(5):
        response = client.get(LIST)
    assert response.content.decode().count('class="notification notification-unread"') == min(
        size, 20
    )


# --- Marking read -----------------------------------------------------------------------------


def test_marking_one_read_without_javascript_returns_to_the_list_with_a_message(login, ana):
    notice = make_notice(ana, text="Bo commented.")
    response = login(ana).post(read_url(notice), {"page": "2"}, follow=True)
    assert response.redirect_chain == [(f"{LIST}?page=2", 302)]
    notice.refresh_from_db()
    assert notice.is_read
    page = response.content.decode()
    assert "Marked as read: Bo commented." in page
    assert 'tabindex="-1" autofocus>Marked as read' in page


def test_marking_one_read_with_htmx_swaps_the_item_and_the_bell(login, ana):
    notice = make_notice(ana, text="Bo commented.")
    make_notice(ana)
    response = login(ana).post(read_url(notice), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="notification-{notice.pk}" class="notification">')
    assert 'role="status" tabindex="-1" autofocus>Marked as read: Bo commented.' in html
    assert (
        'id="notification-bell" class="notification-bell" href="/notifications/" hx-swap-oob="true"'
        in html
    )
    assert "Notifications, 1 unread" in html
    assert "<html" not in html


def test_mark_all_read_with_htmx_swaps_the_list(login, ana):
    make_notice(ana)
    make_notice(ana)
    response = login(ana).post(READ_ALL, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="notices"')
    assert "All your notifications are marked as read." in html
    assert "notification-unread" not in html and "Mark all read" not in html
    assert 'hx-swap-oob="true"' in html and "bell-count" not in html
    assert services.unread_count(ana) == 0


def test_mark_all_read_without_javascript(login, ana):
    make_notice(ana)
    response = login(ana).post(READ_ALL, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "All your notifications are marked as read." in response.content.decode()


def test_opening_a_notice_marks_it_read_and_follows_its_link(login, ana):
    notice = make_notice(ana, link="/stories/7/#comment-3")
    response = login(ana).get(open_url(notice))
    assert response.status_code == 302 and response.url == "/stories/7/#comment-3"
    notice.refresh_from_db()
    assert notice.is_read


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/x"])
def test_a_link_elsewhere_is_never_followed(login, ana, link):
    notice = make_notice(ana, link=link)
    assert login(ana).get(open_url(notice)).url == LIST


# --- Settings ---------------------------------------------------------------------------------


def test_the_settings_page_shows_the_defaults(login, ana):
    page = login(ana).get(SETTINGS).content.decode()
    for _, label in Kind.choices:
        assert str(label) in page
    assert page.count('value="email" id=') == page.count("required checked") == len(Kind.values)


def test_saving_the_settings(login, ana):
    data = dict.fromkeys(Kind.values, Channel.EMAIL) | {
        Kind.STORY_COMMENTED: Channel.OFF,
        Kind.JUDGE_ASSIGNED: Channel.IN_APP,
        "daily_digest": "on",
    }
    response = login(ana).post(SETTINGS, data, follow=True)
    assert response.redirect_chain == [(SETTINGS, 302)]
    assert "Your notification settings are saved." in response.content.decode()
    channels = services.channels(ana)
    assert channels[Kind.STORY_COMMENTED] == Channel.OFF
    assert channels[Kind.JUDGE_ASSIGNED] == Channel.IN_APP
    assert channels[Kind.NOMINEE_WON] == Channel.EMAIL
    assert services.wants_daily_digest(ana)


def test_a_bad_choice_is_shown_next_to_its_kind(login, ana):
    data = dict.fromkeys(Kind.values, Channel.EMAIL) | {Kind.NOMINEE_WON: "pigeon"}
    response = login(ana).post(SETTINGS, data)
    assert response.status_code == 200
    assert f'id="id_{Kind.NOMINEE_WON}_error"' in response.content.decode()
    assert services.channels(ana)[Kind.NOMINEE_WON] == Channel.EMAIL


def test_the_profile_edit_page_and_the_list_link_to_the_settings(login, ana):
    client = login(ana)
    for url in (reverse("accounts:edit_profile"), LIST):
        assert f'href="{SETTINGS}"' in client.get(url).content.decode()
