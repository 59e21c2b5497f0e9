"""Site-wide HTTP middleware: security headers and the request size limit."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse


class SecurityHeadersMiddleware:
    """Put the Content-Security-Policy on every response (Django 5.2 has no CSP setting)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class RequestSizeLimitMiddleware:
    """Refuse a body over MAX_REQUEST_BODY_BYTES with 413 before any view or parser reads it.

    DRF's parsers read the request stream directly, past Django's own
    DATA_UPLOAD_MAX_MEMORY_SIZE, so the limit is enforced here for both.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MAX_REQUEST_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            message = f"The request body is larger than {limit} bytes."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "too_large"}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain")
        return self.get_response(request)
