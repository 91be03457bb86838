from django import forms
from django.http import HttpRequest

from accounts.models import User


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    full_name = forms.CharField(
        max_length=150, label="Full name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )

    field_order = ["email", "full_name", "password1", "password2"]

    def signup(self, request: HttpRequest, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search people",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Name, team or job title",
                "autocomplete": "off",
            }
        ),
    )


class ProfileForm(forms.ModelForm):
    avatar_upload = forms.FileField(
        required=False,
        label="Photo",
        help_text="JPEG, PNG or WebP, up to 10 MB. Location data is removed.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_avatar = forms.BooleanField(required=False, label="Remove my photo")

    class Meta:
        model = User
        fields = ["full_name", "preferred_name", "job_title"]
        labels = {"preferred_name": "Preferred name"}
