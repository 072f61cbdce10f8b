from rest_framework.routers import SimpleRouter

from .roster import RosterImportViewSet

app_name = "roster_api"

router = SimpleRouter()
router.register("roster-imports", RosterImportViewSet, basename="roster-import")

urlpatterns = router.urls
