"""Pages of the credits ledger."""

from __future__ import annotations

from django.urls import path

from neutra.web.credits import views

app_name = "credits"

urlpatterns = [
    path("credits/", views.home, name="home"),
    path("credits/purchase", views.purchase, name="purchase"),
    path("credits/operate", views.operate, name="operate"),
    path("credits/preview", views.preview, name="preview"),
    path("credits/projects", views.project_new, name="project_new"),
    path("credits/accounts", views.account_new, name="account_new"),
    path("credits/import", views.import_ledger, name="import"),
    path("credits/export.csv", views.export_ledger, name="export"),
    path("credits/reconcile", views.reconcile_statement, name="reconcile"),
    path("credits/find", views.find, name="find"),
    path("credits/blocks/<int:block_id>/", views.block_detail, name="block"),
    path("credits/attestations/<int:transaction_id>", views.attestation, name="attestation"),
    path(
        "organisations/<int:organisation_id>/credits/",
        views.organisation_credits,
        name="organisation",
    ),
]
