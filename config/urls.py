from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import views as core_views

# The admin login goes through allauth: same rate limits, e-mail verification and MFA.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Plaudit administration"

urlpatterns = [
    path("", include("home.urls")),
    path("", include("accounts.urls")),
    path("", include("cycles.urls")),
    path("nominations/", include("nominations.urls")),
    path("", include("nominations.thanks.urls")),
    path("stories/", include("stories.urls")),
    path("notifications/", include("notifications.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

if settings.DEBUG or settings.TESTING:
    # In production media is served by the web server or object storage (docs/deployment.md).
    urlpatterns += [
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", core_views.media, name="media"),
    ]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
