from django.urls import path, re_path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="index"),
    path("drill/", views.DrillView.as_view(), name="drill"),
    path("indicators/", views.IndicatorsView.as_view(), name="indicators"),
    re_path(r"^reports/(?P<kind>monthly|annual)\.(?P<fmt>xlsx|pdf)$", views.ReportView.as_view(), name="report"),
]
