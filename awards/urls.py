from django.urls import path

from awards import views

app_name = "awards"

urlpatterns = [
    path("hr/cycles/", views.hr_cycles, name="hr_cycles"),
    path("hr/cycles/new/", views.hr_cycle_new, name="hr_cycle_new"),
    path("hr/cycles/<int:pk>/", views.hr_cycle, name="hr_cycle"),
    path("hr/cycles/<int:pk>/transition/", views.hr_cycle_transition, name="hr_cycle_transition"),
    path("hr/cycles/<int:pk>/rubric/", views.hr_rubric, name="hr_rubric"),
    path("hr/cycles/<int:pk>/rubric/summary/", views.hr_rubric_summary, name="hr_rubric_summary"),
]
