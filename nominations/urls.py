from django.urls import path

from nominations import views

app_name = "nominations"

urlpatterns = [
    path("new/", views.new, name="new"),
    path("nominees/", views.nominee_search, name="nominee_search"),
    path("preview/", views.preview, name="preview"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/evidence/", views.add_evidence, name="add_evidence"),
    path("<int:pk>/endorse/", views.endorse, name="endorse"),
    path("<int:pk>/endorse/withdraw/", views.withdraw_endorsement, name="withdraw_endorsement"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("evidence/<int:pk>/verify/", views.verify_evidence, name="verify_evidence"),
    path("evidence/<int:pk>/delete/", views.delete_evidence, name="delete_evidence"),
    path("evidence/<int:pk>/image/", views.evidence_image, name="evidence_image"),
]
