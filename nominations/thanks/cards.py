"""The moderation card of a customer thank-you, as HTML: the one source of the card shown on
the queue, on the assign page (without its controls) and sent back to htmx after an action
(with what happened, or the errors next to the note).

Written in Python rather than a template, like the scoreboard rows (docs/decisions.md): a
card holds some forty variables, dates, links and a form, and the template engine's lookups,
filters and autoescaping cost more than everything else on the queue page put together. What
a template gave for free is done by hand here:
- every value that is not ours (the customer's name, words, organisation and hint, names,
  notes, error messages) goes through `escape`, and so do our own words;
- every word is translated (`Words`), once per language rather than once per card;
- the links are reversed once per process and filled in (core/links.py), keyed on
  everything `reverse` reads, so they are the strings `reverse` would give;
- dates are written as `|date:"j F Y"` writes them, with the month names Django translates,
  in the current time zone;
- the CSRF token is read once per response, not once per card.
"""

import datetime as dt
import functools
from collections.abc import Sequence

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.defaultfilters import floatformat
from django.utils.dates import MONTHS
from django.utils.html import escape, format_html, linebreaks
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext

from core import links
from nominations.models import ThankYou
from nominations.thanks import access


def _said(text: str) -> str:
    return str(escape(text))


class Words:
    """Every word a card says, translated into the current language and escaped."""

    def __init__(self) -> None:
        self.for_employee = _said(gettext("For %(name)s"))
        self.for_nobody = _said(gettext("For someone not chosen yet"))
        self.from_customer = _said(gettext("from %(customer)s"))
        self.customer_of = _said(gettext("%(customer)s, %(organisation)s"))
        self.about = _said(gettext("About"))
        self.left = _said(gettext("No longer with the company"))
        self.not_chosen = _said(gettext("Not chosen yet."))
        self.customer_wrote = _said(gettext("The customer wrote:"))
        self.quoted = _said(gettext("“%(words)s”"))
        self.customer = _said(gettext("Customer"))
        self.organisation = _said(gettext("Organisation"))
        self.came_through = _said(gettext("Came through"))
        self.through_integration = _said(gettext("%(source)s (%(integration)s)"))
        self.score = _said(gettext(", score %(score)s out of %(scale)s"))
        self.sent = _said(gettext("Sent"))
        self.confirmed = _said(gettext("(confirmed %(date)s)"))
        self.sharing = _said(gettext("Sharing"))
        self.shared = _said(gettext("The customer agrees to their words being shared in a story."))
        self.not_shared = _said(gettext("Not to be shared beyond the employee and their manager."))
        self.approved = _said(gettext("Approved"))
        self.rejected = _said(gettext("Rejected"))
        self.moderated_by = _said(gettext("by %(moderator)s on %(date)s"))
        self.nobody = _said(gettext("someone no longer in the directory"))
        self.counts_for = _said(gettext("; it counts for %(cycle)s"))
        self.no_cycle = _said(gettext("; no award cycle was open"))
        self.note = _said(gettext("Note"))
        self.optional = _said(gettext("(optional)"))
        self.note_help = _said(
            gettext(
                "Say why, if you reject it. It stays with the thank-you for HR: the customer "
                "and the employee do not see it."
            )
        )
        self.choose_first = _said(
            gettext(
                "Choose who this thank-you is about before approving it; until then you can "
                "only reject it."
            )
        )
        self.approve = _said(gettext("Approve"))
        self.reject = _said(gettext("Reject"))
        self.the_thank_you_from = _said(gettext("the thank-you from %(customer)s"))
        self.select = _said(gettext("Select to approve"))
        self.change_employee = _said(gettext("Change who this is about"))
        self.choose_employee = _said(gettext("Choose who this is about"))
        self.months = [""] + [_said(MONTHS[month]) for month in range(1, 13)]


@functools.lru_cache(maxsize=16)
def words(language: str | None) -> Words:
    """The card's words in `language`, which must be the active one (get_language())."""
    return Words()


class Reader:
    """What every card of one response shares: who reads it, in which language, and the
    links and CSRF token, worked out once rather than for each card. `controls`: a waiting
    card gets its approve/reject form, and one that can be approved its check box for the
    queue's "Approve selected" (not on the assign page); `select_all` ticks those boxes."""

    def __init__(self, request: HttpRequest, *, controls: bool, select_all: bool = False) -> None:
        user = request.user
        self.request = request
        self.controls = controls
        self.select_all = select_all
        self.show_email = access.can_see_customer_email(user)
        self.can_assign = access.can_assign(user)
        self.words = words(get_language())
        self.profile = links.pattern("home:profile")
        self.moderate = links.pattern("thanks:moderate")
        self.assign = links.pattern("thanks:assign")

    @functools.cached_property
    def csrf_input(self) -> str:
        # Read only when a card has a form, as {% csrf_token %} was.
        return format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(self.request)
        )


