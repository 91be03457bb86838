import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

HR_GROUP = "HR"


def new_thanks_token() -> str:
    return secrets.token_urlsafe(24)


class Department(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    faces_customers = models.BooleanField(
        default=False, help_text="Front line (talks to customers daily) rather than back office."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserQuerySet(models.QuerySet):
    def active(self) -> "UserQuerySet":
        return self.filter(is_active=True)

    def search(self, q: str) -> "UserQuerySet":
        """Directory search: every word must match a name, e-mail, job title or department."""
        qs = self
        # PostgreSQL refuses NUL characters in a query (a 500); no name contains one anyway.
        for word in q.replace("\x00", "").split()[:6]:
            qs = qs.filter(
                Q(full_name__icontains=word)
                | Q(preferred_name__icontains=word)
                | Q(email__icontains=word)
                | Q(job_title__icontains=word)
                | Q(department__name__icontains=word)
            )
        return qs

    def for_directory(self) -> "UserQuerySet":
        return self.active().select_related("department").order_by("full_name", "id")

    def with_is_manager(self) -> "UserQuerySet":
        return self.annotate(
            has_reports=Exists(User.objects.filter(manager=OuterRef("pk"), is_active=True))
        )

    def with_roles(self) -> "UserQuerySet":
        """Both roles a page may ask about (HR, manager) in the query that loads the person,
        so no page runs a query of its own for them."""
        return self.with_is_manager().annotate(
            in_hr_group=Exists(
                User.groups.through.objects.filter(user=OuterRef("pk"), group__name=HR_GROUP)
            )
        )


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    preferred_name = models.CharField(
        max_length=60, blank=True, help_text="What colleagues call you, if not your first name."
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    job_title = models.CharField(max_length=120, blank=True)
    imported_from_directory = models.BooleanField(
        default=False,
        help_text="Department, job title and manager come from HR's directory import; single "
        "sign-on leaves them alone.",
    )
    faces_customers = models.BooleanField(
        null=True,
        blank=True,
        help_text="Leave empty to follow the department (front line or back office).",
    )
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    avatar_thumbnail = models.ImageField(upload_to="avatars/thumbs/", blank=True)
    thanks_token = models.CharField(max_length=64, unique=True, default=new_thanks_token)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log in to the admin site.")
    date_joined = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=~Q(manager=models.F("pk")), name="user_not_own_manager"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_absolute_url(self) -> str:
        return reverse("home:profile", args=[self.pk])

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.preferred_name:
            return self.preferred_name
        return self.full_name.split(" ")[0] if self.full_name else self.email.split("@")[0]

    @property
    def initials(self) -> str:
        parts = [p for p in (self.full_name or self.email).split() if p]
        return "".join(p[0] for p in parts[:2]).upper()

    @property
    def is_front_line(self) -> bool:
        if self.faces_customers is not None:
            return self.faces_customers
        return bool(self.department and self.department.faces_customers)

    @property
    def is_hr(self) -> bool:
        if not self.is_authenticated or not self.is_active:
            return False
        if self.is_superuser:
            return True
        cached = getattr(self, "in_hr_group", None)
        if cached is None:
            cached = self.groups.filter(name=HR_GROUP).exists()
            self.in_hr_group = cached
        return cached

    def manages(self, other: "User") -> bool:
        return other.manager_id == self.pk

    @property
    def is_manager(self) -> bool:
        cached = getattr(self, "has_reports", None)
        if cached is None:
            cached = self.reports.filter(is_active=True).exists()
            self.has_reports = cached
        return cached

    @property
    def roles(self) -> list[str]:
        roles = ["employee"]
        if self.is_manager:
            roles.append("manager")
        if self.is_hr:
            roles.append("hr")
        return roles


class TokenActivity(models.Model):
    """When an API token was last used: knox's AuthToken has no such field. Written at most once
    every few minutes per token (accounts/tokens.py), and deleted with its token."""

    token = models.OneToOneField(
        "knox.AuthToken", primary_key=True, on_delete=models.CASCADE, related_name="activity"
    )
    last_used_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "token activity"

    def __str__(self) -> str:
        return f"{self.token_id[:8]}… used {self.last_used_at:%Y-%m-%d %H:%M}"
