"""{% load plaudit_forms %}: what the error summary and the page title need from forms."""

from collections.abc import Iterable
from typing import Any

from django import template
from django.forms import BaseForm, BaseFormSet, BoundField
from django.utils.safestring import SafeString
from django.utils.translation import pgettext

register = template.Library()


def _has_errors(value: Any) -> bool:
    if isinstance(value, BaseForm | BaseFormSet):
        return value.is_bound and not value.is_valid()
    return False


def _candidates(context: template.Context) -> Iterable[Any]:
    for value in context.flatten().values():
        yield value
        # A page with several forms of one kind lists them (evidence, one per kind), or lists
        # rows that each hold one: in a dict (a judge's candidates) or hung on an object (a
        # comment's edit form, an evidence item's verification form). One level deep: cheap.
        if isinstance(value, list | tuple):
            for item in value:
                yield item
                if isinstance(item, dict):
                    yield from item.values()
                elif hasattr(item, "__dict__"):
                    yield from vars(item).values()


@register.simple_tag(takes_context=True)
def error_title_prefix(context: template.Context) -> str:
    """ "Error: " when a form sent on the page came back with mistakes (GOV.UK's pattern):
    after a reload the title is the first thing a screen reader says, so it says that first.
    Only after a POST: a filter bound to the query string (?status=bogus) was not sent by
    anyone and shows no error summary."""
    request = context.get("request")
    if request is None or request.method != "POST":
        return ""
    if any(_has_errors(value) for value in _candidates(context)):
        return pgettext("page title prefix", "Error: ")
    return ""


@register.filter
def anchor(field: BoundField) -> str:
    """The id the error summary links to: the one the field names itself with the widget
    attribute `data-error-anchor` (a colleague picker, which lists its choices itself: its
    search box), else the input, or the first choice of a group of radio buttons or check
    boxes (their group has no single id)."""
    named = field.field.widget.attrs.get("data-error-anchor")
    return named or field.id_for_label or f"{field.auto_id}_0"


@register.filter
def autofocus(field: BoundField) -> SafeString:
    """The field's widget with `autofocus`: focus lands there when the fragment that holds it
    is shown (on page load, or after an htmx swap)."""
    return field.as_widget(attrs={"autofocus": True})
