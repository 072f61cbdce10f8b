"""The 能上能下 pages (case board, case page, notice)."""

from django.urls import path, re_path

from . import views

app_name = "demotions"

urlpatterns = [
    path("", views.BoardView.as_view(), name="board"),
    path("events/new/", views.EventCreateView.as_view(), name="event_create"),
    re_path(r"^notice\.(?P<fmt>pdf|xlsx)$", views.InstitutionNoticeView.as_view(), name="notice_list"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="case"),
    path("<int:pk>/steps/<slug:step>/", views.CaseStepView.as_view(), name="step"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.EvidenceDownloadView.as_view(), name="evidence"),
    re_path(r"^(?P<pk>\d+)/notice\.(?P<fmt>pdf|xlsx)$", views.CaseNoticeView.as_view(), name="notice"),
]
