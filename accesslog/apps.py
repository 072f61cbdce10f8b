from django.apps import AppConfig


class AccesslogConfig(AppConfig):
    name = "accesslog"
    verbose_name = "个人信息访问记录"

    def ready(self) -> None:
        from personnel.disclosure import register_recorder

        from . import checks  # noqa: F401  (registers the retention check)
        from .services import record_request

        register_recorder(record_request)