def _date(w: Words, value: dt.date) -> str:
    """value|date:"j F Y"."""
    value = template_localtime(value)
    return f"{value.day} {w.months[value.month]} {value.year:04d}"


def _errors(messages: Sequence[str]) -> str:
    return "".join(f"<li>{escape(message)}</li>" for message in messages)


def card(
    thank_you: ThankYou,
    reader: Reader,
    *,
    result: str = "",
    errors: Sequence[str] = (),
    note: str = "",
    note_errors: Sequence[str] = (),
    decision_errors: Sequence[str] = (),
) -> SafeString:
    """One thank-you's card. `result`: what just happened to it; `errors`: what went wrong,
    on top; after a failed action, `note` (as typed), `note_errors` and `decision_errors`
    fill in its form."""
    w = reader.words
    pk = thank_you.pk
    employee = thank_you.employee
    status = escape(thank_you.status)
    customer = escape(thank_you.customer_name)
    organisation = escape(thank_you.organisation) if thank_you.organisation else ""
    signed = (
        w.customer_of % {"customer": customer, "organisation": organisation}
        if organisation
        else customer
    )
    if employee is not None:
        name = escape(employee.full_name)
        heading = w.for_employee % {"name": name}
        about = f'<a href="{links.fill(reader.profile, employee.pk)}">{name}</a>'
        if employee.department is not None:
            about += f' <span class="muted">· {escape(employee.department)}</span>'
        if not employee.is_active:
            about += f' <span class="tag tag-warning">{w.left}</span>'
    else:
        heading, about = w.for_nobody, ""
    if thank_you.employee_hint:
        hint = w.quoted % {"words": escape(thank_you.employee_hint)}
        hint = ("<br>" if employee is not None else f"{w.not_chosen} ") + (
            f'<span class="muted">{w.customer_wrote}</span> {hint}'
        )
    else:
        hint = "" if employee is not None else w.not_chosen
    email = ""
    if reader.show_email and thank_you.customer_email:
        address = escape(thank_you.customer_email)
        email = f' · <a href="mailto:{address}">{address}</a>'
    came_through = escape(thank_you.get_source_display())
    if thank_you.integration is not None:
        came_through = w.through_integration % {
            "source": came_through,
            "integration": escape(thank_you.integration.name),
        }
    if thank_you.score is not None and thank_you.scale_max:
        came_through += w.score % {
            "score": floatformat(thank_you.score, "-2"),
            "scale": floatformat(thank_you.scale_max, "-2"),
        }
    sent = (
        f'<time datetime="{thank_you.submitted_on.isoformat()}">'
        f"{_date(w, thank_you.submitted_on)}</time>"
    )
    if thank_you.confirmed_at:
        confirmed = w.confirmed % {"date": _date(w, thank_you.confirmed_at)}
        sent += f' <span class="muted">{confirmed}</span>'
    approved = thank_you.status == ThankYou.Status.APPROVED
    decided = ""
    if thank_you.moderated_at:
        moderator = thank_you.moderated_by.full_name if thank_you.moderated_by else ""
        at = template_localtime(thank_you.moderated_at)
        by = w.moderated_by % {
            "moderator": escape(moderator) if moderator else w.nobody,
            "date": f'<time datetime="{at.isoformat()}">{_date(w, at)}</time>',
        }
        if approved:
            cycle = thank_you.cycle
            by += w.counts_for % {"cycle": escape(cycle)} if cycle else w.no_cycle
        decided = f"\n    <dt>{w.approved if approved else w.rejected}</dt>\n    <dd>{by}</dd>"
        if thank_you.moderation_note:
            decided += f"\n    <dt>{w.note}</dt><dd>{escape(thank_you.moderation_note)}</dd>"
    shown = ""
    if result:
        shown += (
            '\n  <p class="message message-success" role="status" tabindex="-1" autofocus>'
            f"{escape(result)}</p>"
        )
    if errors:
        shown += (
            '\n  <div class="form-errors" role="alert" tabindex="-1" autofocus>'
            + "".join(f"<p>{escape(error)}</p>" for error in errors)
            + "</div>"
        )
    if organisation:
        organisation = f"\n    <dt>{w.organisation}</dt><dd>{organisation}</dd>"
    controls = selector = ""
    if reader.controls and thank_you.is_waiting:
        controls = _controls(thank_you, reader, note, note_errors, decision_errors)
        if employee is not None:
            selector = _selector(thank_you, reader)
    return SafeString(
        f'<article id="thank-you-{pk}" class="card thank-you-card thank-you-{status}" '
        f'aria-labelledby="thank-you-{pk}-title">\n'
        f'  <header class="thank-you-head">\n'
        f'    <h2 id="thank-you-{pk}-title" class="thank-you-title">\n'
        f"      {heading}\n"
        f'      <span class="muted">{w.from_customer % {"customer": signed}}</span>\n'
        f"    </h2>\n"
        f'    <span class="badge thank-you-badge-{status}">'
        f"{escape(thank_you.get_status_display())}</span>{selector}\n"
        f"  </header>{shown}\n"
        f'  <blockquote class="thank-you-message">\n'
        f"    {linebreaks(thank_you.message, autoescape=True)}\n"
        f"    <footer>{signed}</footer>\n"
        f"  </blockquote>\n"
        f'  <dl class="facts">\n'
        f"    <dt>{w.about}</dt>\n"
        f"    <dd>\n      {about}\n      {hint}\n    </dd>\n"
        f"    <dt>{w.customer}</dt>\n"
        f"    <dd>{customer}{email}</dd>{organisation}\n"
        f"    <dt>{w.came_through}</dt>\n"
        f"    <dd>{came_through}</dd>\n"
        f"    <dt>{w.sent}</dt>\n"
        f"    <dd>{sent}</dd>\n"
        f"    <dt>{w.sharing}</dt>\n"
        f"    <dd>{w.shared if thank_you.consent_to_share else w.not_shared}</dd>{decided}\n"
        f"  </dl>\n{controls}</article>\n"
    )


