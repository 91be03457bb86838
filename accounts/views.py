from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access, directory_import, services, tokens
from accounts.directory_import import DirectoryImportError, ImportPreview, ImportRow
from accounts.forms import (
    DirectoryImportForm,
    DirectorySearchForm,
    ImportConfirmForm,
    ProfileForm,
)
from accounts.http import AuthedRequest
from accounts.models import User
from core.audit import AuditEvent
from core.decorators import hr_required
from core.errors import ConflictError
from core.forms import service_errors

DIRECTORY_PAGE_SIZE = 24
IMPORT_PREVIEW_ROWS = 1000


def _directory_page(request: AuthedRequest, *, include_inactive: bool = False):
    form = DirectorySearchForm(request.GET or None)
    people = User.objects.select_related("department").order_by("full_name", "id")
    if not include_inactive:
        people = people.filter(is_active=True)
    q = ""
    if form.is_valid():
        q = form.cleaned_data["q"]
        if q:
            people = people.search(q)
    page = Paginator(people, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return form, q, page


@dataclass(frozen=True)
class DirectoryPage:
    """One page of the people directory, read with a single query whatever the size of the
    company: the page's people plus one more, which only says whether a next page exists.
    There is no COUNT: with a search it scans every person again (as costly as the page
    itself), so the total is known only on the last page, where it is exact."""

    number: int
    object_list: list[User]
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * DIRECTORY_PAGE_SIZE + 1

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.object_list) - 1

    @property
    def total(self) -> int | None:
        """How many people there are in all, when this page shows the last of them."""
        if self.has_next or (self.has_previous and not self.object_list):
            return None
        return self.end_index


def _page_number(value: str | None) -> int:
    # Junk, zero or an absurd number is the first page, never an error (nor an OFFSET that
    # overflows the database's integers).
    if value and value.isascii() and value.isdigit() and len(value) <= 5:
        return max(1, int(value))
    return 1


def _directory_people(request: AuthedRequest) -> tuple[DirectorySearchForm, str, DirectoryPage]:
    form = DirectorySearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    people = User.objects.for_directory()
    if q:
        people = people.search(q)
    number = _page_number(request.GET.get("page"))
    start = (number - 1) * DIRECTORY_PAGE_SIZE
    found = list(people[start : start + DIRECTORY_PAGE_SIZE + 1])
    page = DirectoryPage(
        number=number,
        object_list=found[:DIRECTORY_PAGE_SIZE],
        has_next=len(found) > DIRECTORY_PAGE_SIZE,
    )
    return form, q, page


@login_required
@require_http_methods(["GET"])
def directory(request: AuthedRequest) -> HttpResponse:
    form, q, page = _directory_people(request)
    template = "accounts/directory.html"
    if request.htmx and request.htmx.target == "directory-results":
        template += "#results"
    return render(request, template, {"form": form, "q": q, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def edit_profile(request: AuthedRequest) -> HttpResponse:
    person = request.user
    form = ProfileForm(request.POST or None, request.FILES or None, instance=person)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            services.update_profile(
                person=person,
                by=request.user,
                full_name=form.cleaned_data["full_name"],
                preferred_name=form.cleaned_data["preferred_name"],
                job_title=form.cleaned_data["job_title"],
                avatar=form.cleaned_data["avatar_upload"],
                remove_avatar=form.cleaned_data["remove_avatar"],
            )
            messages.success(request, "Your profile is saved.")
            return redirect(person)
    return render(request, "accounts/edit_profile.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET"])
def api_tokens(request: AuthedRequest) -> HttpResponse:
    return render(
        request, "accounts/api_tokens.html", {"tokens": list(tokens.tokens_of(request.user))}
    )


@login_required
@require_http_methods(["GET", "POST"])
def revoke_api_token(request: AuthedRequest, digest: str) -> HttpResponse:
    """GET asks for confirmation (works without JavaScript); POST revokes."""
    # Only one's own tokens: anyone else's is a 404, like one that does not exist.
    token = get_object_or_404(tokens.tokens_of(request.user), digest=digest)
    if request.method == "GET":
        return render(request, "accounts/revoke_api_token.html", {"token": token})
    services.revoke_api_token(token=token, by=request.user)
    # The message takes the focus (base.html): the button pressed is gone from the page.
    messages.success(
        request,
        _("The token starting with %(start)s is revoked: it no longer works.")
        % {"start": token.token_key[:8]},
        extra_tags="focus",
    )
    return redirect("accounts:api_tokens")


@hr_required
@require_http_methods(["GET"])
def hr_people(request: AuthedRequest) -> HttpResponse:
    form, q, page = _directory_page(request, include_inactive=True)
    page.object_list = list(page.object_list)
    for person in page.object_list:
        person.invitable = access.can_invite(person)
    template = "hr/people.html"
    if request.htmx and request.htmx.target == "people-results":
        template += "#results"
    return render(request, template, {"form": form, "q": q, "page": page})


@hr_required
@require_POST
def hr_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    if not access.can_deactivate(request.user, person):
        messages.error(request, "You cannot deactivate your own account.")
    else:
        services.deactivate(person=person, by=request.user)
        messages.success(
            request, f"{person} is deactivated: their sessions and API tokens are revoked."
        )
    return redirect("accounts:hr_people")


@hr_required
@require_POST
def hr_invite(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    try:
        services.invite(person=person, by=request.user)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s is invited: we e-mailed them how to sign in.") % {"name": person},
        )
    return redirect("accounts:hr_people")


@hr_required
@require_POST
def hr_reactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    services.reactivate(person=person, by=request.user)
    messages.success(request, f"{person} is active again.")
    return redirect("accounts:hr_people")


@hr_required
def hr_audit(request: AuthedRequest) -> HttpResponse:
    events = AuditEvent.objects.for_log()
    verb = request.GET.get("verb", "").replace("\x00", "").strip()  # PostgreSQL refuses NUL
    if verb:
        events = events.filter(verb__startswith=verb)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "hr/audit.html", {"page": page, "verb": verb})


