"""我的待办 (mounted at /tasks/)."""

from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("", views.MyTasksView.as_view(), name="list"),
    path("count/", views.TaskCountView.as_view(), name="count"),
]
