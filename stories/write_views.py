"""Writing stories: new, edit (with photos), publish, my stories, HR hides, and a customer-voice
story from an approved thank-you.

Thin views: stories.access decides who may see (404 otherwise) and act (403 otherwise);
the forms parse, stories.services does the work and words the rules, and its errors land on
the form (core.forms.service_errors). A story and its photos are saved in one transaction: a
bad photo saves nothing, and the form comes back as typed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthedRequest
from accounts.models import User
from accounts.picker import colleague_ids, colleague_picker
from core.errors import ConflictError
from core.forms import service_errors
from core.markdown import render as render_markdown
from nominations.thanks.access import visible_thanks
from stories import access, services
from stories.forms import CustomerVoiceForm, HideForm, StoryForm, story_initial
from stories.models import KIND_FIELDS, MAX_PHOTOS, Story, StoryImage

FORM = "stories/form.html"
MINE_PAGE_SIZE = 20
# A service's field name → the form's, where they differ.
FIELD_NAMES = {"featured": "people"}


# --- helpers ----------------------------------------------------------------------------------


def _story(request: AuthedRequest, pk: int) -> Story:
    """The story if this user may see it; 404 otherwise (its existence stays secret)."""
    story = get_object_or_404(Story.objects.select_related("author", "department"), pk=pk)
    if not access.can_view(request.user, story):
        raise Http404
    return story


def _own_story(request: AuthedRequest, pk: int) -> Story:
    """The story if this user may edit it; someone else's story is 404."""
    story = _story(request, pk)
    if not access.can_edit(request.user, story):
        raise Http404
    return story


def _add_photos(form: StoryForm, story: Story, by: User) -> None:
    """Every chosen photo through services.add_image; all of their errors at once, each on
    its own slot (the caller's transaction then rolls back)."""
    errors: dict[str, list[str]] = {}
    for n, upload, alt_text in form.photos():
        try:
            services.add_image(story=story, by=by, upload=upload, alt_text=alt_text)
        except ValidationError as error:
            errors.setdefault(f"photo_{n}", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)


def _as_typed(data: QueryDict) -> dict:
    """The POST as a form's initial data: re-show it as typed, without validating it (Find and
    Preview show no errors)."""
    initial = data.dict()
    initial["people"] = data.getlist("people")
    initial["remove_photos"] = data.getlist("remove_photos")
    return initial


def _removing(form: StoryForm) -> set[int]:
    """The photos ticked for removal, to tick them again when the form comes back."""
    values = form.data.getlist("remove_photos") if form.is_bound else []
    values = values or form.initial.get("remove_photos", [])
    return set(colleague_ids(values))


def _render_form(
    request: AuthedRequest,
    form: StoryForm,
    *,
    story: Story | None = None,
    preview: str | None = None,
    selected: list[int] | None = None,
) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    images = list(story.images.order_by("position", "id")) if story else []
    featured = [p.pk for p in story.featured.all()] if story and selected is None else []
    q = data.get("q", "") if request.method == "POST" and "find" in data else ""
    context = {
        "form": form,
        "story": story,
        "images": images,
        "preview": preview,
        "photo_slots": form.photo_slots(MAX_PHOTOS - len(images)),
        "max_photos": MAX_PHOTOS,
        "removing": _removing(form),
        "picker": colleague_picker(
            field="people",
            q=q,
            selected=selected if selected is not None else featured,
            exclude=[request.user.pk],
        ),
        # A browser cannot keep chosen files across a re-shown form.
        "photos_dropped": bool(request.FILES),
    }
    if request.method == "POST" and "find" in data and q and "people" not in data:
        context["picker_message"] = "Tick the colleagues you mean in the list below."
    return render(request, FORM, context)


def _browsing(request: AuthedRequest) -> bool:
    """Find (the picker without JavaScript) and Preview re-show the form: nothing is saved."""
    return request.method == "POST" and ("find" in request.POST or "preview" in request.POST)


def _browse(
    request: AuthedRequest, *, story: Story | None = None, initial: dict | None = None
) -> HttpResponse:
    data = request.POST
    preview = None
    if "preview" in data:
        preview = render_markdown(data.get("body", "")[: StoryForm.base_fields["body"].max_length])
        if request.htmx:
            return render(request, FORM + "#preview", {"preview": preview})
    form = StoryForm(initial={**(initial or {}), **_as_typed(data)}, story=story)
    return _render_form(
        request, form, story=story, preview=preview, selected=colleague_ids(data.getlist("people"))
    )


