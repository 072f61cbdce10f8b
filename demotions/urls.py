"""The 能上能下 pages (case board, case page, notice)."""

app_name = "demotions"

urlpatterns: list = []
