import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core import markdown
from core.audit import AuditEvent
from core.errors import ConflictError
from stories import access, services
from stories.models import Comment, Reaction, Story
from tests.conftest import make_department, make_user
from tests.stories.conftest import improvement_check, make_story, png
from tests.thanks.conftest import approved

pytestmark = pytest.mark.django_db
Kind = Story.Kind


def errors_of(excinfo) -> dict:
    return {field: messages[0] for field, messages in excinfo.value.message_dict.items()}


# --- writing stories ----------------------------------------------------------------------


def test_an_improvement_story_keeps_its_plan_do_check_act(author):
    department = make_department("Billing")
    story = make_story(
        author,
        kind=Kind.IMPROVEMENT,
        department=department,
        act="Every team has the button now.",
        **improvement_check(),
    )
    assert story.status == Story.Status.PUBLISHED and story.published_at is not None
    assert story.check_before == Decimal(20) and story.check_after == Decimal("4.5")
    assert story.shows_improvement is True
    assert story.department == department


def test_a_change_in_the_wrong_direction_is_not_an_improvement(author):
    story = make_story(
        author, kind=Kind.IMPROVEMENT, **improvement_check(check_higher_is_better=True)
    )
    assert story.shows_improvement is False


def test_a_story_takes_the_authors_department_unless_told(db):
    department = make_department()
    story = make_story(make_user(department=department), publish=False)
    assert story.department == department
    assert story.status == Story.Status.DRAFT and story.published_at is None


def test_the_markdown_body_is_stored_as_written(author):
    body = "Hello <script>alert(1)</script> [x](javascript:alert(1))"
    assert make_story(author, body=body).body == body


def test_rendering_a_hostile_body_yields_inert_html():
    html = str(
        markdown.render(
            "<script>alert(1)</script>\n\n<iframe src='https://evil.example'></iframe>\n\n"
            "[click](javascript:alert(1)) [ok](https://example.com)\n\n"
            "<img src=x onerror=alert(1)> ![x](/media/a.png)\n\n"
            '<a href="https://x.example" onclick="alert(1)">x</a>'
        )
    )
    elements = parsed(html)
    assert {tag for tag, _ in elements} <= {"p", "a", "img"}
    for _, attributes in elements:
        assert not any(name.startswith("on") for name in attributes)
        assert not any("javascript:" in (value or "") for value in attributes.values())
    assert ("a", {"href": "https://example.com", "rel": "noopener noreferrer nofollow"}) in elements


