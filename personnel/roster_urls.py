from django.urls import path

from . import roster_views as views

app_name = "roster"

urlpatterns = [
    path("", views.RosterUploadView.as_view(), name="upload"),
    path("history/", views.RosterHistoryView.as_view(), name="history"),
    path("template.xlsx", views.RosterTemplateView.as_view(), name="template"),
    path("export.xlsx", views.StaffExportView.as_view(), name="export"),
    path("<int:pk>/", views.RosterDetailView.as_view(), name="detail"),
    path("<int:pk>/confirm/", views.RosterConfirmView.as_view(), name="confirm"),
    path("<int:pk>/progress/", views.RosterProgressView.as_view(), name="progress"),
    path("<int:pk>/errors.xlsx", views.RosterErrorsWorkbookView.as_view(), name="errors_workbook"),
]
