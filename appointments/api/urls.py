from rest_framework.routers import DefaultRouter

from . import views

app_name = "appointments_api"

router = DefaultRouter()
router.register("appointments", views.AppointmentViewSet, basename="appointment")

urlpatterns = router.urls
