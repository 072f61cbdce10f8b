from django.apps import AppConfig


class SecondmentsConfig(AppConfig):
    name = "secondments"
    verbose_name = "县聘乡用"

    def ready(self) -> None:
        from .workload import his_workload_records, register_workload_source

        register_workload_source(his_workload_records)
