"""Log-in, log-out and password pages (Django's own views and tokens). Thin: the throttle
and audit are services.

The log-in view must never reveal whether a username exists: a wrong
password and an unknown user get the same message, and both are counted.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy

from neutra.web.accounts import services
from neutra.web.accounts.addresses import client_address


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", ""))
        try:
            services.login_throttle_check(username=username, address=client_address(request))
        except services.LoginThrottledError as error:
            context = self.get_context_data(form=self.get_form(), throttled=error.message)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(error.extra["retry_after_seconds"])
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        services.login_failure_record(
            username=str(self.request.POST.get("username", "")),
            address=client_address(self.request),
        )
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.login_success_record(user=form.get_user(), address=client_address(self.request))
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule), so another site cannot log a user out."""


class _Throttled:
    """Refuse with 429 when the username (or e-mail) or the address used up its log-in failures."""

    def _throttled(self, request: HttpRequest, username: str) -> HttpResponse | None:
        try:
            services.login_throttle_check(username=username, address=client_address(request))
        except services.LoginThrottledError as error:
            view: Any = self
            context = view.get_context_data(form=view.get_form(), throttled=error.message)
            response: HttpResponse = view.render_to_response(context, status=429)
            response["Retry-After"] = str(error.extra["retry_after_seconds"])
            return response
        return None


class PasswordChangeView(_Throttled, auth_views.PasswordChangeView):
    """Change one's password, giving the current one; a wrong one counts like a failed log-in."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = self._throttled(request, request.user.get_username())
        return refused or super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        if "old_password" in form.errors:
            services.login_failure_record(
                username=self.request.user.get_username(),
                address=client_address(self.request),
                action="user.password_change_failed",
            )
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.password_changed_record(
            user=form.user, address=client_address(self.request), how="change"
        )
        return response


class PasswordResetView(_Throttled, auth_views.PasswordResetView):
    """Ask for a reset link by e-mail. Every request counts like a failed log-in for the
    address and the e-mail given, and the answer is the same whether an account exists or not."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email = str(request.POST.get("email", ""))
        refused = self._throttled(request, email)
        if refused is not None:
            return refused
        services.login_failure_record(
            username=email,
            address=client_address(request),
            action="user.password_reset_requested",
        )
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choose a new password through the one-time link of the reset e-mail."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.password_changed_record(
            user=form.user, address=client_address(self.request), how="reset"
        )
        return response
