"""The notifications page."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
    path("read/", views.MarkReadView.as_view(), name="mark_read"),
    path("preferences/", views.PreferenceView.as_view(), name="preferences"),
    path("unread/", views.UnreadCountView.as_view(), name="unread"),
    path("<int:pk>/open/", views.OpenView.as_view(), name="open"),
]
