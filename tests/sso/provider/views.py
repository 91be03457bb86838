"""The provider's own pages (sign-in, who is signed in) and the endpoints the tests call to
set up people and the client. Test-only: nothing here checks who is asking."""

import json

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import Application

from tests.sso.provider.models import Claims


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@csrf_exempt
@require_POST
def person(request: HttpRequest) -> JsonResponse:
    data = json.loads(request.body)
    user, _ = get_user_model().objects.update_or_create(
        username=data["email"], defaults={"email": data["email"]}
    )
    user.set_password(data["password"])
    user.save()
    Claims.objects.update_or_create(
        user=user,
        defaults={
            "name": data.get("name", ""),
            "email_verified": data.get("email_verified"),
            "groups": data.get("groups", []),
            "department": data.get("department", ""),
            "job_title": data.get("job_title", ""),
        },
    )
    return JsonResponse({"sub": str(user.pk)})


@csrf_exempt
@require_POST
def client(request: HttpRequest) -> JsonResponse:
    data = json.loads(request.body)
    Application.objects.filter(client_id=data["client_id"]).delete()
    Application.objects.create(
        name="Plaudit",
        client_id=data["client_id"],
        client_secret=data["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(data["redirect_uris"]),
        post_logout_redirect_uris=" ".join(data["post_logout_redirect_uris"]),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    return JsonResponse({"client_id": data["client_id"]})
