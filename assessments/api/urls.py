from rest_framework.routers import SimpleRouter

from . import views

app_name = "assessments_api"

router = SimpleRouter()
router.register("assessment-periods", views.PeriodViewSet, basename="period")
router.register("assessment-schemes", views.SchemeViewSet, basename="scheme")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("duty-targets", views.DutyTargetViewSet, basename="duty-target")
router.register("target-progress", views.TargetProgressViewSet, basename="target-progress")
router.register("workload", views.WorkloadViewSet, basename="workload")

urlpatterns = router.urls
