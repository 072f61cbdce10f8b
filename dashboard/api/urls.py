from django.urls import path, re_path

from . import views

app_name = "dashboard_api"

urlpatterns = [
    path("dashboard/", views.DashboardFiguresView.as_view(), name="figures"),
    re_path(r"^reports/(?P<kind>monthly|annual)/$", views.ReportDataView.as_view(), name="report"),
]
