"""The moderation queue of customer thank-yous (HR: all of them; a manager: their direct
reports') and HR's console of helpdesk integrations.

Thin views: nominations/thanks/access.py decides who sees what (a thank-you outside your queue
is 404), the services decide every rule and word its errors, which land on the card they are
about. The card itself is written by nominations/thanks/cards.py, the one source of it on the
queue, the assign page and in htmx responses. htmx requests get the card back; without
JavaScript, POST/redirect/GET with a message.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthedRequest
from accounts.picker import colleague_ids, colleague_picker
from core.decorators import hr_required
from core.forms import service_errors
from nominations.models import Integration, ThankYou
from nominations.thanks import access, cards, integrations, services
from nominations.thanks.hr_forms import (
    PICKER_FIELD,
    ApproveSelectedForm,
    AssignForm,
    IntegrationEditForm,
    IntegrationForm,
    ModerateForm,
)

Status = ThankYou.Status
QUEUE = "thanks/queue.html"
QUEUE_PAGE_SIZE = 25
# The queue's tabs, in the order they are shown; the first is the default.
TABS = [
    (Status.CONFIRMED, "Waiting for you"),
    (Status.PENDING_CONFIRMATION, "Not confirmed by the customer yet"),
    (Status.APPROVED, "Approved"),
    (Status.REJECTED, "Rejected"),
]


# --- the moderation queue ---------------------------------------------------------------------


def _in_my_queue(request: AuthedRequest, pk: int) -> ThankYou:
    """The thank-you if it is in this user's queue; 404 otherwise (its existence stays secret)."""
    return get_object_or_404(access.moderation_queue(request.user).for_queue(), pk=pk)


@contextmanager
def _refusal_on(form: Form) -> Iterator[None]:
    """A refusal the page could not foresee (the thank-you left this moderator's hands a moment
    ago) shows on the card like any other error, rather than as a bare 403."""
    try:
        yield
    except PermissionDenied as error:
        form.add_error(None, str(error) or "You cannot do this.")


def _card(
    request: AuthedRequest, pk: int, *, result: str = "", form: Form | None = None
) -> HttpResponse:
    """One card, fresh from the database, with what just happened to it or what went wrong."""
    thank_you = get_object_or_404(ThankYou.objects.for_queue(), pk=pk)
    typed = {}
    if isinstance(form, ModerateForm) and form.errors:
        # The note as typed, with its errors next to it (a failed assignment leaves it empty).
        typed = {
            "note": form.data.get("note", ""),
            "note_errors": form.errors.get("note", []),
            "decision_errors": form.errors.get("decision", []),
        }
    reader = cards.Reader(request, controls=True)
    html = cards.card(thank_you, reader, result=result, errors=_errors_of(form), **typed)
    return HttpResponse(html)


def _errors_of(form: Form | None) -> list[str]:
    if form is None:
        return []
    return [message for messages_ in form.errors.values() for message in messages_]


def _back_to_queue(
    request: AuthedRequest, pk: int, *, result: str, form: Form | None
) -> HttpResponse:
    if result:
        messages.success(request, result)
    else:
        messages.error(request, " ".join(_errors_of(form)))
    return redirect(reverse("thanks:queue") + f"#thank-you-{pk}")


def _tabs(counts: dict[str, int]) -> list[dict]:
    return [{"status": s, "label": label, "count": counts[s]} for s, label in TABS]


