from rest_framework.routers import SimpleRouter

from . import views

app_name = "talent_api"

router = SimpleRouter()
router.register("talent/contracts", views.ContractViewSet, basename="contract")
router.register("talent/visits", views.VisitViewSet, basename="visit")
router.register("talent/reviews", views.ReviewViewSet, basename="review")

urlpatterns = router.urls
