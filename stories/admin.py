"""Stories in the admin: to look, not to change. Publishing, hiding (moderation), photos,
reactions and comments go through stories.services, on the story's page, so that counters stay
exact, photos pass through core.images and HR actions are audited. Tags may be renamed here:
their slug follows the name by the same rule as a tag typed on a story (Tag.named)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from stories.models import Comment, DigestDelivery, DigestPreference, Story, StoryImage, Tag


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class StoryImageInline(admin.TabularInline):
    model = StoryImage
    fields = ("position", "image", "alt_text", "width", "height")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Story)
class StoryAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "author", "status", "published_at", "applause_count")
    list_filter = ("kind", "status")
    search_fields = ("title", "author__full_name", "author__email")
    date_hierarchy = "published_at"
    ordering = ("-published_at", "-id")
    list_select_related = ("author",)
    exclude = ("thank_you",)  # the customer's e-mail address is for HR's thank-you screens
    inlines = [StoryImageInline]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("story", "author", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("body",)
    list_select_related = ("story", "author")


class TagForm(forms.ModelForm):
    """A tag's name; its slug is derived from it, as for a tag typed on a story, so that the
    same words always find the same tag."""

    class Meta:
        model = Tag
        fields = ["name"]

    def clean_name(self) -> str:
        tag = Tag.named(self.cleaned_data["name"])
        if Tag.objects.exclude(pk=self.instance.pk).filter(slug=tag.slug).exists():
            raise ValidationError(_("Another tag already has this name."), code="unique")
        self.instance.slug = tag.slug
        return tag.name


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = TagForm
    list_display = ("name", "slug")
    search_fields = ("name",)
    readonly_fields = ("slug",)


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("user", "week", "sent_at")
    list_filter = ("week",)
    search_fields = ("user__email", "user__full_name")
    list_select_related = ("user",)


@admin.register(DigestPreference)
class DigestPreferenceAdmin(ReadOnlyAdmin):
    """Changed by the person through the link in every digest, never by someone else."""

    list_display = ("user", "subscribed", "changed_at")
    list_filter = ("subscribed",)
    search_fields = ("user__email", "user__full_name")
    list_select_related = ("user",)
