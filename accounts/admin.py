from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from accounts import services
from accounts.models import Department, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "faces_customers"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.action(description="Deactivate (end sessions, revoke API tokens)")
def deactivate_people(modeladmin, request, queryset) -> None:
    count = 0
    for person in queryset.filter(is_active=True).exclude(pk=request.user.pk):
        services.deactivate(person=person, by=request.user)
        count += 1
    modeladmin.message_user(request, f"{count} deactivated.", messages.SUCCESS)


class PasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change password" goes through the service, so it also revokes the person's
    API tokens (the admin's own log says who did it)."""

    def save(self, commit: bool = True) -> User:
        if not commit:
            return super().save(commit=False)
        usable = self.cleaned_data["set_usable_password"]
        password = self.cleaned_data["password1"] if usable else None
        services.set_password(person=self.user, password=password, by=None)
        return self.user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    change_password_form = PasswordChangeForm
    ordering = ["full_name"]
    list_display = ["email", "full_name", "department", "manager", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "department", "groups"]
    search_fields = ["email", "full_name", "preferred_name", "job_title"]
    list_select_related = ["department", "manager"]
    autocomplete_fields = ["manager", "department"]
    readonly_fields = ["last_login", "date_joined", "deactivated_at", "thanks_token"]
    actions = [deactivate_people]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            "Person",
            {
                "fields": [
                    "full_name",
                    "preferred_name",
                    "job_title",
                    "department",
                    "manager",
                    "faces_customers",
                    "avatar",
                    "avatar_thumbnail",
                ]
            },
        ),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined", "deactivated_at", "thanks_token"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]

    def save_model(self, request, obj, form, change) -> None:
        # Unticking "active" in the admin must also end sessions and revoke tokens.
        was_active = change and User.objects.filter(pk=obj.pk, is_active=True).exists()
        if was_active and not obj.is_active:
            obj.is_active = True
            super().save_model(request, obj, form, change)
            services.deactivate(person=obj, by=request.user)
            return
        super().save_model(request, obj, form, change)
