"""政策参数管理 (mounted at /policies/)."""

from django.urls import path

from . import policy_admin

app_name = "policies"

urlpatterns = [
    path("", policy_admin.PolicyView.as_view(), name="detail"),
    path("compare/", policy_admin.PolicyCompareView.as_view(), name="compare"),
    path("<int:pk>/usage/<slug:kind>/", policy_admin.PolicyUsageView.as_view(), name="usage"),
]
