"""Pages of the tenancy app: organisations, their entities and people, invitations."""

from __future__ import annotations

from django.urls import path

from neutra.web.tenancy import views

app_name = "tenancy"

urlpatterns = [
    path("", views.home, name="home"),
    path("organisations/new", views.organisation_new, name="organisation_new"),
    path("organisations/<int:organisation_id>/entities", views.entity_add, name="entity_add"),
    path("organisations/<int:organisation_id>/members", views.member_invite, name="member_invite"),
    path(
        "organisations/<int:organisation_id>/members/<int:membership_id>/revoke",
        views.member_revoke,
        name="member_revoke",
    ),
    path("invitations/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
]
