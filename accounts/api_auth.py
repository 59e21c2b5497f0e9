"""API token authentication behind the login throttle (a token guess is a failed log-in)."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts import throttle


class ThrottledTokenAuthentication(TokenAuthentication):
    """DRF token auth; too many wrong tokens from one address get HTTP 429 for a while."""

    def authenticate(self, request):
        if not request.META.get("HTTP_AUTHORIZATION"):
            return None  # no token offered: nothing to count
        key = throttle.token_key(throttle.client_address(request))
        if throttle.is_locked(key):
            raise exceptions.Throttled(detail=throttle.locked_message())
        try:
            result = super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle.record_failure(key)
            raise
        if result is not None:
            throttle.clear(key)
        return result