def parsed(html: str) -> list[tuple[str, dict]]:
    """Every element of `html` as (tag, attributes): text that only looks like a tag is not one."""
    from html.parser import HTMLParser

    elements: list[tuple[str, dict]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            elements.append((tag, dict(attrs)))

    Collect().feed(html)
    return elements


def test_a_missing_before_value_is_named(author):
    with pytest.raises(ValidationError) as excinfo:
        make_story(author, kind=Kind.IMPROVEMENT, **improvement_check(check_before=None))
    assert errors_of(excinfo) == {"check_before": "Give the value before the change."}


def test_the_check_is_all_or_nothing(author):
    with pytest.raises(ValidationError) as excinfo:
        make_story(author, kind=Kind.IMPROVEMENT, check_before=Decimal(3))
    assert errors_of(excinfo) == {
        "check_metric": "Say what you measured (e.g. average wait).",
        "check_after": "Give the value after the change.",
        "check_unit": "Give the unit (e.g. minutes).",
        "check_higher_is_better": "Say whether a higher or a lower value is better.",
    }


def test_an_improvement_without_a_check_is_fine_but_needs_plan_and_do(author):
    assert make_story(author, kind=Kind.IMPROVEMENT).shows_improvement is None
    with pytest.raises(ValidationError) as excinfo:
        make_story(author, kind=Kind.IMPROVEMENT, plan="", do=" ")
    assert set(errors_of(excinfo)) == {"plan", "do"}


@pytest.mark.parametrize("hours", ["0", "-1", "12.01", "13"])
def test_front_line_hours_must_be_more_than_zero_and_at_most_twelve(author, hours):
    with pytest.raises(ValidationError) as excinfo:
        make_story(author, shift_hours=Decimal(hours))
    assert errors_of(excinfo) == {
        "shift_hours": "Hours must be more than 0 and at most 12 for one day."
    }


def test_front_line_hours_are_required(author):
    with pytest.raises(ValidationError) as excinfo:
        make_story(author, shift_hours=None)
    assert errors_of(excinfo) == {"shift_hours": "Give the hours you spent there."}


def test_twelve_hours_is_a_full_day(author):
    assert make_story(author, shift_hours=Decimal(12)).shift_hours == Decimal(12)


@pytest.mark.parametrize(
    ("days_ago", "message"),
    [
        (-1, "The date cannot be in the future."),
        (367, "The date is more than a year ago."),
    ],
)
def test_a_front_line_date_is_within_the_last_year(author, days_ago, message):
    with pytest.raises(ValidationError) as excinfo:
        make_story(author, shift_date=timezone.localdate() - dt.timedelta(days=days_ago))
    assert errors_of(excinfo) == {"shift_date": message}


def test_a_front_line_date_is_required(author):
    with pytest.raises(ValidationError) as excinfo:
        make_story(author, shift_date=None)
    assert errors_of(excinfo) == {"shift_date": "Give the date you spent on the front line."}


def test_fields_of_another_kind_are_refused(author):
    with pytest.raises(ValidationError) as excinfo:
        make_story(author, plan="Not for a shift")
    assert errors_of(excinfo) == {"plan": "This does not belong in a front line story."}


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (Kind.AWARD, "Award stories are written when an award is announced."),
        (Kind.CUSTOMER_VOICE, "A customer's words come from an approved thank-you: start from it."),
        ("poem", "Choose an improvement or a front-line story."),
    ],
)
def test_authors_write_improvement_and_front_line_stories_only(author, kind, message):
    with pytest.raises(ValidationError) as excinfo:
        services.create_story(author=author, kind=kind, title="Hello")
    assert errors_of(excinfo) == {"kind": message}


def test_featured_colleagues_and_tags_are_kept(author):
    colleague = make_user()
    story = make_story(
        author, featured=[colleague, colleague], tags=["Invoices", "invoices", "Lyon"]
    )
    assert list(story.featured.all()) == [colleague]
    assert sorted(story.tags.values_list("slug", flat=True)) == ["invoices", "lyon"]
    again = make_story(author, tags=["Invoices"])
    assert again.tags.get().pk == story.tags.get(slug="invoices").pk


def test_a_colleague_who_left_cannot_be_featured(author):
    gone = make_user(is_active=False)
    with pytest.raises(ValidationError) as excinfo:
        make_story(author, featured=[gone])
    assert errors_of(excinfo) == {
        "featured": "Feature only colleagues who are still with the company."
    }


def test_too_many_tags_are_refused(author):
    with pytest.raises(ValidationError) as excinfo:
        make_story(author, tags=[f"tag {n}" for n in range(6)])
    assert errors_of(excinfo) == {"tags": "Use at most 5 tags."}


# --- editing, publishing, hiding ----------------------------------------------------------


def test_the_author_edits_their_story_and_it_is_validated_again(story, author):
    services.update_story(story=story, by=author, title="An afternoon", shift_hours=Decimal(2))
    story.refresh_from_db()
    assert (story.title, story.shift_hours) == ("An afternoon", Decimal(2))
    with pytest.raises(ValidationError) as excinfo:
        services.update_story(story=story, by=author, shift_hours=Decimal(0))
    assert set(errors_of(excinfo)) == {"shift_hours"}


