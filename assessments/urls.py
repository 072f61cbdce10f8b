from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.PeriodListView.as_view(), name="periods"),
    path("schemes/", views.SchemeListView.as_view(), name="schemes"),
    path("schemes/new/", views.SchemeCreateView.as_view(), name="scheme_new"),
    path("schemes/<int:pk>/", views.SchemeDetailView.as_view(), name="scheme"),
    path("periods/<int:pk>/sheet/", views.SheetView.as_view(), name="sheet"),
    path("progress/", views.ProgressSheetView.as_view(), name="progress"),
    path("targets/<int:pk>/milestones/", views.MilestoneEditView.as_view(), name="milestones"),
    path("results/<int:pk>/return/", views.ReturnAssessmentView.as_view(), name="return"),
]
