from django.apps import AppConfig, apps


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "聘任管理"

    def ready(self) -> None:
        # personnel may not import appointments; it asks for filled posts through this hook.
        from .selectors import count_filled_posts, filled_posts_by_key

        personnel = apps.get_app_config("personnel")
        personnel.filled_posts_counter = count_filled_posts
        personnel.filled_posts_by_key = filled_posts_by_key  # set-based, for the roster import