@hr_required
@require_http_methods(["GET", "POST"])
def hr_import(request: AuthedRequest) -> HttpResponse:
    """Directory import in two steps: upload → preview (nothing written) → apply."""
    form = DirectoryImportForm()
    preview: ImportPreview | None = None
    confirm_form: ImportConfirmForm | None = None
    if request.method == "POST" and "payload" in request.POST:
        confirm = ImportConfirmForm(request.POST, user=request.user)
        if not confirm.is_valid():
            messages.error(request, " ".join(confirm.errors.get("payload", [])))
        else:
            try:
                result = directory_import.apply_import(
                    csv_bytes=confirm.cleaned_data["payload"], by=request.user
                )
            except DirectoryImportError as error:
                # The directory changed between the preview and now: show what is wrong.
                preview = error.preview
                messages.error(
                    request,
                    "The directory changed since the preview and the file no longer fits it. "
                    "Nothing was imported.",
                )
            except IntegrityError:
                messages.error(
                    request,
                    "Someone changed the directory at the same moment. Nothing was imported: "
                    "preview the file again.",
                )
            else:
                messages.success(request, _import_done_message(result))
                return redirect("accounts:hr_people")
    elif request.method == "POST":
        form = DirectoryImportForm(request.POST, request.FILES)
        if form.is_valid():
            csv_bytes = form.cleaned_data["file"]
            preview = directory_import.preview_import(csv_bytes=csv_bytes)
            if preview.file_errors:
                for message in preview.file_errors:
                    form.add_error("file", message)
                preview = None
            elif preview.is_valid:
                confirm_form = ImportConfirmForm.for_file(csv_bytes=csv_bytes, user=request.user)
            else:
                form.add_error("file", preview.summary)
    listed_rows, rows_not_listed = _rows_to_list(preview)
    return render(
        request,
        "hr/import.html",
        {
            "form": form,
            "preview": preview,
            "listed_rows": listed_rows,
            "rows_not_listed": rows_not_listed,
            "confirm_form": confirm_form,
            "columns": directory_import.COLUMNS,
        },
    )


def _rows_to_list(preview: ImportPreview | None) -> tuple[list[ImportRow], int]:
    """The rows worth reading — problems, warnings and changes; people already up to date are
    only counted — and how many of them did not fit (problems are listed first)."""
    if preview is None:
        return [], 0
    rows = [r for r in preview.rows if r.errors or r.warnings or r.action != "unchanged"]
    if len(rows) <= IMPORT_PREVIEW_ROWS:
        return rows, 0
    shown = sorted(rows, key=lambda r: (not r.errors, r.line))[:IMPORT_PREVIEW_ROWS]
    return sorted(shown, key=lambda r: r.line), len(rows) - len(shown)


def _import_done_message(result: directory_import.ImportResult) -> str:
    text = (
        f"Directory imported: {result.created} added, {result.updated} updated, "
        f"{result.unchanged} already up to date."
    )
    if result.departments_created:
        text += f" New departments: {', '.join(result.departments_created)}."
    return text
