"""Nomination pages: nominate, read, evidence and its verification, endorsements, invitations.

Every view is thin: `access` decides who may see (404 otherwise) and act (403 otherwise), the
services do the work and word the rules; their ValidationErrors land on the form fields.
htmx requests get the named partial that they swap.
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthedRequest
from accounts.models import User
from accounts.picker import colleague_ids, colleague_picker
from awards.models import AwardCycle
from core.errors import ConflictError
from core.forms import service_errors
from core.markdown import render as render_markdown
from nominations import access, services
from nominations.forms import (
    EndorseForm,
    EvidenceForm,
    InviteForm,
    NominationEditForm,
    NominationForm,
    VerifyForm,
)
from nominations.models import MAX_EVIDENCE, Endorsement, Evidence, Nomination

Kind = Evidence.Kind
MINE_LIMIT = 50
DETAIL = "nominations/detail.html"
PICKER_FIELDS = ("nominee", "people")


# --- helpers ----------------------------------------------------------------------------------


def _visible(request: AuthedRequest, pk: int) -> Nomination:
    """The nomination if this user may see it; 404 otherwise (its existence stays secret)."""
    nominations = access.visible_nominations(request.user).select_related(
        "cycle", "nominee__department", "nominator", "category"
    )
    return get_object_or_404(nominations, pk=pk)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _redirect_to(nomination: Nomination, anchor: str = "") -> HttpResponse:
    return redirect(nomination.get_absolute_url() + (f"#{anchor}" if anchor else ""))


# --- nominating -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new(request: AuthedRequest) -> HttpResponse:
    user = request.user
    cycle = services.open_cycle()
    context: dict = {"cycle": cycle, "preview": None}
    if cycle is None:
        context["current"] = AwardCycle.objects.current()
        return render(request, "nominations/form.html", context)
    data = request.POST if request.method == "POST" else None
    searching = data is not None and ("find" in data or "preview" in data)
    if searching:
        # Search or preview without JavaScript: show the form again as typed, without errors.
        form = NominationForm(initial=data.dict())
        if "preview" in data:
            context["preview"] = render_markdown(data.get("story", "")[:5000])
    else:
        form = NominationForm(data)
    if data is not None and not searching and form.is_valid():
        with service_errors(form):
            try:
                nomination = services.nominate(nominator=user, cycle=cycle, **form.service_data())
            except ConflictError as error:
                if "url" not in error.extra:
                    raise
                # A second nomination of the same person: next to the nominee, with a link.
                form.add_error("nominee", error.message)
                context["duplicate_url"] = error.extra["url"]
            else:
                messages.success(
                    request,
                    f"Your nomination of {nomination.nominee} is in. Now make it count: add "
                    "evidence (the customer's own words and measured improvements weigh most) "
                    "and invite colleagues who saw it to endorse it.",
                )
                return redirect(nomination)
    source = data if data is not None else request.GET
    q = source.get("q", "").strip()
    picked = colleague_ids([source.get("nominee", "")])
    if data is not None and not picked and q:
        message = "Pick the colleague you mean from the list below."
        if searching:
            context["picker_message"] = message
        elif "nominee" in form.errors:
            form.errors["nominee"] = form.error_class([message])
    context["form"] = form
    context["picker"] = colleague_picker(field="nominee", q=q, selected=picked, exclude=[user.pk])
    return render(request, "nominations/form.html", context)


@login_required
@require_GET
def nominee_search(request: AuthedRequest) -> HttpResponse:
    """The matches of a colleague picker, as radio buttons (`nominee`) or check boxes
    (`people`, inviting endorsers: never the nominee nor yourself)."""
    field = request.GET.get("field", "nominee")
    if field not in PICKER_FIELDS:
        field = "nominee"
    exclude = {request.user.pk}
    nomination_id = colleague_ids([request.GET.get("nomination", "")])
    if field == "people" and nomination_id:
        nomination = (
            access.visible_nominations(request.user)
            .filter(pk=nomination_id[0])
            .values("nominee_id", "nominator_id")
            .first()
        )
        if nomination:
            exclude |= {nomination["nominee_id"], nomination["nominator_id"]}
    picker = colleague_picker(
        field=field,
        q=request.GET.get("q", ""),
        selected=colleague_ids(request.GET.getlist(field)),
        exclude=exclude,
    )
    return render(request, "nominations/people_picker.html#results", {"picker": picker})


@login_required
@require_POST
def preview(request: AuthedRequest) -> HttpResponse:
    """The story as it will read: markdown through the same renderer as the page."""
    text = request.POST.get("story", "")[:5000]
    return render(request, "nominations/form.html#preview", {"preview": render_markdown(text)})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    nomination = _visible(request, pk)
    _require(access.may_edit(request.user, nomination))
    if not access.is_open(nomination):
        # The nominator is told why (a conflict), not that the page is not theirs.
        context = {
            "nomination": nomination,
            "reason": services.closed_reason(nomination, _("edit it")),
            "cycle_closed": nomination.cycle.status != AwardCycle.Status.OPEN,
        }
        return render(request, "nominations/closed.html", context, status=409)
    initial = {
        "category": nomination.category_id,
        "headline": nomination.headline,
        "story": nomination.story,
        "customer_impact": nomination.customer_impact,
    }
    context: dict = {"nomination": nomination, "cycle": nomination.cycle, "preview": None}
    if request.method == "POST" and "preview" in request.POST:
        form = NominationEditForm(initial=request.POST.dict())
        context["preview"] = render_markdown(request.POST.get("story", "")[:5000])
    else:
        form = NominationEditForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            with service_errors(form):
                services.update_nomination(
                    nomination=nomination, by=request.user, **form.cleaned_data
                )
                messages.success(request, "Your nomination is updated.")
                return redirect(nomination)
    context["form"] = form
    return render(request, "nominations/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    """The nominator or HR (access.can_withdraw): GET asks for confirmation (works without
    JavaScript), POST withdraws. Once it cannot be withdrawn any more, the page is a 403."""
    nomination = _visible(request, pk)
    _require(_can_withdraw_now(request.user, nomination))
    yours = nomination.nominator_id == request.user.pk
    if request.method == "GET":
        context = {"nomination": nomination, "yours": yours}
        return render(request, "nominations/withdraw.html", context)
    try:
        services.withdraw(nomination=nomination, by=request.user)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        if yours:
            messages.success(request, "Your nomination is withdrawn: it no longer counts.")
        else:
            messages.success(request, _("The nomination is withdrawn: it no longer counts."))
    return redirect(nomination)


def _can_withdraw_now(user: User, nomination: Nomination) -> bool:
    """Whether the page offers to withdraw it: who may (access) and whether it still can."""
    return access.can_withdraw(user, nomination) and access.is_open(nomination)


# --- reading ----------------------------------------------------------------------------------


def _detail_context(
    request: AuthedRequest,
    nomination: Nomination,
    *,
    evidence_form: EvidenceForm | None = None,
    verify: tuple[int, VerifyForm] | None = None,
    endorse_form: EndorseForm | None = None,
    invite_form: InviteForm | None = None,
    invite_search: tuple[str, list[int]] = ("", []),
) -> dict:
    user = request.user
    can_verify = access.can_verify(user, nomination)
    evidence = list(access.evidence_for(nomination))
    for item in evidence:
        if can_verify:
            item.verify_form = (
                verify[1]
                if verify and verify[0] == item.pk
                else VerifyForm(auto_id=f"id_ev{item.pk}_%s")
            )
    endorsements = list(nomination.endorsements.select_related("author__department"))
    my_endorsement = next((e for e in endorsements if e.author_id == user.pk), None)
    can_edit = access.can_edit(user, nomination)
    can_add = access.can_add_evidence(user, nomination)
    context = {
        "nomination": nomination,
        "cycle": nomination.cycle,
        "show_nominator": access.can_see_nominator(user, nomination),
        "can_edit": can_edit,
        "can_withdraw": _can_withdraw_now(user, nomination),
        "can_add_evidence": can_add,
        "can_verify": can_verify,
        "can_endorse": my_endorsement is None and access.can_endorse(user, nomination),
        "show_points": access.can_see_evidence_points(user, nomination),
        "evidence": evidence,
        "evidence_total": sum((e.points for e in evidence), start=Decimal(0)),
        "evidence_full": len(evidence) >= MAX_EVIDENCE,
        "max_evidence": MAX_EVIDENCE,
        "endorsements": endorsements,
        "my_endorsement": my_endorsement,
        "is_open": access.is_open(nomination),
    }
    if context["show_points"]:
        # The legend of "How evidence counts", from the tables the points are counted with.
        context["points_legend"] = {
            "kinds": [(k, Kind(k).label, points) for k, points in Evidence.BASE_POINTS.items()],
            "no_improvement": Evidence.NO_IMPROVEMENT_POINTS,
            "factors": Evidence.FACTORS,
        }
    if can_add:
        forms = {kind: EvidenceForm(kind=kind) for kind in Kind.values}
        if evidence_form is not None:
            forms[evidence_form.kind] = evidence_form
        context["evidence_forms"] = list(forms.values())
    if context["can_endorse"]:
        context["endorse_form"] = endorse_form or EndorseForm()
    if can_edit:
        context["invite_form"] = invite_form or InviteForm(
            nomination_id=nomination.pk, initial={"q": invite_search[0]}
        )
        context["invited"] = list(nomination.invited_endorsers.select_related("department"))
        context["picker"] = colleague_picker(
            field="people",
            q=invite_search[0],
            selected=invite_search[1],
            exclude=[user.pk, nomination.nominee_id],
        )
        if invite_search[0] and invite_form is None:
            context["picker_message"] = "Tick the colleagues you mean in the list below."
    return context


def _respond(
    request: AuthedRequest,
    nomination: Nomination,
    partial: str,
    notice: str = "",
    focus_evidence: int | None = None,
    **forms,
) -> HttpResponse:
    """The page again after a POST: only the named partial for htmx, else the whole page.
    The focus goes to the evidence item `focus_evidence` if given, else to the notice."""
    context = _detail_context(request, nomination, **forms)
    context["notice"] = {partial: notice}
    context["focus_evidence"] = focus_evidence
    return render(request, f"{DETAIL}#{partial}" if request.htmx else DETAIL, context)


def _done(
    request: AuthedRequest,
    nomination: Nomination,
    partial: str,
    message: str,
    focus_evidence: int | None = None,
) -> HttpResponse:
    """After a change: htmx gets the fresh partial with the news in it; without JavaScript,
    POST/redirect/GET with the news as a message."""
    if request.htmx:
        return _respond(request, nomination, partial, notice=message, focus_evidence=focus_evidence)
    messages.success(request, message)
    return _redirect_to(nomination, partial)


@login_required
@require_GET
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    nomination = _visible(request, pk)
    return render(request, DETAIL, _detail_context(request, nomination))


@login_required
@require_GET
def mine(request: AuthedRequest) -> HttpResponse:
    """What I nominated, what I should verify (managers, HR), where I was asked to endorse."""
    user = request.user
    made = Nomination.objects.for_list().filter(nominator=user)
    to_verify = None
    if user.is_hr or user.is_manager:
        to_verify = (
            access.visible_nominations(user)
            .for_list()
            .filter(
                status=Nomination.Status.ACTIVE,
                cycle__status__in=[AwardCycle.Status.OPEN, AwardCycle.Status.JUDGING],
            )
            .exclude(Q(nominator=user) | Q(nominee=user))
            .annotate(
                unverified_count=Count(
                    "evidence",
                    filter=Q(evidence__verification=Evidence.Verification.UNVERIFIED),
                    distinct=True,
                )
            )
        )
        # HR sees the whole company: only what is waiting for someone to look at it.
        to_verify = (
            to_verify.filter(unverified_count__gt=0)
            if user.is_hr
            else to_verify.filter(nominee__manager=user)
        ).order_by("-unverified_count", "-created_at", "-id")[:MINE_LIMIT]
    invited = Nomination.invited_endorsers.through.objects.filter(
        nomination=OuterRef("pk"), user=user
    )
    invitations = (
        access.visible_nominations(user)
        .for_list()
        .filter(Exists(invited), status=Nomination.Status.ACTIVE)
        .annotate(
            endorsed_by_me=Exists(
                Endorsement.objects.filter(nomination=OuterRef("pk"), author=user)
            )
        )[:MINE_LIMIT]
    )
    return render(
        request,
        "nominations/mine.html",
        {"made": made, "to_verify": to_verify, "invitations": invitations},
    )


# --- evidence ---------------------------------------------------------------------------------


@login_required
@require_POST
def add_evidence(request: AuthedRequest, pk: int) -> HttpResponse:
    nomination = _visible(request, pk)
    _require(access.can_add_evidence(request.user, nomination))
    kind = request.POST.get("kind", "")
    if kind not in Kind.values:
        return HttpResponseBadRequest("Choose a kind of evidence.")
    form = EvidenceForm(request.POST, request.FILES, kind=kind)
    if form.is_valid():
        with service_errors(form):
            added = services.add_evidence(
                nomination=nomination, by=request.user, kind=kind, **form.cleaned_data
            )
            return _done(
                request,
                nomination,
                "evidence",
                f"Added: {form.label.lower()}.",
                focus_evidence=added.pk,
            )
    return _respond(request, nomination, "evidence", evidence_form=form)


@login_required
@require_POST
def delete_evidence(request: AuthedRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence, pk=pk)
    nomination = _visible(request, evidence.nomination_id)
    _require(access.can_add_evidence(request.user, nomination))
    services.delete_evidence(evidence=evidence, by=request.user)
    return _done(request, nomination, "evidence", "The evidence is removed.")


@login_required
@require_POST
def verify_evidence(request: AuthedRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence, pk=pk)
    nomination = _visible(request, evidence.nomination_id)
    _require(access.can_verify(request.user, nomination))
    form = VerifyForm(request.POST, auto_id=f"id_ev{evidence.pk}_%s")
    verified = False
    if form.is_valid():
        with service_errors(form):
            evidence = services.verify_evidence(
                evidence=evidence, by=request.user, **form.cleaned_data
            )
            verified = True
    if verified and not request.htmx:
        messages.success(request, f"Marked {evidence.get_verification_display().lower()}.")
        return _redirect_to(nomination, f"evidence-{evidence.pk}")
    context = _detail_context(request, nomination, verify=None if verified else (pk, form))
    if not request.htmx:
        return render(request, DETAIL, context)
    # Just this item, and the total out of band: the rest of the page stays as it is.
    context["item"] = next(e for e in context["evidence"] if e.pk == pk)
    return render(request, DETAIL + "#verified", context)


# --- endorsements and invitations ---------------------------------------------------------------


@login_required
@require_POST
def endorse(request: AuthedRequest, pk: int) -> HttpResponse:
    nomination = _visible(request, pk)
    _require(access.can_endorse(request.user, nomination))
    form = EndorseForm(request.POST)
    if form.is_valid():
        with service_errors(form):
            try:
                services.endorse(nomination=nomination, by=request.user, **form.cleaned_data)
            except ConflictError as error:
                # Already endorsed: the form is gone, so say it where the endorsements are.
                return _respond(request, nomination, "endorsements", notice=error.message)
            return _done(request, nomination, "endorsements", "Thank you: you endorsed it.")
    return _respond(request, nomination, "endorsements", endorse_form=form)


@login_required
@require_POST
def withdraw_endorsement(request: AuthedRequest, pk: int) -> HttpResponse:
    nomination = _visible(request, pk)
    try:
        services.withdraw_endorsement(nomination=nomination, by=request.user)
    except ConflictError as error:
        if request.htmx:
            return _respond(request, nomination, "endorsements", notice=error.message)
        messages.error(request, error.message)
        return _redirect_to(nomination, "endorsements")
    return _done(request, nomination, "endorsements", "Your endorsement is withdrawn.")


@login_required
@require_POST
def invite(request: AuthedRequest, pk: int) -> HttpResponse:
    nomination = _visible(request, pk)
    _require(access.can_edit(request.user, nomination))
    q = request.POST.get("q", "").strip()
    picked = colleague_ids(request.POST.getlist("people"))
    if "find" in request.POST or (q and not request.POST.getlist("people")):
        # Searching without JavaScript: list the matches to tick, no errors yet.
        return _respond(request, nomination, "invite", invite_search=(q, picked))
    form = InviteForm(request.POST, nomination_id=nomination.pk)
    if form.is_valid():
        people = list(form.cleaned_data["people"])
        with service_errors(form):
            services.invite_endorsers(nomination=nomination, by=request.user, people=people)
            names = ", ".join(str(p) for p in people)
            return _done(
                request,
                nomination,
                "invite",
                f"Invited {names}: they can now read this nomination and endorse it.",
            )
    return _respond(request, nomination, "invite", invite_form=form, invite_search=(q, picked))


@login_required
@require_GET
def evidence_image(request: AuthedRequest, pk: int) -> HttpResponse:
    """Image evidence opened larger: whoever may read the nomination, as for its thumbnail."""
    evidence = get_object_or_404(
        Evidence.objects.filter(
            nomination__in=access.visible_nominations(request.user), kind=Kind.ARTIFACT
        ).exclude(image=""),
        pk=pk,
    )
    context = {
        "image": evidence.image,
        "alt": evidence.caption or _("Image evidence"),
        "caption": evidence.caption,
        "heading": evidence.caption or _("Image evidence"),
        "back_url": reverse("nominations:detail", args=[evidence.nomination_id])
        + f"#evidence-{evidence.pk}",
        "back_label": _("Back to the nomination"),
    }
    # Opened from elsewhere (the judge page, where the scores are): back there, on this site.
    came_from = request.GET.get("next", "")
    if came_from and url_has_allowed_host_and_scheme(
        came_from, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        context |= {"back_url": came_from, "back_label": _("Back to where you were")}
    return render(request, "components/photo_page.html", context)
