from django.urls import path, re_path

from . import views

app_name = "talent"

urlpatterns = [
    path("", views.ContractListView.as_view(), name="contracts"),
    path("contracts/new/", views.ContractCreateView.as_view(), name="contract_create"),
    path("contracts/<int:pk>/", views.ContractDetailView.as_view(), name="contract_detail"),
    path("contracts/<int:pk>/sign/", views.ContractSignView.as_view(), name="contract_sign"),
    path("contracts/<int:pk>/renew/", views.ContractRenewView.as_view(), name="contract_renew"),
    path("contracts/<int:pk>/payments/", views.PaymentView.as_view(), name="payment_create"),
    path("contracts/<int:pk>/terminate/", views.ContractTerminateView.as_view(), name="contract_terminate"),
    path("contracts/<int:pk>/visits/", views.VisitCreateView.as_view(), name="visit_create"),
    path("contracts/<int:pk>/termination-requests/", views.TerminationFileView.as_view(), name="termination_file"),
    path("contracts/<int:pk>/review/", views.ReviewCreateView.as_view(), name="review_create"),
    path("reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
    re_path(r"^reviews/(?P<pk>\d+)/table\.(?P<fmt>xlsx|pdf)$", views.ReviewExportView.as_view(), name="review_export"),
    path("experts/", views.ExpertListView.as_view(), name="experts"),
    path("experts/new/", views.ExpertCreateView.as_view(), name="expert_create"),
    path("teams/new/", views.TeamCreateView.as_view(), name="team_create"),
    path("budget/", views.BudgetView.as_view(), name="budget"),
]
