"""core.forms.service_errors: what a service refuses lands on the form, and the view goes on to
show the form again."""

import pytest
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from core.errors import ConflictError
from core.forms import service_errors


class NoteForm(forms.Form):
    title = forms.CharField()
    note = forms.CharField(required=False)


def valid_form() -> NoteForm:
    form = NoteForm(data={"title": "Thanks", "note": ""})
    assert form.is_valid()
    return form


def test_a_field_error_lands_next_to_its_field():
    form = valid_form()
    with service_errors(form):
        raise ValidationError({"note": "Keep the note short.", "title": ["Too plain.", "Again."]})
    assert form.errors == {"note": ["Keep the note short."], "title": ["Too plain.", "Again."]}
    assert not form.is_valid()


def test_an_error_about_a_field_the_form_has_not_lands_on_top():
    form = valid_form()
    with service_errors(form):
        raise ValidationError({"employee": "This person has left."})
    assert form.non_field_errors() == ["This person has left."]


def test_a_field_the_service_names_differently_is_renamed():
    form = valid_form()
    with service_errors(form, rename={"body": "note"}):
        raise ValidationError({"body": "Keep the note short."})
    assert form.errors == {"note": ["Keep the note short."]}


def test_an_error_without_fields_lands_on_top():
    form = valid_form()
    with service_errors(form):
        raise ValidationError(["Nominations are closed.", "Come back next month."])
    assert form.non_field_errors() == ["Nominations are closed.", "Come back next month."]


def test_a_conflict_lands_on_top():
    form = valid_form()
    with service_errors(form):
        raise ConflictError("This was approved already.", status="approved")
    assert form.errors == {"__all__": ["This was approved already."]}


def test_the_block_stops_at_the_error():
    form = valid_form()
    done = []
    with service_errors(form):
        done.append("before")
        raise ValidationError("Refused.")
        done.append("after")  # unreachable on purpose: the block must stop here
    done.append("the view goes on")
    assert done == ["before", "the view goes on"]


def test_nothing_happens_when_the_service_accepts():
    form = valid_form()
    with service_errors(form):
        result = "saved"
    assert result == "saved"
    assert form.errors == {}


def test_other_errors_are_not_swallowed():
    form = valid_form()
    with pytest.raises(PermissionDenied), service_errors(form):
        raise PermissionDenied
    assert form.errors == {}
