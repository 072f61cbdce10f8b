from django.urls import path

from . import views

app_name = "secondments"

urlpatterns = [
    path("", views.SecondmentListView.as_view(), name="list"),
    path("<int:pk>/", views.SecondmentDetailView.as_view(), name="detail"),
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("planning/", views.PlanningView.as_view(), name="planning"),
]
