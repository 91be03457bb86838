from django.apps import AppConfig


class NominationsConfig(AppConfig):
    name = "nominations"
    verbose_name = "Nominations"

    def ready(self) -> None:
        # Saved thank-yous and people invalidate the moderation queue's cached tab counts.
        from nominations.thanks import cards

        cards.connect()
