from django.apps import AppConfig


class DemotionsConfig(AppConfig):
    name = "demotions"
    verbose_name = "能上能下"
