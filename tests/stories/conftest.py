"""Factories for stories: small functions, through the real services."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import User
from stories import services
from stories.models import Story, Tag
from tests.conftest import make_user


def make_story(
    author: User | None = None,
    *,
    kind: str = Story.Kind.FRONT_LINE,
    title: str = "A morning at the Lyon counter",
    body: str = "Customers asked about **invoices**.",
    publish: bool = True,
    **fields,
) -> Story:
    author = author or make_user()
    if kind == Story.Kind.FRONT_LINE:
        fields.setdefault("shift_date", timezone.localdate() - dt.timedelta(days=1))
        fields.setdefault("shift_hours", Decimal("3.5"))
        # Not about invoices, which the body is about: a search for them finds the body only.
        fields.setdefault("heard", "Three people could not find the opening hours.")
    elif kind == Story.Kind.IMPROVEMENT:
        fields.setdefault("plan", "“I wait twenty minutes on the phone every time.”")
        fields.setdefault("do", "A call-back button.")
    if "tags" in fields:  # names, as a person types them
        fields["tags"] = [Tag.named(name) for name in fields["tags"]]
    return services.create_story(
        author=author, kind=kind, title=title, body=body, publish=publish, **fields
    )


def improvement_check(**overrides) -> dict:
    check = {
        "check_metric": "Average wait",
        "check_before": Decimal(20),
        "check_after": Decimal("4.5"),
        "check_unit": "minutes",
        "check_higher_is_better": False,
    }
    return {**check, **overrides}


def png(size: tuple[int, int] = (60, 40)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, "orange").save(out, format="PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


@pytest.fixture
def author(db) -> User:
    return make_user(full_name="Alex Author")


@pytest.fixture
def reader(db) -> User:
    return make_user(full_name="Rita Reader")


@pytest.fixture
def story(author) -> Story:
    return make_story(author)
