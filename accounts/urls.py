from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("login/verify/", views.OTPVerifyView.as_view(), name="otp_verify"),
    path("2fa/", views.OTPSetupView.as_view(), name="otp_setup"),
    path("api-keys/", views.ApiKeyListView.as_view(), name="api_keys"),
    path("api-keys/new/", views.ApiKeyIssueView.as_view(), name="api_key_issue"),
    path("api-keys/<str:prefix>/edit/", views.ApiKeyEditView.as_view(), name="api_key_edit"),
    path("api-keys/<str:prefix>/rotate/", views.ApiKeyRotateView.as_view(), name="api_key_rotate"),
    path("api-keys/<str:prefix>/revoke/", views.ApiKeyRevokeView.as_view(), name="api_key_revoke"),
]