@login_required
@require_GET
def queue(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not access.may_moderate_anything(user):
        raise PermissionDenied
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = Status.CONFIRMED
    mine = access.moderation_queue(user)
    # Counted on every request, never cached (ThankYouQuerySet.count_by_status says why).
    counts = mine.count_by_status()
    paginator = Paginator(mine.for_queue().filter(status=status), QUEUE_PAGE_SIZE)
    # The tab's count is the paginator's: no second count over the same thank-yous.
    paginator.count = counts[status]
    page = paginator.get_page(request.GET.get("page"))
    tabs = _tabs(counts)
    # "Select all" is a link (?select=all) that ticks every box: no JavaScript needed.
    select_all = request.GET.get("select") == "all"
    reader = cards.Reader(request, controls=True, select_all=select_all)
    context = {
        "page": page,
        "cards": [cards.card(thank_you, reader) for thank_you in page],
        "status": status,
        "tabs": tabs,
        "current": next(tab for tab in tabs if tab["status"] == status),
        "select_all": select_all,
        "approvable": status == Status.CONFIRMED
        and any(thank_you.employee_id for thank_you in page),
    }
    return render(request, QUEUE, context)


def _approved_message(approvals: list[services.Approval]) -> str:
    names = ", ".join(
        gettext("%(customer)s to %(employee)s")
        % {"customer": a.thank_you.customer_name, "employee": a.thank_you.employee.full_name}
        for a in approvals
    )
    return ngettext(
        "Approved %(count)d thank-you (%(names)s): we have let them know.",
        "Approved %(count)d thank-yous (%(names)s): we have let them know.",
        len(approvals),
    ) % {"count": len(approvals), "names": names}


@login_required
@require_POST
def approve_selected(request: AuthedRequest) -> HttpResponse:
    """The queue's "Approve selected": each ticked thank-you approved as its own Approve
    button would (services.approve_thanks); what could not be, said one by one."""
    if not access.may_moderate_anything(request.user):
        raise PermissionDenied
    form = ApproveSelectedForm(
        request.POST, queue=access.moderation_queue(request.user), most=QUEUE_PAGE_SIZE
    )
    if not form.is_valid():
        messages.error(request, " ".join(_errors_of(form)))
        return redirect(reverse("thanks:queue") + "?status=" + Status.CONFIRMED)
    approvals = services.approve_thanks(
        thank_yous=list(form.cleaned_data["selected"]), by=request.user
    )
    if done := [a for a in approvals if a.approved]:
        messages.success(request, _approved_message(done))
    for refused in (a for a in approvals if not a.approved):
        messages.error(
            request,
            gettext("Not approved: the thank-you from %(customer)s. %(reason)s")
            % {"customer": refused.thank_you.customer_name, "reason": refused.error},
        )
    return redirect(reverse("thanks:queue") + "?status=" + Status.CONFIRMED)


def _moderated_message(thank_you: ThankYou, decision: str) -> str:
    if decision == "reject":
        return (
            f"Rejected: {thank_you.customer_name}'s thank-you will not be passed on. "
            "HR keeps it on record with your note."
        )
    employee = thank_you.employee
    counts = (
        f"It counts for {thank_you.cycle}."
        if thank_you.cycle
        else "No award cycle is open, so it does not count for an award."
    )
    return f"Approved: we have let {employee.full_name} know. {counts}"


@login_required
@require_POST
def moderate(request: AuthedRequest, pk: int) -> HttpResponse:
    thank_you = _in_my_queue(request, pk)
    form = ModerateForm(request.POST)
    result = ""
    if form.is_valid():
        with service_errors(form), _refusal_on(form):
            thank_you = services.moderate_thanks(
                thank_you=thank_you, by=request.user, **form.cleaned_data
            )
            result = _moderated_message(thank_you, form.cleaned_data["decision"])
    if request.htmx:
        response = _card(request, pk, result=result, form=form)
        # The tabs' counts change with the decision (or with someone else's a moment ago):
        # fresh ones ride along, out of band, so the page needs no reload.
        counts = access.moderation_queue(request.user).count_by_status()
        response.write(render_to_string(QUEUE + "#tab_counts", {"tabs": _tabs(counts)}))
        return response
    return _back_to_queue(request, pk, result=result, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: AuthedRequest, pk: int) -> HttpResponse:
    """HR says who a thank-you is about: a page with the colleague picker (GET, and POST with
    Find to search without JavaScript), then POST assigns and goes back to the queue."""
    thank_you = _in_my_queue(request, pk)
    if not access.can_assign(request.user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    searching = data is not None and (
        "find" in data or (bool(data.get("q", "").strip()) and PICKER_FIELD not in data)
    )
    if searching or data is None:
        # Show the form as typed (or the search from the URL), without errors yet.
        form = AssignForm(initial=(data or request.GET).dict())
    else:
        form = AssignForm(data)
    if data is not None and not searching and form.is_valid():
        employee = form.cleaned_data[PICKER_FIELD]
        # The service says `employee`; on this form the picked colleague is PICKER_FIELD.
        with service_errors(form, rename={"employee": PICKER_FIELD}), _refusal_on(form):
            services.assign_employee(thank_you=thank_you, by=request.user, employee=employee)
            result = f"This thank-you is now about {employee.full_name}: you can approve it."
            if request.htmx:
                return _card(request, pk, result=result)
            return _back_to_queue(request, pk, result=result, form=None)
    if request.htmx and data is not None and not searching:
        return _card(request, pk, form=form)
    source = data if data is not None else request.GET
    picked = colleague_ids([source.get(PICKER_FIELD, "")])
    if not picked and thank_you.employee_id:
        picked = [thank_you.employee_id]
    context = {
        "thank_you": thank_you,
        "card": cards.card(thank_you, cards.Reader(request, controls=False)),
        "form": form,
        "picker": colleague_picker(field=PICKER_FIELD, q=source.get("q", ""), selected=picked),
    }
    if searching:
        context["picker_message"] = "Pick the colleague you mean from the list below."
    return render(request, "thanks/queue_assign.html", context)


# --- helpdesk integrations --------------------------------------------------------------------


def webhook_url(integration: Integration) -> str:
    return f"{settings.SITE_URL}/api/v1/integrations/{integration.slug}/feedback"


def _showing_secret(response: HttpResponse) -> HttpResponse:
    """A page with a secret on it: never kept by a browser or a proxy."""
    add_never_cache_headers(response)
    return response


@hr_required
@require_http_methods(["GET", "POST"])
def integrations_list(request: AuthedRequest) -> HttpResponse:
    form = IntegrationForm(request.POST or None)
    created, secret = None, ""
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            created, secret = integrations.create_integration(by=request.user, **form.cleaned_data)
            form = IntegrationForm()
    listing = list(Integration.objects.order_by("name", "id"))
    for integration in listing:
        integration.webhook_url = webhook_url(integration)
    context = {
        "integrations": listing,
        "form": form,
        "created": created,
        "secret": secret,
        "signature_header": integrations.SIGNATURE_HEADER,
    }
    if created is not None:
        context["webhook_url"] = webhook_url(created)
        return _showing_secret(render(request, "hr/integrations.html", context))
    return render(request, "hr/integrations.html", context)


def _detail(
    request: AuthedRequest, integration: Integration, form: Form, secret: str = ""
) -> HttpResponse:
    context = {
        "integration": integration,
        "form": form,
        "webhook_url": webhook_url(integration),
        "secret": secret,
        "signature_header": integrations.SIGNATURE_HEADER,
    }
    response = render(request, "hr/integrations_detail.html", context)
    return _showing_secret(response) if secret else response


def _edit_form(integration: Integration, data=None) -> IntegrationEditForm:
    initial = {
        "name": integration.name,
        "min_score_ratio": integration.min_score_ratio,
        "is_active": integration.is_active,
    }
    return IntegrationEditForm(data, initial=initial)


@hr_required
@require_http_methods(["GET", "POST"])
def integration_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(Integration, pk=pk)
    form = _edit_form(integration, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            integrations.update_integration(
                integration=integration, by=request.user, **form.cleaned_data
            )
            messages.success(request, f"{form.cleaned_data['name']} is saved.")
            return redirect("thanks:integration", pk=integration.pk)
    return _detail(request, integration, form)


@hr_required
@require_POST
def rotate_secret(request: AuthedRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(Integration, pk=pk)
    integration, secret = integrations.rotate_secret(integration=integration, by=request.user)
    return _detail(request, integration, _edit_form(integration), secret=secret)
