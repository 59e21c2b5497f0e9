"""The log-in page: Django's LoginView that answers 429 while the throttle holds."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator

from accounts import throttle


@method_decorator(login_not_required, name="dispatch")
class ThrottledLoginView(auth_views.LoginView):
    """Log in; after too many failures for this username and address, HTTP 429 with why."""

    redirect_authenticated_user = True

    def form_invalid(self, form):
        # Set by accounts.backends when the lock refused this try unchecked.
        if getattr(self.request, "login_throttled", False):
            context = self.get_context_data(form=form, locked_message=throttle.locked_message())
            return self.render_to_response(context, status=429)
        return super().form_invalid(form)
