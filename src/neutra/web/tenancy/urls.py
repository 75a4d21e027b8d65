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
    path(
        "organisations/<int:organisation_id>/invitations/<int:invitation_id>/withdraw",
        views.invitation_withdraw_view,
        name="invitation_withdraw",
    ),
    path(
        "invitations/<int:invitation_id>/accept",
        views.invitation_accept_view,
        name="invitation_accept",
    ),
    path(
        "invitations/<int:invitation_id>/decline",
        views.invitation_decline_view,
        name="invitation_decline",
    ),
    path("invitations/<int:invitation_id>/<str:token>/", views.invitation_link, name="invitation"),
]
