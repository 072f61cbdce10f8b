"""The 聘任轮次 pages (mounted at /rounds/)."""

from django.urls import path

from . import views

app_name = "rounds"

urlpatterns = [
    path("", views.RoundListView.as_view(), name="list"),
    path("open/", views.OpenRoundView.as_view(), name="open"),
    path("<int:pk>/", views.RoundBoardView.as_view(), name="board"),
    path("<int:pk>/applications/", views.ApplicationsView.as_view(), name="applications"),
    path("<int:pk>/step/<slug:step>/", views.StepView.as_view(), name="step"),
    path("agreements/<int:pk>/pdf/", views.AgreementPdfView.as_view(), name="agreement_pdf"),
    path("agreements/<int:pk>/scan/", views.AgreementScanView.as_view(), name="agreement_scan"),
    path("evidence/<int:pk>/", views.EvidenceDownloadView.as_view(), name="evidence"),
]