def test_editing_someone_elses_story_is_forbidden(story, reader):
    with pytest.raises(PermissionDenied):
        services.update_story(story=story, by=reader, title="Mine now")
    assert not access.can_edit(reader, story)


def test_a_draft_is_published_by_its_author(author):
    draft = make_story(author, publish=False)
    with pytest.raises(PermissionDenied):
        services.publish_story(story=draft, by=make_user())
    published = services.publish_story(story=draft, by=author)
    assert published.status == Story.Status.PUBLISHED and published.published_at


def test_hr_hides_a_story_with_a_reason_and_it_is_audited(story, author, hr_user):
    with pytest.raises(PermissionDenied):
        services.hide_story(story=story, by=author, reason="Mine")
    with pytest.raises(ValidationError) as excinfo:
        services.hide_story(story=story, by=hr_user, reason=" ")
    assert errors_of(excinfo) == {"reason": "Say why the story is hidden: the author will see it."}
    hidden = services.hide_story(story=story, by=hr_user, reason="Names a customer in full.")
    assert hidden.status == Story.Status.HIDDEN and hidden.hidden_by == hr_user
    event = AuditEvent.objects.get(verb="story.hidden")
    assert event.actor == hr_user and event.data["reason"] == "Names a customer in full."
    with pytest.raises(ConflictError):
        services.update_story(story=hidden, by=author, title="Fixed")
    assert not access.can_edit(author, hidden)


def test_who_sees_which_story(author, reader, hr_user):
    published = make_story(author)
    draft = make_story(author, publish=False)
    hidden = services.hide_story(story=make_story(author), by=hr_user, reason="Off topic")
    assert set(access.visible_stories(author)) == {published, draft, hidden}
    assert set(access.visible_stories(reader)) == {published}
    assert set(access.visible_stories(hr_user)) == {published, hidden}
    for story in (published, draft, hidden):
        expected = story in access.visible_stories(reader)
        assert access.can_view(reader, story) is expected
    gone = make_user(is_active=False)
    assert not access.visible_stories(gone).exists()


def test_hr_hides_published_stories_only(author, hr_user):
    draft = make_story(author, publish=False)
    assert access.can_hide(hr_user, make_story(author))
    assert not access.can_hide(hr_user, draft)
    assert not access.can_hide(author, make_story(author))
    with pytest.raises(ConflictError):
        services.hide_story(story=draft, by=hr_user, reason="Not yet out")


# --- customer voice -----------------------------------------------------------------------


@pytest.fixture
def thanked(db):
    return make_user(full_name="Maria Santos", department=make_department("Counter"))


def test_a_customer_voice_story_copies_only_the_words_first_name_and_organisation(thanked, hr_user):
    thank_you = approved(
        thanked,
        by=hr_user,
        name="Ann Marie Customer",
        email="ann@customer.example",
        organisation="Acme Ltd",
        message="Maria sorted out my invoice in five minutes.",
    )
    story = services.create_customer_voice(thank_you=thank_you, by=thanked)
    assert story.kind == Kind.CUSTOMER_VOICE and story.is_published
    assert story.quote == "Maria sorted out my invoice in five minutes."
    assert (story.customer_first_name, story.customer_organisation) == ("Ann", "Acme Ltd")
    assert list(story.featured.all()) == [thanked]
    text = " ".join(str(value) for value in vars(story).values())
    assert "ann@customer.example" not in text and "Marie Customer" not in text


def test_a_customer_voice_story_needs_the_customers_consent(thanked, hr_user):
    thank_you = approved(thanked, by=hr_user, consent=False)
    with pytest.raises(ValidationError) as excinfo:
        services.create_customer_voice(thank_you=thank_you, by=hr_user)
    assert errors_of(excinfo) == {"thank_you": "The customer did not agree to share their words."}
    assert not Story.objects.exists()


