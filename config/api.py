"""Assembles /api/v1/: each app contributes its routes here."""

from django.urls import path

from accounts import api as accounts_api
from cycles import api as awards_api
from cycles import results_api
from nominations import api as nominations_api
from nominations.thanks import api as thanks_api
from notifications import api as notifications_api
from stories import api as stories_api

urlpatterns = [
    path("auth/token", accounts_api.TokenView.as_view(), name="api-token"),
    path("me", accounts_api.MeView.as_view(), name="api-me"),
    path("employees", accounts_api.EmployeeListView.as_view(), name="api-employees"),
    path(
        "employees/import",
        accounts_api.EmployeeImportView.as_view(),
        name="api-employee-import",
    ),
    # Award cycles and their rubric (issue 3)
    path("cycles", awards_api.CycleListView.as_view(), name="api-cycles"),
    path("cycles/<int:pk>", awards_api.CycleDetailView.as_view(), name="api-cycle"),
    path(
        "cycles/<int:pk>/transition",
        awards_api.CycleTransitionView.as_view(),
        name="api-cycle-transition",
    ),
    path(
        "cycles/<int:pk>/criteria",
        awards_api.CycleCriteriaView.as_view(),
        name="api-cycle-criteria",
    ),
    # Employee of the Month (issue 6)
    path("cycles/<int:pk>/judges", results_api.CycleJudgesView.as_view(), name="api-cycle-judges"),
    path(
        "cycles/<int:pk>/panel-scores",
        results_api.PanelScoresView.as_view(),
        name="api-cycle-panel-scores",
    ),
    path(
        "cycles/<int:pk>/scoreboard",
        results_api.ScoreboardView.as_view(),
        name="api-cycle-scoreboard",
    ),
    path(
        "cycles/<int:pk>/override",
        results_api.OverrideView.as_view(),
        name="api-cycle-override",
    ),
    path("cycles/<int:pk>/results", results_api.ResultsView.as_view(), name="api-cycle-results"),
    path(
        "cycles/<int:pk>/export.csv",
        results_api.ExportView.as_view(),
        name="api-cycle-export",
    ),
    # Nominations, evidence and endorsements (issue 3)
    path("categories", nominations_api.CategoryListView.as_view(), name="api-categories"),
    path("nominations", nominations_api.NominationListView.as_view(), name="api-nominations"),
    path(
        "nominations/<int:pk>",
        nominations_api.NominationDetailView.as_view(),
        name="api-nomination",
    ),
    path(
        "nominations/<int:pk>/withdraw",
        nominations_api.NominationWithdrawView.as_view(),
        name="api-nomination-withdraw",
    ),
    path(
        "nominations/<int:pk>/evidence",
        nominations_api.NominationEvidenceView.as_view(),
        name="api-nomination-evidence",
    ),
    path(
        "nominations/<int:pk>/endorsements",
        nominations_api.EndorsementListView.as_view(),
        name="api-nomination-endorsements",
    ),
    path(
        "nominations/<int:pk>/endorsements/mine",
        nominations_api.MyEndorsementView.as_view(),
        name="api-nomination-my-endorsement",
    ),
    path(
        "nominations/<int:pk>/invitations",
        nominations_api.InvitationView.as_view(),
        name="api-nomination-invitations",
    ),
    path(
        "evidence/<int:pk>/verify",
        nominations_api.EvidenceVerifyView.as_view(),
        name="api-evidence-verify",
    ),
    # Customer thank-yous (issue 4)
    path("thanks", thanks_api.ThanksView.as_view(), name="api-thanks"),
    path("thanks/confirm", thanks_api.ConfirmThanksView.as_view(), name="api-thanks-confirm"),
    path(
        "thanks/<int:pk>/moderate",
        thanks_api.ModerateThanksView.as_view(),
        name="api-thanks-moderate",
    ),
    path(
        "integrations/<slug:slug>/feedback",
        thanks_api.FeedbackView.as_view(),
        name="api-integration-feedback",
    ),
    # Notifications (issue 16)
    path(
        "notifications",
        notifications_api.NotificationListView.as_view(),
        name="api-notifications",
    ),
    path(
        "notifications/read",
        notifications_api.MarkReadView.as_view(),
        name="api-notifications-read",
    ),
    # Stories (issue 5)
    path("stories", stories_api.StoryListView.as_view(), name="api-stories"),
    path("stories/<int:pk>", stories_api.StoryDetailView.as_view(), name="api-story"),
    path(
        "stories/<int:pk>/images",
        stories_api.StoryImageView.as_view(),
        name="api-story-images",
    ),
    path(
        "stories/<int:pk>/reactions/<str:kind>",
        stories_api.ReactionView.as_view(),
        name="api-story-reaction",
    ),
    path(
        "stories/<int:pk>/comments",
        stories_api.CommentListView.as_view(),
        name="api-story-comments",
    ),
]
