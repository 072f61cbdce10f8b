from django.urls import path

from . import views

app_name = "accesslog"

urlpatterns = [
    path("", views.AccessLogListView.as_view(), name="list"),
    path("export.xlsx", views.AccessLogExportView.as_view(), name="export"),
]
