from rest_framework.routers import DefaultRouter

from . import views

app_name = "rounds_api"

router = DefaultRouter()
router.register("rounds", views.RoundViewSet, basename="round")
router.register("round-candidates", views.CandidateViewSet, basename="round_candidate")
router.register("round-applications", views.ApplicationViewSet, basename="round_application")
router.register("round-lists", views.ProposedListViewSet, basename="round_list")
router.register("agreements", views.AgreementViewSet, basename="agreement")

urlpatterns = router.urls
