"""The 聘任轮次 pages (mounted at /rounds/)."""

from django.urls import path

from . import views

app_name = "rounds"

urlpatterns = [
    path("", views.RoundListView.as_view(), name="list"),
    path("<int:pk>/", views.RoundBoardView.as_view(), name="board"),
]
