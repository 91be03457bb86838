"""Award cycles in the admin: to look, not to change. Every change of a cycle or its rubric goes
through cycles.services (the HR console or the API), so that it is checked, locked and audited."""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from awards.models import AwardCycle, Criterion, JudgeAssignment


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ("position", "name", "kind", "weight", "half_point", "customer_focused")
    readonly_fields = fields
    ordering = ("position", "id")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class JudgeInline(admin.TabularInline):
    model = JudgeAssignment
    fields = ("judge", "assigned_at")
    readonly_fields = ("assigned_at",)
    autocomplete_fields = ("judge",)
    extra = 0


@admin.register(AwardCycle)
class AwardCycleAdmin(admin.ModelAdmin):
    list_display = ("title", "month", "status", "opens_at", "nominations_close_at")
    list_filter = ("status",)
    search_fields = ("title",)
    date_hierarchy = "month"
    ordering = ("-month", "-id")
    fields = (
        "console_link",
        "title",
        "month",
        "status",
        "status_changed_at",
        "opens_at",
        "nominations_close_at",
        "judging_close_at",
        "winner_count",
        "cooldown_cycles",
        "eligible_departments",
        "blind_judging",
        "customer_share_floor",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (CriterionInline, JudgeInline)

    @admin.display(description="HR console")
    def console_link(self, obj: AwardCycle) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">Change settings, rubric and phase in the HR console</a>',
            reverse("awards:hr_cycle", args=[obj.pk]),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # services.create_cycle also creates the rubric and the audit event.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(JudgeAssignment)
class JudgeAssignmentAdmin(admin.ModelAdmin):
    list_display = ("judge", "cycle", "assigned_at")
    list_filter = ("cycle",)
    search_fields = ("judge__email", "judge__full_name", "cycle__title")
    autocomplete_fields = ("judge",)
    list_select_related = ("judge", "cycle")
    readonly_fields = ("assigned_at",)
