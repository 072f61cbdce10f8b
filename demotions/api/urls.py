"""REST endpoints of the 能上能下 app."""

from rest_framework.routers import SimpleRouter

from . import views

app_name = "demotions_api"

router = SimpleRouter()
router.register("demotion-cases", views.DemotionCaseViewSet, basename="demotion-case")
router.register("rectifications", views.RectificationViewSet, basename="rectification")
router.register("conduct-events", views.ConductEventViewSet, basename="conduct-event")

urlpatterns = router.urls