def test_a_customer_voice_story_needs_an_approved_thank_you(thanked, hr_user):
    from tests.thanks.conftest import confirmed

    with pytest.raises(ValidationError) as excinfo:
        services.create_customer_voice(thank_you=confirmed(thanked), by=hr_user)
    assert errors_of(excinfo) == {"thank_you": "Only an approved thank-you can become a story."}


def test_only_hr_or_the_thanked_employee_share_a_thank_you(thanked, hr_user, reader):
    with pytest.raises(PermissionDenied):
        services.create_customer_voice(thank_you=approved(thanked, by=hr_user), by=reader)


def test_a_thank_you_becomes_one_story_only(thanked, hr_user):
    thank_you = approved(thanked, by=hr_user)
    first = services.create_customer_voice(thank_you=thank_you, by=hr_user)
    with pytest.raises(ConflictError) as excinfo:
        services.create_customer_voice(thank_you=thank_you, by=thanked)
    assert excinfo.value.extra == {"existing": first.pk}


# --- photos -------------------------------------------------------------------------------


def test_a_photo_is_re_encoded_with_a_thumbnail(story, author):
    image = services.add_image(story=story, by=author, upload=png(), alt_text="The counter")
    assert image.image.name.endswith(".webp") and image.thumbnail.name.endswith(".webp")
    assert (image.width, image.height, image.position) == (60, 40, 0)


def test_a_fifth_photo_is_refused(story, author):
    for _ in range(4):
        services.add_image(story=story, by=author, upload=png())
    with pytest.raises(ValidationError) as excinfo:
        services.add_image(story=story, by=author, upload=png())
    assert errors_of(excinfo) == {"image": "A story has at most 4 photos."}
    assert story.images.count() == 4


def test_a_file_that_is_not_an_image_is_refused(story, author):
    upload = SimpleUploadedFile("photo.png", b"%PDF-1.4 not a picture", content_type="image/png")
    with pytest.raises(ValidationError) as excinfo:
        services.add_image(story=story, by=author, upload=upload)
    assert errors_of(excinfo) == {
        "image": "This file is not an image we can read (JPEG, PNG or WebP)."
    }
    assert not story.images.exists()


def test_only_the_author_adds_photos(story, reader):
    with pytest.raises(PermissionDenied):
        services.add_image(story=story, by=reader, upload=png())


# --- reactions ----------------------------------------------------------------------------


def test_toggling_a_reaction_twice_returns_to_zero(story, reader):
    assert services.toggle_reaction(story=story, user=reader, kind="applause") == (True, 1)
    assert services.toggle_reaction(story=story, user=reader, kind="applause") == (False, 0)
    story.refresh_from_db()
    assert story.applause_count == 0 and not Reaction.objects.exists()


def test_each_kind_of_reaction_counts_once_per_person(story, reader, author):
    for kind in ("applause", "customer_love", "learned"):
        services.toggle_reaction(story=story, user=reader, kind=kind)
    services.toggle_reaction(story=story, user=author, kind="applause")
    story.refresh_from_db()
    assert (story.applause_count, story.customer_love_count, story.learned_count) == (2, 1, 1)


def test_setting_a_reaction_is_idempotent(story, reader):
    assert services.set_reaction(story=story, user=reader, kind="learned", on=True) == 1
    assert services.set_reaction(story=story, user=reader, kind="learned", on=True) == 1
    assert services.set_reaction(story=story, user=reader, kind="learned", on=False) == 0
    assert services.set_reaction(story=story, user=reader, kind="learned", on=False) == 0
    story.refresh_from_db()
    assert story.learned_count == 0


def test_an_unknown_reaction_kind_is_refused(story, reader):
    with pytest.raises(ValidationError) as excinfo:
        services.toggle_reaction(story=story, user=reader, kind="angry")
    assert errors_of(excinfo) == {"kind": "React with applause, customer love or learned."}


def test_drafts_take_no_reactions(author, reader):
    draft = make_story(author, publish=False)
    with pytest.raises(ConflictError):
        services.set_reaction(story=draft, user=reader, kind="applause", on=True)


