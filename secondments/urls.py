from django.urls import path

from . import views

app_name = "secondments"

urlpatterns = [
    path("", views.SecondmentListView.as_view(), name="list"),
    path("<int:pk>/", views.SecondmentDetailView.as_view(), name="detail"),
    path("<int:pk>/evaluation/", views.EvaluationView.as_view(), name="evaluation"),
    path("<int:pk>/evaluation.pdf", views.EvaluationDownloadView.as_view(), {"fmt": "pdf"}, name="evaluation_pdf"),
    path("<int:pk>/evaluation.xlsx", views.EvaluationDownloadView.as_view(), {"fmt": "xlsx"}, name="evaluation_xlsx"),
    path("<int:pk>/score/<int:year>/", views.ScoreView.as_view(), name="score"),
    path("assessments/", views.AssessmentListView.as_view(), name="assessments"),
    path("ledger/", views.LedgerView.as_view(), name="ledger"),
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("planning/", views.PlanningView.as_view(), name="planning"),
]
