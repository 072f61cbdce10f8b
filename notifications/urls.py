"""The notifications page."""

app_name = "notifications"

urlpatterns: list = []
