from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = "Stories"

    def ready(self) -> None:
        from accounts.models import Department, User
        from stories import cards
        from stories.models import StoryImage, Tag

        for model in (User, Department, Tag, StoryImage):
            post_save.connect(cards.bump, sender=model, dispatch_uid=f"card-{model.__name__}")
            post_delete.connect(cards.bump, sender=model, dispatch_uid=f"card-d-{model.__name__}")
