"""The 聘任轮次 pages (mounted at /rounds/)."""

app_name = "rounds"

urlpatterns: list = []
