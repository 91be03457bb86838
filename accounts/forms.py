from django import forms
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

from accounts import directory_import
from accounts.models import User
from core.images import ProcessedImage, process_upload


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


class AvatarField(forms.FileField):
    """A photo of a person, as core.images makes it: checked, upright, a centred square,
    without its metadata (location included). The one way a photo of a person comes in:
    their profile page and the admin (services.update_profile, services.change_avatar)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", "JPEG, PNG or WebP, up to 10 MB. Location data is removed.")
        kwargs.setdefault(
            "widget", forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(required=False, **kwargs)

    def clean(self, data, initial=None) -> ProcessedImage | None:
        upload: UploadedFile | None = super().clean(data, initial)
        return process_upload(upload, square=True) if upload else None


class ProfileForm(forms.ModelForm):
    avatar_upload = AvatarField(label="Photo")
    remove_avatar = forms.BooleanField(required=False, label="Remove my photo")

    class Meta:
        model = User
        fields = ["full_name", "preferred_name", "job_title"]
        labels = {"preferred_name": "Preferred name"}


class DirectoryImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "Columns: email, full_name, department, manager_email, job_title. "
            "UTF-8, at most 10,000 people (2 MB)."
        ),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > directory_import.MAX_BYTES:
            raise forms.ValidationError(
                "This file is larger than 2 MB. Split it into smaller files of at most "
                "10,000 people each."
            )
        return upload.read()


class ImportConfirmForm(forms.Form):
    """Step 2 of the import: the previewed file travels back signed, so that what is applied
    is exactly what HR saw, without keeping the file on the server between the two steps."""

    MAX_AGE = 3600

    payload = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.salt = f"accounts.directory_import:{user.pk}"

    @classmethod
    def for_file(cls, *, csv_bytes: bytes, user: User) -> "ImportConfirmForm":
        form = cls(user=user)
        form.initial["payload"] = signing.dumps(
            csv_bytes.decode("utf-8"), salt=form.salt, compress=True
        )
        return form

    def clean_payload(self) -> bytes:
        try:
            text = signing.loads(self.cleaned_data["payload"], salt=self.salt, max_age=self.MAX_AGE)
        except signing.SignatureExpired:
            raise forms.ValidationError(
                "This preview is more than an hour old. Upload the file again."
            ) from None
        except signing.BadSignature:
            raise forms.ValidationError(
                "This preview could not be read back. Upload the file again."
            ) from None
        if not isinstance(text, str):
            raise forms.ValidationError(
                "This preview could not be read back. Upload the file again."
            )
        return text.encode("utf-8")
