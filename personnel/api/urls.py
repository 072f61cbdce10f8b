from rest_framework.routers import DefaultRouter

from . import views

app_name = "personnel_api"

router = DefaultRouter()
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("staff", views.StaffViewSet, basename="staff")
router.register("titles", views.TitleViewSet, basename="title")
router.register("quotas", views.PostQuotaViewSet, basename="quota")

urlpatterns = router.urls
