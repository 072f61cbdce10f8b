from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import LoginView
from personnel.views import HomeView

from .health import healthz

CDN = "https://cdn.jsdelivr.net"

api_v1 = [
    path("", include("personnel.api.urls")),
    path("", include("appointments.api.urls")),
    path("", include("personnel.api.roster_urls")),
    path("", include("assessments.api.urls")),
    path("", include("talent.api.urls")),
    path("", include("secondments.api.urls")),
    path("", include("demotions.api.urls")),
    path("", include("rounds.api.urls")),
    path("", include("dashboard.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The admin signs in through the site's login (lockout, second factor), never its own form.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI: its own script served from here (the split view, no inline script); the UI's files
    # come from the CDN drf-spectacular names, and its page has a <style> block: allowed on this page only.
    path(
        "api/docs/",
        csp_update({"script-src": [CDN], "style-src": [CDN, "'unsafe-inline'"], "img-src": [CDN]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="api-docs",
    ),
    # Not namespaced: settings name them (LOGIN_URL, LOGIN_REDIRECT_URL, LOGOUT_REDIRECT_URL).
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", HomeView.as_view(), name="home"),
    path("", include("personnel.urls")),
    path("appointments/", include("appointments.urls")),
    path("roster/", include("personnel.roster_urls")),
    path("assessments/", include("assessments.urls")),
    path("talent/", include("talent.urls")),
    path("secondments/", include("secondments.urls")),
    path("demotions/", include("demotions.urls")),
    path("rounds/", include("rounds.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("notifications/", include("notifications.urls")),
    path("tasks/", include("tasks.urls")),
    path("policies/", include("personnel.policy_urls")),
    path("access-log/", include("accesslog.urls")),
    path("accounts/", include("accounts.urls")),
]

# JSON for a URL under /api/ that matches no route (the API fuzz run's finding), the page elsewhere.
handler404 = "personnel.api.exceptions.not_found"
