from rest_framework.routers import DefaultRouter

from . import views

app_name = "secondments_api"

router = DefaultRouter()
router.register("secondments", views.SecondmentViewSet, basename="secondment")
router.register("secondment-leaves", views.LeaveViewSet, basename="secondment_leave")
router.register("secondment-attendance", views.AttendanceViewSet, basename="secondment_attendance")

urlpatterns = router.urls
