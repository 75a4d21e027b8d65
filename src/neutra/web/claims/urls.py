"""Pages of neutrality claims, reports and disclosures, and the public verification pages."""

from __future__ import annotations

from django.urls import URLPattern, path

from neutra.web.claims import views

app_name = "claims"

urlpatterns: list[URLPattern] = [
    path("organisations/<int:organisation_id>/claims/", views.claims_page, name="list"),
    path("claims/<int:claim_id>/", views.claim_page, name="claim"),
    path("claims/<int:claim_id>/evaluate", views.claim_evaluate, name="evaluate"),
    path("claims/<int:claim_id>/issue", views.claim_issue, name="issue"),
    path("claims/<int:claim_id>/withdraw", views.claim_withdraw, name="withdraw"),
    path("claims/<int:claim_id>/<slug:part>.pdf", views.claim_download, name="download"),
    path(
        "organisations/<int:organisation_id>/reports/<int:year>/<slug:kind>.<slug:fmt>",
        views.report_download,
        name="report",
    ),
    path(
        "organisations/<int:organisation_id>/disclosures/<int:year>/<slug:framework>.<slug:fmt>",
        views.disclosure_download,
        name="disclosure",
    ),
    # Public: no log-in. A claim is reached only by its unguessable token, once issued.
    path("verify/keys/", views.verify_keys, name="keys"),
    path("verify/<str:claim_token>/", views.verify_page, name="verify"),
    path(
        "verify/<str:claim_token>/certificate.pdf",
        views.verify_certificate,
        name="verify_certificate",
    ),
]
