from django.urls import path

from . import views

app_name = "appointments"

urlpatterns = [
    path("", views.AppointmentListView.as_view(), name="list"),
    path("new/<int:staff_pk>/", views.AppointmentCreateView.as_view(), name="create"),
    path("quotas/", views.QuotaOverviewView.as_view(), name="quotas"),
]
