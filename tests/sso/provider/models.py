from django.conf import settings
from django.db import models


class Claims(models.Model):
    """What the provider says about a person beyond Django's user: each test sets these."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=150, blank=True)
    # None: the claim is left out altogether.
    email_verified = models.BooleanField(null=True)
    groups = models.JSONField(default=list)
    department = models.CharField(max_length=100, blank=True)
    job_title = models.CharField(max_length=120, blank=True)

    def __str__(self) -> str:
        return f"Claims of {self.user}"
