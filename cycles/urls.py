from django.urls import path

from cycles import judge_views, nomination_views, results_views, views

app_name = "awards"

urlpatterns = [
    path("hr/cycles/", views.hr_cycles, name="hr_cycles"),
    path("hr/cycles/new/", views.hr_cycle_new, name="hr_cycle_new"),
    path("hr/cycles/<int:pk>/", views.hr_cycle, name="hr_cycle"),
    path("hr/cycles/<int:pk>/transition/", views.hr_cycle_transition, name="hr_cycle_transition"),
    path("hr/cycles/<int:pk>/rubric/", views.hr_rubric, name="hr_rubric"),
    path("hr/cycles/<int:pk>/rubric/summary/", views.hr_rubric_summary, name="hr_rubric_summary"),
    path(
        "hr/cycles/<int:pk>/nominations/",
        nomination_views.hr_nominations,
        name="hr_nominations",
    ),
    path("hr/cycles/<int:pk>/judges/", judge_views.hr_judges, name="hr_judges"),
    path("hr/cycles/<int:pk>/scoreboard/", results_views.hr_scoreboard, name="hr_scoreboard"),
    path("judge/", judge_views.judge_home, name="judge_home"),
    path("judge/<int:pk>/", judge_views.judge_cycle, name="judge_cycle"),
    path(
        "judge/<int:pk>/candidates/<int:candidate_id>/",
        judge_views.judge_score,
        name="judge_score",
    ),
    path("awards/", results_views.hall_of_fame, name="hall_of_fame"),
    path("awards/<int:pk>/", results_views.results, name="results"),
]
