"""Award cycles in the admin: to look, not to change. Every change of a cycle, its phase, its
rubric or its judges goes through cycles.services and cycles.judging (the HR console or the
API), so that it is checked, locked and audited; the admin shows them read-only."""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from awards.models import AwardCycle, Criterion, JudgeAssignment
from cycles import services


class ViewOnly:
    """No adding, changing or deleting here: the services do that, with their rules."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class CriterionInline(ViewOnly, admin.TabularInline):
    model = Criterion
    fields = ("position", "name", "kind", "weight", "half_point", "customer_focused")
    readonly_fields = fields
    ordering = ("position", "id")
    extra = 0


class JudgeInline(ViewOnly, admin.TabularInline):
    # judging.assign_judges checks the phase, asks about candidates, takes a removed judge's
    # scores away and audits the change.
    model = JudgeAssignment
    fields = ("judge", "assigned_at")
    readonly_fields = fields
    extra = 0


# What a cycle records besides its settings (services.EDITABLE_FIELDS).
RECORD = ("console_link", "month", "status", "status_changed_at", "created_at", "updated_at")


@admin.register(AwardCycle)
class AwardCycleAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("title", "month", "status", "opens_at", "nominations_close_at")
    list_filter = ("status",)
    search_fields = ("title",)
    date_hierarchy = "month"
    ordering = ("-month", "-id")
    fieldsets = ((None, {"fields": RECORD}), (_("Settings"), {"fields": services.EDITABLE_FIELDS}))
    readonly_fields = (*RECORD, *services.EDITABLE_FIELDS)
    inlines = (CriterionInline, JudgeInline)

    @admin.display(description=_("HR console"))
    def console_link(self, obj: AwardCycle) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("awards:hr_cycle", args=[obj.pk]),
            _("Change settings, rubric, judges and phase in the HR console"),
        )


@admin.register(JudgeAssignment)
class JudgeAssignmentAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("judge", "cycle", "assigned_at")
    list_filter = ("cycle",)
    search_fields = ("judge__email", "judge__full_name", "cycle__title")
    list_select_related = ("judge", "cycle")
    fields = ("judge", "cycle", "assigned_at")
    readonly_fields = fields
