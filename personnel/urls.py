from django.urls import path

from . import views

app_name = "personnel"

urlpatterns = [
    path("institutions/", views.InstitutionTreeView.as_view(), name="institution_tree"),
    path("staff/", views.StaffListView.as_view(), name="staff_list"),
    path("staff/new/", views.StaffCreateView.as_view(), name="staff_create"),
    path("staff/<int:pk>/", views.StaffDetailView.as_view(), name="staff_detail"),
    path("staff/<int:pk>/edit/", views.StaffUpdateView.as_view(), name="staff_update"),
    path("staff/<int:pk>/titles/new/", views.TitleCreateView.as_view(), name="title_create"),
]
