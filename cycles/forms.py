"""HTML forms of the HR cycle console. They check shape only; cycles.services decides the rules."""

import datetime as dt
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Department
from awards.models import AwardCycle, Criterion
from awards.months import add_months, check_year, first_of_month
from cycles import services

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DATE_FIELDS = ("opens_at", "nominations_close_at", "judging_close_at")


def _in_range(value: dt.date | dt.datetime | None) -> None:
    check_year(value)


class DateTimeLocalField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)

    def clean(self, value: Any) -> dt.datetime | None:
        cleaned = super().clean(value)
        _in_range(cleaned)
        return cleaned


class ModelCheckboxesField(forms.ModelMultipleChoiceField):
    """Checkboxes of model rows; an id too large for the database is just an invalid choice
    (Django passes it to an `__in` lookup, where SQLite raises OverflowError)."""

    widget = forms.CheckboxSelectMultiple

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            text = str(pk)
            if text.isdigit() and int(text) >= 2**63:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class MonthField(forms.DateField):
    """An `<input type="month">` (YYYY-MM); a full date is accepted too and its first day used."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ("%Y-%m", "%Y-%m-%d", "%m/%Y", "%B %Y", "%b %Y")
    default_error_messages = {"invalid": "Enter a month as YYYY-MM, for example 2030-01."}

    def clean(self, value: Any) -> dt.date | None:
        cleaned = super().clean(value)
        _in_range(cleaned)
        return first_of_month(cleaned) if cleaned else None


def _model_field(model: type[models.Model], name: str, **page: Any) -> forms.Field:
    """The form field of a model field, made by the model: its type, whether it is required,
    its initial value and its limits (`page` adds what only the page says: its label, help and
    widget). Django leaves a model field's Min/MaxValueValidators to Model.full_clean, which
    these forms never run (the service saves), so they become the form field's
    min_value/max_value here, which also puts min and max on the input."""
    field = model._meta.get_field(name)
    # The model's validators, and those of the column's own range: the strictest of each holds.
    lows = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
    highs = [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
    limits = {"min_value": max(lows)} if lows else {}
    if highs:
        limits["max_value"] = min(highs)
    return field.formfield(**limits, **page)


class CycleSettingsForm(forms.Form):
    """The settings HR edits on a cycle's page (services.update_cycle): one field for each of
    services.EDITABLE_FIELDS, in the order the page shows them, each made by the model."""

    title = _model_field(AwardCycle, "title", label="Title")
    opens_at = _model_field(
        AwardCycle, "opens_at", form_class=DateTimeLocalField, label="Nominations open"
    )
    nominations_close_at = _model_field(
        AwardCycle, "nominations_close_at", form_class=DateTimeLocalField, label="Nominations close"
    )
    judging_close_at = _model_field(
        AwardCycle, "judging_close_at", form_class=DateTimeLocalField, label="Judging closes"
    )
    winner_count = _model_field(AwardCycle, "winner_count", label="Number of winners")
    cooldown_cycles = _model_field(AwardCycle, "cooldown_cycles", label="Cool-down (cycles)")
    eligible_departments = _model_field(
        AwardCycle,
        "eligible_departments",
        form_class=ModelCheckboxesField,
        queryset=Department.objects.order_by("name"),
        label="Eligible departments",
        help_text="Tick none to let every department take part.",
    )
    blind_judging = _model_field(
        AwardCycle,
        "blind_judging",
        label="Blind judging: judges do not see who nominated a candidate",
        help_text="",
    )
    customer_share_floor = _model_field(
        AwardCycle,
        "customer_share_floor",
        label="Customer-focused floor (%)",
        help_text="The least share of the rubric's weight that must be customer-focused.",
    )

    def __init__(self, *args: Any, cycle: AwardCycle | None = None, **kwargs: Any) -> None:
        if cycle is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_settings(cycle)
        super().__init__(*args, **kwargs)
        self.cycle = cycle
        if cycle is None:
            return
        status = AwardCycle.Status
        if cycle.status in (status.DECIDED, status.ANNOUNCED):
            for field in self.fields.values():
                field.disabled = True
        elif cycle.status == status.JUDGING:
            for name in services.FROZEN_IN_JUDGING:
                self.fields[name].disabled = True

    @property
    def is_frozen(self) -> bool:
        return all(field.disabled for field in self.fields.values())

    @property
    def has_frozen_fields(self) -> bool:
        return any(field.disabled for field in self.fields.values())

    def settings(self) -> dict[str, Any]:
        """The cleaned settings, as the services take them."""
        data = self.cleaned_data
        values = {name: data[name] for name in services.EDITABLE_FIELDS}
        values["eligible_departments"] = list(values["eligible_departments"])
        return values

    def changes(self) -> dict[str, Any]:
        """The keyword arguments for services.update_cycle: only what may still change."""
        return {
            name: value for name, value in self.settings().items() if not self.fields[name].disabled
        }


class NewCycleForm(CycleSettingsForm):
    """Creating a cycle: the month comes first; title and dates default from it when empty."""

    month = MonthField(label="Month", help_text="The month it recognises, e.g. 2030-01.")
    rubric_from = forms.ModelChoiceField(
        queryset=AwardCycle.objects.order_by("-month", "-id"),
        required=False,
        empty_label="None: start from the default rubric",
        label="Copy the rubric of",
    )

    field_order = ("month", *CycleSettingsForm.base_fields, "rubric_from")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = "Leave empty for “Employee of the Month · <Month YYYY>”."
        for name in DATE_FIELDS:
            self.fields[name].required = False
        self.describe_defaults()

    def create_kwargs(self) -> dict[str, Any]:
        """The keyword arguments for services.create_cycle."""
        data = self.cleaned_data
        return {"month": data["month"], **self.settings(), "rubric_from": data["rubric_from"]}

    def describe_defaults(self) -> dt.date | None:
        """Say under the title and each date what an empty field becomes for the chosen month."""
        month = self.chosen_month()
        if month is None:
            return None
        self.fields["title"].help_text = f"Leave empty for “{services.default_title(month)}”."
        for name, value in services.default_dates(month).items():
            when = date_format(timezone.localtime(value), "j F Y, H:i")
            self.fields[name].help_text = f"Empty means {when}."
        return month

    def chosen_month(self) -> dt.date | None:
        """The month typed so far (bound or initial), for the default dates shown as help."""
        field = self.fields["month"]
        raw = self["month"].value()
        if isinstance(raw, dt.date):
            return first_of_month(raw)
        try:
            return field.clean(raw)
        except forms.ValidationError:
            return None


def initial_settings(cycle: AwardCycle) -> dict[str, Any]:
    return model_to_dict(cycle, fields=services.EDITABLE_FIELDS)


def suggested_month(latest: AwardCycle | None) -> dt.date:
    """The month a new cycle most likely is for: the one after the latest, else this one."""
    if latest is None:
        return first_of_month(timezone.localdate())
    return add_months(latest.month, 1)


# --- Rubric -----------------------------------------------------------------------------------


class CriterionForm(forms.Form):
    name = _model_field(Criterion, "name", label="Name")
    # A blank first choice: a new row starts blank (and stays "unchanged", so it is ignored)
    # even when it was added by posting the table back, where no initial value applies.
    kind = forms.ChoiceField(choices=[("", "Choose a kind"), *Criterion.Kind.choices], label="Kind")
    weight = _model_field(Criterion, "weight", label="Weight (%)")
    half_point = _model_field(Criterion, "half_point", label="Half point", help_text="")
    customer_focused = _model_field(Criterion, "customer_focused", label="Customer-focused")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every input of the table has a label a screen reader can tell apart from the others.
        number = self.prefix.rsplit("-", 1)[-1] if self.prefix else ""
        if number.isdigit():
            for field in self.fields.values():
                field.label = f"{field.label}, criterion {int(number) + 1}"
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.fields["weight"].widget.attrs["inputmode"] = "numeric"
        self.fields["half_point"].widget.attrs["step"] = "0.01"
        self.fields["kind"].widget.attrs["class"] = "rubric-kind"

    def item(self) -> dict[str, Any]:
        """What this row proposes, as far as it could be read: partial rows still count towards
        the running total, so the summary stays truthful while HR is typing."""
        data = getattr(self, "cleaned_data", {})
        return {
            "name": data.get("name", ""),
            "kind": data.get("kind", ""),
            "weight": data.get("weight") or 0,
            "half_point": data.get("half_point"),
            "customer_focused": data.get("customer_focused", False),
        }


class BaseRubricFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields and index is not None:
            form.fields["DELETE"].label = f"Remove criterion {index + 1}"

    def rows(self) -> list[CriterionForm]:
        """The rows that are part of the proposal: not removed, and not blank extra rows."""
        kept = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if form.empty_permitted and not form.has_changed():
                continue
            kept.append(form)
        return kept

    def items(self) -> list[dict[str, Any]]:
        return [form.item() for form in self.rows()]


RubricFormSet = forms.formset_factory(
    CriterionForm,
    formset=BaseRubricFormSet,
    extra=1,
    can_delete=True,
    max_num=12,
    validate_max=True,
    absolute_max=20,
)


def rubric_initial(cycle: AwardCycle) -> list[dict[str, Any]]:
    return list(
        cycle.criteria.order_by("position", "id").values(
            "name", "kind", "weight", "half_point", "customer_focused"
        )
    )
