from django.urls import path

from home import views

app_name = "home"

urlpatterns = [
    path("", views.home, name="home"),
    path("people/<int:pk>/", views.profile, name="profile"),
    path("hr/", views.hr_console, name="hr_console"),
]
