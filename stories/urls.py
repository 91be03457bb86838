"""Story pages under /stories/ (namespace "stories")."""

from django.urls import path

from stories import digest_views
from stories import views as reading
from stories import write_views as writing

app_name = "stories"

# The feed, the story page, reactions and comments (stories/views.py).
urlpatterns: list = [
    path("", reading.feed, name="feed"),
    path("<int:pk>/", reading.detail, name="detail"),
    path("<int:pk>/photos/<int:photo_pk>/", reading.photo, name="photo"),
    path("<int:pk>/reactions/<str:kind>/", reading.react, name="react"),
    path("<int:pk>/comments/", reading.comment, name="comment"),
    path("comments/<int:pk>/edit/", reading.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", reading.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/hide/", reading.comment_hide, name="comment_hide"),
]

# Writing, editing, publishing and hiding stories (stories/write_views.py).
urlpatterns += [
    path("new/", writing.new, name="new"),
    path("mine/", writing.mine, name="mine"),
    path("<int:pk>/edit/", writing.edit, name="edit"),
    path("<int:pk>/publish/", writing.publish, name="publish"),
    path("<int:pk>/hide/", writing.hide, name="hide"),
    path("from-thank-you/<int:pk>/", writing.from_thanks, name="from_thanks"),
]

# The weekly digest's unsubscribe link (stories/digest_views.py).
urlpatterns += [
    path(
        "digest/unsubscribe/<str:signed>/",
        digest_views.digest_unsubscribe,
        name="digest_unsubscribe",
    ),
]