# --- comments -----------------------------------------------------------------------------


def test_comments_are_counted_while_visible(story, author, reader, hr_user):
    first = services.add_comment(story=story, author=reader, body="Lovely work.")
    second = services.add_comment(story=story, author=author, body="Thanks!")
    third = services.add_comment(story=story, author=reader, body="Buy this man a coffee")
    assert first.body == "Lovely work."
    services.delete_comment(comment=second, by=author)
    services.hide_comment(comment=third, by=hr_user, reason="Off topic")
    story.refresh_from_db()
    assert story.comment_count == 1
    assert list(access.visible_comments(reader, story)) == [first]
    assert list(access.visible_comments(hr_user, story)) == [
        first,
        Comment.objects.get(pk=third.pk),
    ]


def test_drafts_take_no_comments(author, reader):
    with pytest.raises(ConflictError):
        services.add_comment(story=make_story(author, publish=False), author=reader, body="Hi")


def test_the_author_edits_a_comment_within_fifteen_minutes(story, reader):
    comment = services.add_comment(story=story, author=reader, body="Lovely wrok.")
    soon = comment.created_at + dt.timedelta(minutes=14)
    edited = services.edit_comment(comment=comment, by=reader, body="Lovely work.", now=soon)
    assert (edited.body, edited.edited_at) == ("Lovely work.", soon)


def test_editing_a_comment_after_fifteen_minutes_is_refused(story, reader):
    comment = services.add_comment(story=story, author=reader, body="Lovely work.")
    late = comment.created_at + dt.timedelta(minutes=15, seconds=1)
    with pytest.raises(ConflictError, match=r"Comments can be changed for 15 minutes\."):
        services.edit_comment(comment=comment, by=reader, body="Edited", now=late)
    with pytest.raises(ConflictError, match=r"Comments can be changed for 15 minutes\."):
        services.delete_comment(comment=comment, by=reader, now=late)


def test_nobody_edits_someone_elses_comment(story, reader, author):
    comment = services.add_comment(story=story, author=reader, body="Lovely work.")
    with pytest.raises(PermissionDenied):
        services.edit_comment(comment=comment, by=author, body="Edited")
    with pytest.raises(PermissionDenied):
        services.delete_comment(comment=comment, by=author)


def test_a_comment_may_be_changed_by_its_author_while_it_shows_for_fifteen_minutes(
    story, reader, author, hr_user
):
    comment = services.add_comment(story=story, author=reader, body="Lovely work.")
    window_end = comment.created_at + access.COMMENT_WINDOW
    assert access.can_change_comment(reader, comment, now=window_end)
    assert not access.can_change_comment(reader, comment, now=window_end + dt.timedelta(seconds=1))
    assert not access.can_change_comment(author, comment)
    hidden = services.hide_comment(comment=comment, by=hr_user, reason="Off topic")
    assert not access.can_change_comment(reader, hidden)
    with pytest.raises(ConflictError, match=r"This comment was removed\."):
        services.edit_comment(comment=hidden, by=reader, body="Edited")


def test_hr_hides_a_comment_with_a_reason_and_it_is_audited(story, reader, hr_user):
    comment = services.add_comment(story=story, author=reader, body="Rude words")
    with pytest.raises(PermissionDenied):
        services.hide_comment(comment=comment, by=reader, reason="Mine")
    with pytest.raises(ValidationError):
        services.hide_comment(comment=comment, by=hr_user, reason="")
    hidden = services.hide_comment(comment=comment, by=hr_user, reason="Not kind")
    assert (hidden.status, hidden.hidden_by) == (Comment.Status.HIDDEN, hr_user)
    assert AuditEvent.objects.get(verb="comment.hidden").data["reason"] == "Not kind"
    with pytest.raises(ConflictError):
        services.hide_comment(comment=comment, by=hr_user, reason="Twice")
    story.refresh_from_db()
    assert story.comment_count == 0