# --- writing ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if _browsing(request):
        return _browse(request)
    kind = request.GET.get("kind", "")
    initial = {"department": user.department_id, "kind": kind if kind in KIND_FIELDS else ""}
    if request.method == "GET":
        return _render_form(request, StoryForm(initial=initial))
    form = StoryForm(request.POST, request.FILES, initial=initial)
    publish = request.POST.get("action") == "publish"
    if form.is_valid():
        with service_errors(form, rename=FIELD_NAMES), transaction.atomic():
            story = services.create_story(
                author=user, kind=form.chosen_kind, publish=publish, **form.story_data()
            )
            _add_photos(form, story, user)
            messages.success(
                request,
                "Your story is published: the whole company can read it."
                if publish
                else "Your story is saved as a draft: only you can see it until you publish it.",
            )
            return redirect("stories:detail", story.pk)
    return _render_form(request, form, selected=colleague_ids(request.POST.getlist("people")))


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    story = _story(request, pk)
    if not access.can_edit(request.user, story):
        if access.is_author(request.user, story):
            messages.error(request, "HR hid this story, so it can no longer be changed.")
            return redirect("stories:mine")
        raise Http404
    initial = story_initial(story)
    if _browsing(request):
        return _browse(request, story=story, initial=initial)
    if request.method == "GET":
        return _render_form(request, StoryForm(initial=initial, story=story), story=story)
    form = StoryForm(request.POST, request.FILES, initial=initial, story=story)
    publish = request.POST.get("action") == "publish"
    if form.is_valid():
        with service_errors(form, rename=FIELD_NAMES), transaction.atomic():
            services.update_story(story=story, by=request.user, **form.story_data())
            removed = set(form.cleaned_data["remove_photos"])
            for image in StoryImage.objects.filter(story=story, pk__in=removed):
                services.remove_image(image=image, by=request.user)
            _add_photos(form, story, request.user)
            if publish:
                services.publish_story(story=story, by=request.user)
            messages.success(
                request, "Your story is published." if publish else "Your story is saved."
            )
            return redirect("stories:detail", story.pk)
    return _render_form(
        request, form, story=story, selected=colleague_ids(request.POST.getlist("people"))
    )


@login_required
@require_POST
def publish(request: AuthedRequest, pk: int) -> HttpResponse:
    story = _own_story(request, pk)
    try:
        services.publish_story(story=story, by=request.user)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Your story is published: the whole company can read it.")
    return redirect("stories:detail", story.pk)


@login_required
@require_http_methods(["GET"])
def mine(request: AuthedRequest) -> HttpResponse:
    """My stories in every state: drafts to finish, and why HR hid any."""
    stories = (
        Story.objects.filter(author=request.user)
        .select_related("department")
        .order_by("-created_at", "-id")
    )
    page = Paginator(stories, MINE_PAGE_SIZE).get_page(request.GET.get("page"))
    for story in page:
        story.can_edit = access.can_edit(request.user, story)
    return render(request, "stories/mine.html", {"page": page})


# --- moderation -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def hide(request: AuthedRequest, pk: int) -> HttpResponse:
    story = _story(request, pk)
    if not access.can_moderate(request.user):
        raise PermissionDenied
    if not access.can_hide(request.user, story):
        messages.error(request, "Only a published story can be hidden.")
        return redirect("stories:detail", story.pk)
    form = HideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            try:
                services.hide_story(
                    story=story, by=request.user, reason=form.cleaned_data["reason"]
                )
            except ConflictError as error:  # hidden by someone else meanwhile
                messages.error(request, error.message)
                return redirect("stories:detail", story.pk)
            messages.success(
                request, "The story is hidden: it left the feed, and its author sees why."
            )
            return redirect("stories:detail", story.pk)
    return render(request, "stories/hide.html", {"story": story, "form": form})


# --- customer voice ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def from_thanks(request: AuthedRequest, pk: int) -> HttpResponse:
    """A preview of the story a thank-you becomes, exactly as it will read (the words, a first
    name, the organisation, a title to change); POST with "Publish" publishes it, any other
    POST ("Update the preview") shows the new title. Nothing is published before that.
    A thank-you already shared leads to its story."""
    thank_you = get_object_or_404(visible_thanks(request.user).select_related("employee"), pk=pk)
    existing = Story.objects.filter(thank_you=thank_you).only("pk").first()
    if existing is not None:
        messages.info(request, "This thank-you is already a story.")
        return redirect("stories:detail", existing.pk)
    can_share = access.can_share_thanks(request.user, thank_you)
    if request.method == "POST":
        form = CustomerVoiceForm(request.POST)
    else:
        form = CustomerVoiceForm(initial={"title": services.customer_voice_title(thank_you)})
    context = {"thank_you": thank_you, "can_share": can_share, "form": form, "refusal": ""}
    if request.method == "POST" and form.is_valid() and request.POST.get("action") == "publish":
        try:
            story = services.create_customer_voice(
                thank_you=thank_you, by=request.user, title=form.cleaned_data["title"]
            )
        except ValidationError as error:
            context["refusal"] = " ".join(error.messages)
        except PermissionDenied as error:
            context["refusal"] = str(error)
        except ConflictError as error:
            messages.info(request, error.message)
            if error.extra.get("existing"):
                return redirect("stories:detail", error.extra["existing"])
            context["refusal"] = error.message
        else:
            messages.success(request, "The customer's words are published as a story.")
            return redirect("stories:detail", story.pk)
    # The title the preview shows: as typed, else as proposed.
    valid = form.is_bound and form.is_valid()
    typed = form.cleaned_data["title"] if valid else form["title"].value()
    context["preview_title"] = typed or services.customer_voice_title(thank_you)
    return render(request, "stories/from_thanks.html", context)
