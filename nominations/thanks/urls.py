"""Thank-you pages. Included at the site root: the public forms live under /thanks/, the
moderation queue and the integrations under /hr/, the personal link's QR code under /people/me/.
"""

from django.urls import path

from nominations.thanks import views
from nominations.thanks.hr_views import (
    approve_selected,
    assign,
    integration_detail,
    integrations_list,
    moderate,
    queue,
    rotate_secret,
)
from nominations.thanks.link_views import qr_png, qr_svg, rotate_link

app_name = "thanks"

# Public pages, no account needed (nominations/thanks/views.py). `sent/` and `confirm/` come
# before `<token>/`, which would otherwise take "sent" for a personal link.
urlpatterns = [
    path("thanks/", views.general, name="form"),
    path("thanks/sent/", views.sent, name="sent"),
    path("thanks/confirm/<str:signed>/", views.confirm, name="confirm"),
    path("thanks/confirm/<str:signed>/resend/", views.resend, name="resend"),
    path("thanks/<str:token>/", views.personal, name="personal"),
]

# Moderation queue and helpdesk integrations (nominations/thanks/hr_views.py).
urlpatterns += [
    path("hr/thanks/", queue, name="queue"),
    path("hr/thanks/approve/", approve_selected, name="approve_selected"),
    path("hr/thanks/<int:pk>/moderate/", moderate, name="moderate"),
    path("hr/thanks/<int:pk>/assign/", assign, name="assign"),
    path("hr/integrations/", integrations_list, name="integrations"),
    path("hr/integrations/<int:pk>/", integration_detail, name="integration"),
    path("hr/integrations/<int:pk>/rotate/", rotate_secret, name="rotate_secret"),
]

# The employee's personal link and QR code (nominations/thanks/link_views.py).
urlpatterns += [
    path("people/me/thank-you-link/qr.png", qr_png, name="qr_png"),
    path("people/me/thank-you-link/qr.svg", qr_svg, name="qr_svg"),
    path("people/me/thank-you-link/rotate/", rotate_link, name="rotate_link"),
]
