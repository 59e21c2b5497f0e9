"""The authentication backend: Django's ModelBackend behind the login throttle.

Every password log-in (the login page, the admin's, anything calling
`authenticate`) passes here, so the throttle holds on all of them.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from accounts import throttle


class ThrottledModelBackend(ModelBackend):
    """Refuse a locked-out username+address before checking the password; count failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None or password is None:
            # Not a client's log-in (a shell, a command): nothing to throttle.
            return super().authenticate(request, username=username, password=password, **kwargs)
        key = throttle.password_key(username, throttle.client_address(request))
        if throttle.is_locked(key):
            # Tells the login view to answer 429 rather than "wrong password".
            request.login_throttled = True
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            throttle.record_failure(key)
        else:
            throttle.clear(key)
        return user
