"""Log-in and log-out pages. Thin: the throttle and audit are services.

The log-in view must never reveal whether a username exists: a wrong
password and an unknown user get the same message, and both are counted.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

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
