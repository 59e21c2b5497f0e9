"""Login throttling: after too many failed log-ins, refuse further tries for a while.

Failures are counted in the cache (Redis when REDIS_URL is set, so every web
process shares the count) per key: a username with the client's address for
passwords, the client's address alone for API tokens (a token names no
user). After LOGIN_FAILURE_LIMIT failures within LOGIN_FAILURE_WINDOW_SECONDS
of the first one, every try with that key is refused, even with the right
password, until the window passes; a successful log-in clears the count.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

LOCKED_MESSAGE = "Too many failed log-ins from your address. Try again in {minutes} minutes."


def client_address(request) -> str:
    """Return the address the request came from ("" when unknown).

    REMOTE_ADDR only: a forwarded-for header is whatever the client wrote.
    """
    return (getattr(request, "META", None) or {}).get("REMOTE_ADDR", "") if request else ""


def _key(kind: str, *parts: str) -> str:
    # Hashed: usernames may hold characters a cache key must not.
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return f"login-failures:{kind}:{digest}"


def password_key(username: str, address: str) -> str:
    """Return the counter key of password log-ins for `username` from `address`."""
    return _key("password", (username or "").strip().lower(), address)


def token_key(address: str) -> str:
    """Return the counter key of API token log-ins from `address`."""
    return _key("token", address)


def is_locked(key: str) -> bool:
    """Return True while `key` has reached the failure limit in the current window."""
    return (cache.get(key) or 0) >= settings.LOGIN_FAILURE_LIMIT


def record_failure(key: str) -> int:
    """Count one failed log-in for `key`; return the count in the current window.

    The window starts at the first failure (`add` sets the expiry once;
    `incr` keeps it), so the lock lifts when that window passes.
    """
    cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this failure opens a new window
        cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
        return 1


def clear(key: str) -> None:
    """Forget the failures of `key` (after a successful log-in)."""
    cache.delete(key)


def locked_message() -> str:
    """Return the message shown to a locked-out client."""
    return LOCKED_MESSAGE.format(minutes=max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60))
