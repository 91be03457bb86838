"""HR's list of a cycle's nominations: who nominated whom, how far the evidence is verified,
filtered and paginated. The scoreboard links each candidate's name to their nominations here."""

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.http import AuthedRequest
from accounts.models import Department, User
from awards.models import AwardCycle
from core.decorators import hr_required
from core.models import MAX_ID
from cycles.scoring import counted_thanks
from nominations.access import nominators_shown
from nominations.models import EvidenceState, Nomination, NominationQuerySet

NOMINATIONS_PAGE_SIZE = 50
NOT_IN_LIST = {"invalid_choice": _("Choose one of the options in the list.")}

SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "newest": (_("Newest first"), ("-created_at", "-id")),
    "oldest": (_("Oldest first"), ("created_at", "id")),
    "nominee": (_("Nominee A–Z"), ("nominee__full_name", "-created_at", "-id")),
    "points": (_("Most evidence points"), ("-evidence_points", "-created_at", "-id")),
}


class NominationFilterForm(forms.Form):
    """The filters of the list, read from the query string. A filter HR mistyped is reported
    next to its field and left out; the others still apply."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label=_("Nominee"),
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "placeholder": _("Name or e-mail")}
        ),
    )
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[("", _("Any status")), *Nomination.Status.choices],
        error_messages=NOT_IN_LIST,
    )
    department = forms.ModelChoiceField(
        required=False,
        label=_("Nominee's department"),
        queryset=Department.objects.order_by("name"),
        empty_label=_("Every department"),
        error_messages=NOT_IN_LIST,
    )
    evidence = forms.ChoiceField(
        required=False,
        label=_("Evidence"),
        choices=[("", _("Any evidence")), *EvidenceState.choices],
        error_messages=NOT_IN_LIST,
    )
    sort = forms.ChoiceField(
        required=False,
        label=_("Order"),
        choices=[(k, v[0]) for k, v in SORTS.items()],
        error_messages=NOT_IN_LIST,
    )
    # From the scoreboard: one candidate's nominations.
    nominee = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )

    def filter(self, nominations: NominationQuerySet) -> NominationQuerySet:
        self.is_valid()
        data = self.cleaned_data
        if data.get("nominee"):
            nominations = nominations.filter(nominee_id=data["nominee"])
        if q := data.get("q", "").strip():
            nominations = nominations.about_nominee(q)
        if data.get("status"):
            nominations = nominations.filter(status=data["status"])
        if data.get("department"):
            nominations = nominations.filter(nominee__department=data["department"])
        if data.get("evidence"):
            nominations = nominations.with_evidence_state(data["evidence"])
        return nominations.order_by(*SORTS[data.get("sort") or "newest"][1])


@hr_required
@require_GET
def hr_nominations(request: AuthedRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(AwardCycle, pk=pk)
    form = NominationFilterForm(request.GET)
    nominations = form.filter(
        Nomination.objects.filter(cycle=cycle).for_list().with_verification_counts()
    )
    page = Paginator(nominations, NOMINATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    shown = nominators_shown(request.user, page.object_list)
    for nomination in page.object_list:
        nomination.show_nominator = nomination.pk in shown
    nominee = _nominee(form.cleaned_data.get("nominee"))
    context: dict[str, Any] = {
        "cycle": cycle,
        "form": form,
        "page": page,
        "filtered": any(form.cleaned_data.get(name) for name in form.fields if name != "sort"),
        "nominee": nominee,
        "thanks_only": bool(nominee and not page.object_list and _thanks_only(cycle, nominee)),
    }
    return render(request, "hr/cycles_nominations.html", context)


def _nominee(pk: int | None) -> User | None:
    return None if pk is None else User.objects.filter(pk=pk).first()


def _thanks_only(cycle: AwardCycle, nominee: User) -> bool:
    """Whether the scoreboard counts this person through approved thank-yous alone: its link
    to their nominations would otherwise land on an empty list without a word why."""
    return (
        not Nomination.objects.filter(cycle=cycle, nominee=nominee).exists()
        and counted_thanks(cycle).filter(employee=nominee).exists()
    )
