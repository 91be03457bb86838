"""The admin of people and departments. What has a rule goes through accounts.services, as it
does everywhere else: deactivating (sessions ended, tokens revoked), reactivating, the HR role
and photos (through core.images), all audited; superuser status is given on the command line
(createsuperuser), never here. The form saves the rest."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from accounts import access, services
from accounts.forms import AvatarField
from accounts.models import HR_GROUP, Department, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "faces_customers"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.action(description="Deactivate (end sessions, revoke API tokens)")
def deactivate_people(modeladmin, request, queryset) -> None:
    count = 0
    for person in queryset.filter(is_active=True):
        if access.can_deactivate(request.user, person):
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


class PersonChangeForm(UserChangeForm):
    avatar_upload = AvatarField(label=_("New photo"))
    remove_avatar = forms.BooleanField(required=False, label=_("Remove the photo"))


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = PersonChangeForm
    change_password_form = PasswordChangeForm
    ordering = ["full_name"]
    list_display = ["email", "full_name", "department", "manager", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "department", "groups"]
    search_fields = ["email", "full_name", "preferred_name", "job_title"]
    list_select_related = ["department", "manager"]
    autocomplete_fields = ["manager", "department"]
    readonly_fields = [
        "avatar",
        "is_superuser",
        "last_login",
        "date_joined",
        "deactivated_at",
        "thanks_token",
    ]
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
                    "avatar_upload",
                    "remove_avatar",
                ]
            },
        ),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined", "deactivated_at", "thanks_token"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]

    def get_readonly_fields(self, request, obj: User | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not access.can_deactivate(request.user, obj):
            fields.append("is_active")
        return fields

    def save_model(self, request, obj: User, form, change: bool) -> None:
        if not change or "is_active" not in form.changed_data:
            super().save_model(request, obj, form, change)
        else:
            active = obj.is_active
            obj.is_active = not active  # as it was: the service makes the change
            super().save_model(request, obj, form, change)
            (services.reactivate if active else services.deactivate)(person=obj, by=request.user)
        avatar = form.cleaned_data.get("avatar_upload")
        remove = form.cleaned_data.get("remove_avatar", False)
        if avatar is not None or remove:
            services.change_avatar(person=obj, by=request.user, avatar=avatar, remove=remove)

    def save_related(self, request, form, formsets, change: bool) -> None:
        groups = form.cleaned_data.get("groups")
        hr = Group.objects.filter(name=HR_GROUP).first()
        if groups is None or hr is None:
            super().save_related(request, form, formsets, change)
            return
        person = form.instance
        # The form keeps the HR group as it was; the service grants or withdraws it, audited.
        was_hr = change and person.groups.filter(pk=hr.pk).exists()
        wants_hr = hr in groups
        form.cleaned_data["groups"] = [g for g in groups if g != hr] + ([hr] if was_hr else [])
        super().save_related(request, form, formsets, change)
        if wants_hr != was_hr:
            services.set_hr(person=person, hr=wants_hr, by=request.user)