def _selector(thank_you: ThankYou, reader: Reader) -> str:
    """The check box of "Approve selected": it belongs to the queue's form #bulk-approve
    (a form cannot hold another, and each card has its own)."""
    w = reader.words
    pk = thank_you.pk
    from_customer = w.the_thank_you_from % {"customer": escape(thank_you.customer_name)}
    checked = " checked" if reader.select_all else ""
    return (
        f'\n    <p class="thank-you-select"><input type="checkbox" name="selected" value="{pk}" '
        f'form="bulk-approve" id="thank-you-{pk}-select"{checked}> '
        f'<label for="thank-you-{pk}-select">{w.select}'
        f'<span class="visually-hidden"> {from_customer}</span></label></p>'
    )


def _controls(
    thank_you: ThankYou,
    reader: Reader,
    note: str,
    note_errors: Sequence[str],
    decision_errors: Sequence[str],
) -> str:
    """The approve/reject form of a waiting card: plain HTML, no form object per card."""
    w = reader.words
    pk = thank_you.pk
    field = f"id_ty{pk}_note"
    url = links.fill(reader.moderate, pk)
    from_customer = w.the_thank_you_from % {"customer": escape(thank_you.customer_name)}
    employee = thank_you.employee_id is not None
    approve = (
        f'<button type="submit" name="decision" value="approve" class="button">{w.approve}'
        f'<span class="visually-hidden"> {from_customer}</span></button>'
        if employee
        else ""
    )
    assign = ""
    if reader.can_assign:
        assign = (
            f'<a href="{links.fill(reader.assign, pk)}">'
            f"{w.change_employee if employee else w.choose_employee}</a>"
        )
    value = f' value="{escape(note)}"' if note else ""
    invalid = ' aria-invalid="true"' if note_errors else ""
    described_by = f"{field}_helptext {field}_error" if note_errors else f"{field}_helptext"
    return (
        f'  <form method="post" action="{url}" class="moderate-form" novalidate\n'
        f'        hx-post="{url}" hx-target="#thank-you-{pk}" hx-swap="outerHTML" '
        f'hx-disabled-elt="find button">\n'
        f"    {reader.csrf_input}\n"
        f'    <div class="field{" field-invalid" if note_errors else ""}">\n'
        f'      <label for="{field}">{w.note} <span class="optional">{w.optional}</span></label>\n'
        f'      <input type="text" name="note"{value} maxlength="500"{invalid} '
        f'aria-describedby="{described_by}" id="{field}">\n'
        f'      <p class="help" id="{field}_helptext">{w.note_help}</p>\n'
        + (
            f'      <ul class="errorlist" id="{field}_error">{_errors(note_errors)}</ul>\n'
            if note_errors
            else ""
        )
        + "    </div>\n"
        + (
            f'    <ul class="errorlist">{_errors(decision_errors)}</ul>\n'
            if decision_errors
            else ""
        )
        + ("" if employee else f'    <p class="help">{w.choose_first}</p>\n')
        + f'    <div class="actions">\n'
        f"      {approve}\n"
        f'      <button type="submit" name="decision" value="reject" '
        f'class="button button-secondary">{w.reject}'
        f'<span class="visually-hidden"> {from_customer}</span></button>\n'
        f"      {assign}\n"
        f"    </div>\n"
        f"  </form>\n"
    )
