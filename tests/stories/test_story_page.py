"""A story's page: each kind's parts, the Check chart, sharing, who may see it; reactions and
comments with and without htmx."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.audit import AuditEvent
from stories import services
from stories.models import Comment, Reaction, Story
from tests.conftest import make_department, make_user
from tests.security.test_csp import assert_strict_policy, tags_of
from tests.stories.conftest import improvement_check, make_story, png
from tests.thanks.conftest import approved

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
Kind = Story.Kind


def url(story: Story) -> str:
    return reverse("stories:detail", args=[story.pk])


def react_url(story: Story, kind: str) -> str:
    return reverse("stories:react", args=[story.pk, kind])


def comment_url(story: Story) -> str:
    return reverse("stories:comment", args=[story.pk])


def edit_url(comment: Comment) -> str:
    return reverse("stories:comment_edit", args=[comment.pk])


def delete_url(comment: Comment) -> str:
    return reverse("stories:comment_delete", args=[comment.pk])


def hide_url(comment: Comment) -> str:
    return reverse("stories:comment_hide", args=[comment.pk])


def markdown_block(content: str) -> str:
    return re.search(r'<div class="markdown">(.*?)</div>', content, re.S).group(1)


def pressed(content: str, kind: str) -> tuple[str, int]:
    """(aria-pressed, count) of one reaction button."""
    match = re.search(
        rf'id="react-\d+-{kind}"[^>]*aria-pressed="(\w+)">.*?'
        r'<span class="reaction-count">(\d+)</span>',
        content,
        re.S,
    )
    return match.group(1), int(match.group(2))


def age(comment: Comment, minutes: int) -> Comment:
    created = timezone.now() - dt.timedelta(minutes=minutes)
    Comment.objects.filter(pk=comment.pk).update(created_at=created)
    return Comment.objects.get(pk=comment.pk)


# --- each kind renders its parts --------------------------------------------------------------


def test_an_improvement_story_shows_plan_do_check_act_and_a_chart(login, author, reader):
    story = make_story(
        author,
        kind=Kind.IMPROVEMENT,
        title="Call-backs instead of waiting",
        plan="“I wait twenty minutes on the phone every time.”",
        do="A call-back button.",
        act="Every queue now offers a call-back.",
        **improvement_check(),
    )
    content = login(reader).get(url(story)).content.decode()
    for part in (
        "Plan: the customer",
        "I wait twenty minutes on the phone every time.",
        "Do: what was changed",
        "A call-back button.",
        "Check: Average wait",
        "Act: how it became the standard way",
        "Every queue now offers a call-back.",
    ):
        assert part in content
    svg = re.search(r"<svg class=\"check-chart\"[^>]*>", content).group(0)
    assert 'role="img"' in svg
    label = re.search(r'aria-label="([^"]+)"', svg).group(1)
    assert label == (
        "Average wait: 20 minutes before, 4.5 minutes after. "
        "Lower is better, so this is a genuine improvement."
    )
    assert f"<title>{label}</title>" in content
    assert "A genuine improvement" in content
    assert "No improvement yet" not in content


def test_a_check_that_did_not_improve_says_so(login, author, reader):
    story = make_story(
        author,
        kind=Kind.IMPROVEMENT,
        **improvement_check(
            check_before=Decimal(4), check_after=Decimal(6), check_higher_is_better=False
        ),
    )
    content = login(reader).get(url(story)).content.decode()
    assert "No improvement yet" in content
    assert "so this is no improvement yet." in content
    assert "A genuine improvement" not in content
    assert 'class="bar-worse"' in content


def test_an_improvement_without_numbers_has_no_chart(login, author, reader):
    story = make_story(author, kind=Kind.IMPROVEMENT)
    content = login(reader).get(url(story)).content.decode()
    assert "check-chart" not in content
    assert "No before and after measurement yet." in content


def test_a_front_line_story_shows_the_date_hours_and_what_was_heard(login, author, reader):
    story = make_story(author, shift_date=timezone.localdate(), shift_hours=Decimal("3.5"))
    content = login(reader).get(url(story)).content.decode()
    assert "Time on the front line" in content
    assert timezone.localdate().strftime("%Y-%m-%d") in content
    assert "3.5 hours" in content
    assert "Three people could not find the opening hours." in content


def test_a_customer_voice_story_shows_the_quote_first_name_and_organisation_only(
    login, reader, hr_user
):
    thanked = make_user(full_name="Maria Santos", department=make_department("Counter"))
    thank_you = approved(
        thanked,
        by=hr_user,
        name="Ann Marie Customer",
        email="ann@customer.example",
        organisation="Acme Ltd",
        message="Maria sorted out my invoice in five minutes.",
    )
    story = services.create_customer_voice(thank_you=thank_you, by=thanked)
    content = login(reader).get(url(story)).content.decode()
    assert "<blockquote><p>Maria sorted out my invoice in five minutes.</p></blockquote>" in content
    assert "<figcaption>Ann, Acme Ltd</figcaption>" in content
    assert "ann@customer.example" not in content
    assert "Marie Customer" not in content
    assert "Maria Santos" in content  # the thanked colleague is featured


def test_photos_featured_colleagues_and_tags_show(login, author, reader):
    colleague = make_user(full_name="Chloé Colleague")
    story = make_story(author, featured=[colleague], tags=["Lyon counter"])
    services.add_image(story=story, by=author, upload=png((300, 200)), alt_text="The counter")
    content = login(reader).get(url(story)).content.decode()
    photo = re.search(r'<figure class="story-photo"[^>]*>\s*<a [^>]+><img [^>]+>', content)[0]
    assert 'alt="The counter"' in photo and 'width="300"' in photo
    assert "/thumbs/" not in photo  # the display size, not the thumbnail
    assert "Featured colleagues" in content and "Chloé Colleague" in content
    assert "#Lyon counter" in content and "?tag=lyon-counter" in content


def test_markdown_in_a_story_is_rendered_inert(login, author, reader):
    body = (
        '**Bold** move.\n\n<script>alert(1)</script>\n\n<iframe src="https://evil"></iframe>\n\n'
        "[click](javascript:alert(1)) and <img src=x onerror=alert(1)>\n\n"
        '<a href="#" onclick="alert(1)">x</a>'
    )
    story = make_story(author, body=body)
    content = login(reader).get(url(story)).content.decode()
    block = markdown_block(content)
    assert "<strong>Bold</strong>" in block
    tags = tags_of(block)
    assert not {tag for tag, _ in tags} & {"script", "iframe", "img"}
    assert not [attrs for _, attrs in tags if any(name.startswith("on") for name in attrs)]
    assert not [attrs for _, attrs in tags if "javascript:" in (attrs.get("href") or "")]
    assert_strict_policy(login(reader).get(url(story)))


def test_the_page_offers_a_copy_link_that_works_without_javascript(login, author, reader):
    story = make_story(author)
    response = login(reader).get(url(story))
    content = response.content.decode()
    box = re.search(r'<input type="text" id="share-url"[^>]*>', content).group(0)
    assert f'value="http://testserver{url(story)}"' in box and "readonly" in box
    assert '<label for="share-url">' in content
    assert re.search(r"<button [^>]*data-copy-button hidden>Copy link</button>", content)
    assert 'role="status" aria-live="polite" data-copy-status' in content
    nonce = assert_strict_policy(response)
    assert f'js/plaudit.js" nonce="{nonce}" defer>' in content
    assert 'property="og:' not in content  # intranet only: no Open Graph preview


def test_the_author_gets_an_edit_link_and_others_do_not(login, author, reader):
    story = make_story(author)
    edit = reverse("stories:edit", args=[story.pk])
    assert edit in login(author).get(url(story)).content.decode()
    assert edit not in login(reader).get(url(story)).content.decode()


# --- who may see a story ----------------------------------------------------------------------


def test_someone_elses_draft_is_not_found(login, author, reader, hr_user):
    draft = make_story(author, publish=False)
    assert login(reader).get(url(draft)).status_code == 404
    assert login(hr_user).get(url(draft)).status_code == 404
    response = login(author).get(url(draft))
    assert response.status_code == 200
    assert "only you can see it" in response.content.decode()


def test_a_hidden_story_is_shown_only_to_hr_and_its_author(login, author, reader, hr_user):
    story = services.hide_story(story=make_story(author), by=hr_user, reason="Names a customer")
    assert login(reader).get(url(story)).status_code == 404
    for viewer in (hr_user, author):
        response = login(viewer).get(url(story))
        assert response.status_code == 200
        assert "Hidden by HR: Names a customer" in response.content.decode()


def test_an_unknown_story_is_not_found(login, reader):
    assert login(reader).get(reverse("stories:detail", args=[999999])).status_code == 404


# --- reactions --------------------------------------------------------------------------------


def test_a_reaction_toggles_in_place_with_htmx(login, story, reader):
    client = login(reader)
    content = client.get(url(story)).content.decode()
    assert pressed(content, "applause") == ("false", 0)
    response = client.post(react_url(story, "applause"), headers=HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert content.strip().startswith(f'<div class="reactions" id="reactions-{story.pk}"')
    assert "<html" not in content
    assert pressed(content, "applause") == ("true", 1)
    assert pressed(content, "customer_love") == ("false", 0)
    assert f'hx-target="#reactions-{story.pk}" hx-swap="outerHTML"' in content
    content = client.post(react_url(story, "applause"), headers=HTMX).content.decode()
    assert pressed(content, "applause") == ("false", 0)
    assert not Reaction.objects.filter(story=story).exists()


def test_a_reaction_without_javascript_redirects_back_to_the_story(login, story, reader):
    response = login(reader).post(react_url(story, "customer_love"))
    assert response.status_code == 302
    assert response["Location"] == f"{url(story)}#reactions-{story.pk}"
    assert Story.objects.get(pk=story.pk).customer_love_count == 1


def test_an_unknown_reaction_kind_is_a_bad_request(login, story, reader):
    response = login(reader).post(react_url(story, "thumbs_down"), headers=HTMX)
    assert response.status_code == 400
    assert not Reaction.objects.exists()


def test_reacting_to_a_story_you_cannot_see_is_not_found(login, author, reader):
    draft = make_story(author, publish=False)
    assert login(reader).post(react_url(draft, "applause")).status_code == 404


def test_a_hidden_story_shows_its_counts_without_buttons(login, author, hr_user):
    story = services.hide_story(story=make_story(author), by=hr_user, reason="Off topic")
    content = login(hr_user).get(url(story)).content.decode()
    assert "reaction-static" in content
    assert react_url(story, "applause") not in content
    assert 'id="comment-form"' not in content


def test_reaction_buttons_work_on_the_feed_cards_too(login, story, reader):
    client = login(reader)
    client.post(react_url(story, "learned"))
    content = client.get(reverse("stories:feed")).content.decode()
    assert pressed(content, "learned") == ("true", 1)
    assert react_url(story, "learned") in content


# --- comments ---------------------------------------------------------------------------------


def test_a_comment_is_added_with_htmx_without_a_reload(login, story, reader):
    client = login(reader)
    response = client.post(comment_url(story), {"body": "Great **idea**"}, headers=HTMX)
    content = response.content.decode()
    comment = Comment.objects.get()
    assert response.status_code == 200
    assert "<html" not in content
    # A fresh, empty form …
    form = re.search(r'<form id="comment-form".*?</form>', content, re.S).group(0)
    assert "Great" not in form and 'hx-target="this"' in form
    # … the new comment appended to the list, the count and a status message out of band.
    assert '<ol hx-swap-oob="beforeend:#comment-list">' in content
    assert f'id="comment-{comment.pk}"' in content and "<strong>idea</strong>" in content
    assert '<span id="comments-count" hx-swap-oob="true">1 comment</span>' in content
    assert "Your comment is posted." in content
    assert Story.objects.get(pk=story.pk).comment_count == 1


def test_an_empty_comment_shows_the_error_next_to_the_field(login, story, reader):
    response = login(reader).post(comment_url(story), {"body": "  "}, headers=HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert re.search(r'id="id_body_error"><li>Write a comment first.</li>', content)
    assert 'aria-invalid="true"' in content or "field-invalid" in content
    assert not Comment.objects.exists()


def test_a_comment_without_javascript_redirects_to_it(login, story, reader):
    client = login(reader)
    response = client.post(comment_url(story), {"body": "Well done"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url(story)}#comment-{comment.pk}"
    content = client.get(url(story)).content.decode()
    assert "Well done" in content and "Your comment is posted." in content


def test_an_empty_comment_without_javascript_shows_the_page_with_the_error(login, story, reader):
    response = login(reader).post(comment_url(story), {"body": ""})
    assert response.status_code == 200
    assert "Write a comment first." in response.content.decode()
    assert "<html" in response.content.decode()


def test_commenting_on_a_story_you_cannot_see_is_not_found(login, author, reader):
    draft = make_story(author, publish=False)
    assert login(reader).post(comment_url(draft), {"body": "Hi"}).status_code == 404


def test_i_can_edit_my_comment_within_fifteen_minutes(login, story, reader):
    comment = services.add_comment(story=story, author=reader, body="Typo hree")
    client = login(reader)
    form = client.get(edit_url(comment), headers=HTMX).content.decode()
    assert "Typo hree</textarea>" in form and f'hx-target="#comment-{comment.pk}"' in form
    assert f'<label for="id_comment_{comment.pk}_body">' in form
    response = client.post(edit_url(comment), {"body": "Typo here"}, headers=HTMX)
    assert response.status_code == 200
    assert "Typo here" in response.content.decode() and "edited" in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).body == "Typo here"


def test_editing_without_javascript_shows_the_form_in_place_and_redirects(login, story, reader):
    comment = services.add_comment(story=story, author=reader, body="Typo hree")
    client = login(reader)
    page = client.get(edit_url(comment))
    assert page.status_code == 200 and "<html" in page.content.decode()
    assert "Save comment" in page.content.decode()
    response = client.post(edit_url(comment), {"body": "Typo here"})
    assert response["Location"] == f"{url(story)}#comment-{comment.pk}"


def test_editing_after_fifteen_minutes_is_refused_with_the_reason(login, story, reader):
    comment = age(services.add_comment(story=story, author=reader, body="Old words"), 16)
    client = login(reader)
    assert edit_url(comment) not in client.get(url(story)).content.decode()
    response = client.post(edit_url(comment), {"body": "New words"}, headers=HTMX)
    assert response.status_code == 200
    assert "Comments can be changed for 15 minutes." in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).body == "Old words"


def test_i_can_delete_my_comment_within_fifteen_minutes(login, story, reader):
    comment = services.add_comment(story=story, author=reader, body="Oops")
    response = login(reader).post(delete_url(comment), headers=HTMX)
    content = response.content.decode()
    assert "You deleted your comment." in content
    assert '<span id="comments-count" hx-swap-oob="true">0 comments</span>' in content
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.DELETED
    assert "Oops" not in login(reader).get(url(story)).content.decode()


def test_deleting_after_fifteen_minutes_is_refused(login, story, reader):
    comment = age(services.add_comment(story=story, author=reader, body="Old"), 20)
    client = login(reader)
    response = client.post(delete_url(comment))
    assert response.status_code == 302
    assert Comment.objects.get(pk=comment.pk).is_visible
    assert "Comments can be changed for 15 minutes." in client.get(url(story)).content.decode()


def test_someone_elses_comment_cannot_be_edited_or_deleted(login, story, reader):
    comment = services.add_comment(story=story, author=make_user(), body="Mine, not yours")
    client = login(reader)
    assert client.get(edit_url(comment)).status_code == 404
    assert client.post(edit_url(comment), {"body": "Hacked"}).status_code == 404
    assert client.post(delete_url(comment)).status_code == 404
    assert Comment.objects.get(pk=comment.pk).body == "Mine, not yours"


def test_a_comment_on_a_story_i_cannot_see_is_not_found(login, author, reader, hr_user):
    story = make_story(author)
    comment = services.add_comment(story=story, author=reader, body="Before it was hidden")
    services.hide_story(story=story, by=hr_user, reason="Off topic")
    assert login(reader).get(edit_url(comment)).status_code == 404


def test_hr_hides_a_comment_with_a_reason_and_it_is_audited(login, story, reader, hr_user):
    comment = services.add_comment(story=story, author=reader, body="Rude words")
    client = login(hr_user)
    response = client.post(hide_url(comment), {"reason": "Not kind"}, headers=HTMX)
    content = response.content.decode()
    assert "Hidden by HR:</span> Not kind" in content
    assert '<span id="comments-count" hx-swap-oob="true">0 comments</span>' in content
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN and comment.hidden_reason == "Not kind"
    event = AuditEvent.objects.get(verb="comment.hidden")
    assert event.actor == hr_user and event.data["reason"] == "Not kind"
    assert "Hidden by HR:</span> Not kind" in client.get(url(story)).content.decode()
    assert "Rude words" not in login(make_user()).get(url(story)).content.decode()


def test_hiding_a_comment_needs_a_reason(login, story, reader, hr_user):
    comment = services.add_comment(story=story, author=reader, body="Rude words")
    response = login(hr_user).post(hide_url(comment), {"reason": " "}, headers=HTMX)
    assert response.status_code == 200
    assert "Say why the comment is hidden." in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).is_visible


def test_only_hr_may_hide_a_comment(login, story, reader):
    comment = services.add_comment(story=story, author=make_user(), body="Rude words")
    client = login(reader)
    assert hide_url(comment) not in client.get(url(story)).content.decode()
    assert client.post(hide_url(comment), {"reason": "I dislike it"}).status_code == 403
    assert Comment.objects.get(pk=comment.pk).is_visible


# --- queries ----------------------------------------------------------------------------------


def enliven(story: Story, reader, count: int) -> None:
    """`count` more reactions and comments (some by the reader), featured people and photos."""
    for n in range(count):
        someone = make_user()
        services.toggle_reaction(story=story, user=someone, kind="applause")
        services.add_comment(story=story, author=someone, body=f"Comment {n}")
    services.add_comment(story=story, author=reader, body="Mine")


@pytest.mark.parametrize("viewer", ["reader", "hr"])
def test_the_story_page_needs_the_same_queries_at_any_size(
    login, author, reader, hr_user, django_assert_num_queries, viewer
):
    story = make_story(author, kind=Kind.IMPROVEMENT, tags=["a", "b"], **improvement_check())
    story.featured.set([make_user(), make_user()])
    services.add_image(story=story, by=author, upload=png())
    client = login(reader if viewer == "reader" else hr_user)
    services.toggle_reaction(story=story, user=reader, kind="learned")
    enliven(story, reader, 2)
    client.get(url(story))  # the first request of a session writes to it
    with CaptureQueriesContext(connection) as small:
        client.get(url(story))
    enliven(story, reader, 12)
    story.featured.add(make_user(), make_user())
    services.add_image(story=story, by=author, upload=png())
    with django_assert_num_queries(len(small)):
        response = client.get(url(story))
    assert response.content.decode().count('class="comment comment-visible"') == 16


def test_an_award_story_shows_the_winner_first_and_largest(login, reader):
    from awards.models import AwardCycle
    from tests.awards.conftest import make_cycle
    from tests.nominations.conftest import make_nomination, move

    cycle = make_cycle(status=AwardCycle.Status.OPEN)
    winner = make_user(full_name="Wendy Winner", department=make_department("Support"))
    make_nomination(nominator=make_user(), nominee=winner, cycle=cycle)
    move(cycle, AwardCycle.Status.ANNOUNCED)
    story = Story.objects.get(kind=Story.Kind.AWARD, award_cycle=cycle)
    page = login(reader).get(url(story)).content.decode()
    hero = page[page.index('class="winner-hero-head story-winner"') :]
    hero = hero[: hero.index('class="person-row"')]  # before the author's line
    assert "avatar-xl" in hero
    assert "Wendy Winner" in hero and "Support" in hero
