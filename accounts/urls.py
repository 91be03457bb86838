from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("people/", views.directory, name="directory"),
    path("people/me/edit/", views.edit_profile, name="edit_profile"),
    path("people/me/api-tokens/", views.api_tokens, name="api_tokens"),
    path(
        "people/me/api-tokens/<slug:digest>/revoke/",
        views.revoke_api_token,
        name="revoke_api_token",
    ),
    path("hr/people/", views.hr_people, name="hr_people"),
    path("hr/people/import/", views.hr_import, name="hr_import"),
    path("hr/people/<int:pk>/deactivate/", views.hr_deactivate, name="hr_deactivate"),
    path("hr/people/<int:pk>/reactivate/", views.hr_reactivate, name="hr_reactivate"),
    path("hr/people/<int:pk>/invite/", views.hr_invite, name="hr_invite"),
    path("hr/audit/", views.hr_audit, name="hr_audit"),
]
