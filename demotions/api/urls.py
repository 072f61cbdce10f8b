"""REST endpoints of the 能上能下 app."""

urlpatterns: list = []
