from django.apps import AppConfig


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = "Award cycles"

    def ready(self) -> None:
        # Saves that change a live scoreboard invalidate its cached standings.
        from awards import scoreboard_cache

        scoreboard_cache.connect()
