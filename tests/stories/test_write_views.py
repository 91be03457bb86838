"""Writing stories on the web: new, preview, edit with photos, publish, hide, my stories, a
customer-voice story from a thank-you, and a person's stories on their profile."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.audit import AuditEvent
from stories import services
from stories.models import Story
from tests.conftest import make_department, make_user
from tests.stories.conftest import make_story, png
from tests.thanks.conftest import approved

pytestmark = pytest.mark.django_db

NEW = reverse("stories:new")
MINE = reverse("stories:mine")


def detail(story: Story) -> str:
    return reverse("stories:detail", args=[story.pk])


def edit(story: Story) -> str:
    return reverse("stories:edit", args=[story.pk])


def hide(story: Story) -> str:
    return reverse("stories:hide", args=[story.pk])


def from_thanks(thank_you) -> str:
    return reverse("stories:from_thanks", args=[thank_you.pk])


def profile(person) -> str:
    return reverse("home:profile", args=[person.pk])


def improvement(**overrides) -> dict:
    data = {
        "kind": "improvement",
        "title": "Call-backs instead of queues",
        "body": "We listened to **the queue**.",
        "plan": "“I wait twenty minutes every time I call.”",
        "do": "A call-back button on the phone line.",
        "check_metric": "Average wait",
        "check_before": "20",
        "check_after": "4.5",
        "check_unit": "minutes",
        "check_higher_is_better": "false",
        "act": "Every line offers call-backs now.",
        "tags": "phone, call-backs",
        "action": "publish",
    }
    return {**data, **overrides}


def front_line(**overrides) -> dict:
    data = {
        "kind": "front_line",
        "title": "A morning at the Lyon counter",
        "shift_date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "shift_hours": "3.5",
        "heard": "Three people could not find the invoice page.",
        "action": "publish",
    }
    return {**data, **overrides}


def not_an_image() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.png", b"just some text, not pixels", content_type="image/png")


def with_photos(story: Story, count: int) -> Story:
    for _ in range(count):
        services.add_image(story=story, by=story.author, upload=png())
    return story


# --- writing ----------------------------------------------------------------------------------


def test_an_improvement_story_with_a_before_after_and_a_photo_is_published(login, author):
    response = login(author).post(NEW, improvement(photo_1=png(), alt_1="The new call-back button"))
    story = Story.objects.get()
    assert response.status_code == 302
    assert response.url == detail(story)
    assert story.status == Story.Status.PUBLISHED
    assert story.author == author
    assert (story.check_before, story.check_after) == (Decimal(20), Decimal("4.5"))
    assert story.check_higher_is_better is False
    assert story.shows_improvement is True
    assert sorted(story.tags.values_list("slug", flat=True)) == ["call-backs", "phone"]
    assert list(story.images.values_list("alt_text", flat=True)) == ["The new call-back button"]


def test_a_front_line_story_ignores_the_improvement_fields(login, author):
    login(author).post(NEW, front_line(plan="Left over from the other kind", check_before="x"))
    story = Story.objects.get()
    assert story.kind == Story.Kind.FRONT_LINE
    assert story.shift_hours == Decimal("3.5")
    assert story.plan == ""
    assert story.check_before is None


def test_the_department_defaults_to_the_authors(login):
    author = make_user(department=make_department("Billing"))
    login(author).get(NEW)
    login(author).post(NEW, front_line(department=""))
    assert Story.objects.get().department.name == "Billing"


def test_featured_colleagues_come_from_the_picker(login, author, reader):
    login(author).post(NEW, front_line(people=[str(reader.pk)]))
    assert list(Story.objects.get().featured.all()) == [reader]


def test_saving_as_a_draft_keeps_the_story_out_of_the_feed(login, author):
    response = login(author).post(NEW, improvement(action="draft"))
    story = Story.objects.get()
    assert response.url == detail(story)
    assert story.status == Story.Status.DRAFT
    assert not Story.objects.for_feed().exists()


def test_preview_renders_the_markdown_without_saving(login, author):
    response = login(author).post(NEW, improvement(preview="1", body="Some **bold** words"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "<strong>bold</strong>" in content
    assert 'value="Call-backs instead of queues"' in content  # the form as typed
    assert not Story.objects.exists()


def test_preview_for_htmx_is_only_the_preview(login, author):
    response = login(author).post(
        NEW, improvement(preview="1", body="# Hi\n<script>x()</script>"), HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert "<h3>Hi</h3>" in content
    assert "<script>" not in content
    assert "<form" not in content
    assert not Story.objects.exists()


def test_a_before_that_is_not_a_number_is_an_error_next_to_the_field(login, author):
    response = login(author).post(NEW, improvement(check_before="twenty", photo_1=png()))
    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].errors["check_before"] == ["Enter a number."]
    assert 'id="id_check_before_error"' in content
    assert 'value="twenty"' in content and 'value="Call-backs instead of queues"' in content
    assert "choose your photos again" in content
    assert not Story.objects.exists()


@pytest.mark.parametrize("hours", ["0", "-1", "12.5"])
def test_front_line_hours_must_be_more_than_0_and_at_most_12(login, author, hours):
    response = login(author).post(NEW, front_line(shift_hours=hours))
    assert "at most 12" in response.context["form"].errors["shift_hours"][0]
    assert not Story.objects.exists()


def test_no_kind_chosen_is_an_error_next_to_the_choice(login, author):
    response = login(author).post(NEW, improvement(kind=""))
    assert response.context["form"].errors["kind"]
    assert 'id="id_kind_error"' in response.content.decode()
    assert not Story.objects.exists()


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(login, author):
    response = login(author).post(
        NEW, improvement(photo_1=png(), photo_2=not_an_image(), alt_2="Broken")
    )
    form = response.context["form"]
    assert response.status_code == 200
    assert "not an image" in form.errors["photo_2"][0]
    assert "photo_1" not in form.errors
    assert 'value="Broken"' in response.content.decode()
    assert not Story.objects.exists()


def test_a_fifth_photo_is_refused(login, author):
    story = with_photos(make_story(author), 4)
    data = front_line(title="Still four photos", photo_1=png(), action="save")
    response = login(author).post(edit(story), data)
    assert response.status_code == 200
    assert response.context["form"].errors["photo_1"] == ["A story has at most 4 photos."]
    story.refresh_from_db()
    assert story.images.count() == 4
    assert story.title != "Still four photos"  # nothing of the edit is saved


def test_removing_a_photo_makes_room_for_another(login, author):
    story = with_photos(make_story(author), 4)
    first = story.images.first()
    data = front_line(remove_photos=[str(first.pk)], photo_1=png(), alt_1="New", action="save")
    response = login(author).post(edit(story), data)
    assert response.status_code == 302
    assert story.images.count() == 4
    assert not story.images.filter(pk=first.pk).exists()
    assert list(story.images.values_list("position", flat=True)) == [0, 1, 2, 3]


# --- editing and publishing -------------------------------------------------------------------


def test_the_author_edits_their_story(login, author):
    story = make_story(author)
    response = login(author).get(edit(story))
    assert 'value="A morning at the Lyon counter"' in response.content.decode()
    response = login(author).post(edit(story), front_line(title="An afternoon", action="save"))
    assert response.url == detail(story)
    story.refresh_from_db()
    assert story.title == "An afternoon"


def test_the_author_publishes_a_draft_from_the_edit_form(login, author):
    story = make_story(author, publish=False)
    login(author).post(edit(story), front_line(action="publish"))
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED


def test_the_author_publishes_a_draft(login, author):
    story = make_story(author, publish=False)
    response = login(author).post(reverse("stories:publish", args=[story.pk]))
    assert response.url == detail(story)
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED


@pytest.mark.parametrize("published", [True, False])
def test_editing_someone_elses_story_is_404(login, author, reader, published):
    story = make_story(author, publish=published)
    client = login(reader)
    assert client.get(edit(story)).status_code == 404
    assert client.post(edit(story), front_line(title="Mine now")).status_code == 404
    assert client.post(reverse("stories:publish", args=[story.pk])).status_code == 404
    story.refresh_from_db()
    assert story.title == "A morning at the Lyon counter"


# --- hiding -----------------------------------------------------------------------------------


def test_hr_hides_a_story_with_a_reason_and_it_is_audited(login, story, hr_user):
    client = login(hr_user)
    assert client.get(hide(story)).status_code == 200
    response = client.post(hide(story), {"reason": "Names a customer in full."})
    assert response.url == detail(story)
    story.refresh_from_db()
    assert story.status == Story.Status.HIDDEN
    assert story.hidden_reason == "Names a customer in full."
    assert not Story.objects.for_feed().filter(pk=story.pk).exists()
    event = AuditEvent.objects.get(verb="story.hidden")
    assert (event.actor, event.target_id) == (hr_user, str(story.pk))


def test_hiding_needs_a_reason(login, story, hr_user):
    response = login(hr_user).post(hide(story), {"reason": "  "})
    assert response.context["form"].errors["reason"]
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED


def test_an_employee_cannot_hide_a_story(login, story, reader):
    assert login(reader).get(hide(story)).status_code == 403
    assert login(reader).post(hide(story), {"reason": "I do not like it"}).status_code == 403
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED


def test_hiding_a_draft_someone_else_wrote_is_404_even_for_hr(login, author, hr_user):
    assert login(hr_user).get(hide(make_story(author, publish=False))).status_code == 404


def test_my_stories_lists_drafts_and_hidden_ones_with_the_reason(login, author, hr_user):
    draft = make_story(author, title="Half written", publish=False)
    hidden = make_story(author, title="Too much")
    services.hide_story(story=hidden, by=hr_user, reason="It names a customer.")
    make_story(title="Someone else's")
    content = login(author).get(MINE).content.decode()
    assert "Half written" in content and reverse("stories:publish", args=[draft.pk]) in content
    assert "Too much" in content and "It names a customer." in content
    assert "Someone else&#x27;s" not in content and "Someone else's" not in content


def test_a_hidden_story_cannot_be_edited_by_its_author(login, author, hr_user):
    story = make_story(author)
    services.hide_story(story=story, by=hr_user, reason="It names a customer.")
    response = login(author).get(edit(story))
    assert response.url == MINE


# --- customer voice ---------------------------------------------------------------------------


# What the preview's Publish button sends (its title field as proposed, or as changed).
PUBLISH = {"title": "Ann thanks us", "action": "publish"}


def shared_thanks(employee, hr_user, **kwargs):
    kwargs.setdefault("name", "Ann Lebrun")
    kwargs.setdefault("email", "ann.lebrun@customer.example")
    kwargs.setdefault("organisation", "Acme Lyon")
    return approved(employee, by=hr_user, **kwargs)


def test_the_confirmation_shows_what_will_be_published(login, employee, hr_user):
    thank_you = shared_thanks(employee, hr_user)
    content = login(employee).get(from_thanks(thank_you)).content.decode()
    assert thank_you.message in content
    assert "Ann, Acme Lyon" in content
    assert "Lebrun" not in content and "ann.lebrun@customer.example" not in content
    assert not Story.objects.exists()


def test_the_thanked_employee_shares_a_consented_thank_you(login, employee, hr_user):
    thank_you = shared_thanks(employee, hr_user)
    response = login(employee).post(from_thanks(thank_you), PUBLISH)
    story = Story.objects.get()
    assert response.url == detail(story)
    assert story.kind == Story.Kind.CUSTOMER_VOICE
    assert story.status == Story.Status.PUBLISHED
    assert story.quote == thank_you.message
    assert (story.customer_first_name, story.customer_organisation) == ("Ann", "Acme Lyon")
    assert list(story.featured.all()) == [employee]
    stored = " ".join(
        str(value) for value in Story.objects.filter(pk=story.pk).values().get().values()
    )
    assert "Lebrun" not in stored and "ann.lebrun@customer.example" not in stored


def test_a_thank_you_without_consent_is_refused_with_the_reason(login, employee, hr_user):
    thank_you = shared_thanks(employee, hr_user, consent=False)
    response = login(employee).post(from_thanks(thank_you), PUBLISH)
    assert response.status_code == 200
    assert "The customer did not agree to share their words." in response.content.decode()
    assert not Story.objects.exists()


def test_sharing_a_thank_you_twice_leads_to_the_same_story(login, employee, hr_user):
    thank_you = shared_thanks(employee, hr_user)
    client = login(employee)
    client.post(from_thanks(thank_you), PUBLISH)
    story = Story.objects.get()
    assert client.post(from_thanks(thank_you), PUBLISH).url == detail(story)
    assert client.get(from_thanks(thank_you)).url == detail(story)
    assert Story.objects.count() == 1


def test_a_thank_you_you_may_not_see_is_404(login, employee, hr_user, reader):
    thank_you = shared_thanks(employee, hr_user)
    assert login(reader).get(from_thanks(thank_you)).status_code == 404
    assert login(reader).post(from_thanks(thank_you), PUBLISH).status_code == 404
    assert not Story.objects.exists()


def test_the_wall_offers_to_share_then_links_to_the_story(login, employee, hr_user):
    thank_you = shared_thanks(employee, hr_user)
    client = login(employee)
    content = client.get(profile(employee)).content.decode()
    assert "Share as a story" in content and from_thanks(thank_you) in content
    client.post(from_thanks(thank_you), PUBLISH)
    content = client.get(profile(employee)).content.decode()
    assert "Share as a story" not in content
    assert f'href="{detail(Story.objects.get())}"' in content


def test_the_wall_offers_nothing_without_consent(login, employee, hr_user):
    shared_thanks(employee, hr_user, consent=False)
    assert "Share as a story" not in login(employee).get(profile(employee)).content.decode()


# --- the profile ------------------------------------------------------------------------------


def test_the_profile_lists_the_persons_published_stories(login, author, reader):
    written = make_story(author, title="Written by Alex")
    featured = make_story(reader, title="Featuring Alex", featured=[author])
    make_story(author, title="A draft of Alex", publish=False)
    make_story(reader, title="Nothing to do with Alex")
    response = login(reader).get(profile(author))
    assert response.context["stories"] == [featured, written]
    content = response.content.decode()
    assert "Stories by and about" in content
    assert "A draft of Alex" not in content and "Nothing to do with Alex" not in content


def test_the_profile_shows_the_newest_six_stories(login, author, reader):
    for n in range(8):
        make_story(author, title=f"Story {n}")
    assert len(login(reader).get(profile(author)).context["stories"]) == 6


def test_the_profile_needs_the_same_queries_whatever_the_stories(
    login, author, reader, employee, hr_user, django_assert_num_queries
):
    def add_stories():
        story = make_story(author, featured=[reader, employee], tags=["phone", "lyon"])
        with_photos(story, 2)
        shared_thanks(
            author,
            hr_user,
            email=f"customer{story.pk}@customer.example",
            message=f"Thank you so much, number {story.pk}.",
        )

    add_stories()
    client = login(author)
    client.get(profile(author))  # the first request of a session writes to it
    with CaptureQueriesContext(connection) as small:
        client.get(profile(author))
    for _ in range(7):
        add_stories()
    with django_assert_num_queries(len(small)):
        response = client.get(profile(author))
    assert len(response.context["stories"]) == 6
