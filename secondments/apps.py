from django.apps import AppConfig


class SecondmentsConfig(AppConfig):
    name = "secondments"
    verbose_name = "县聘乡用"
