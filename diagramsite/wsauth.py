"""Session auth for websockets, looked up inside the consumer's one database call.

channels' `AuthMiddlewareStack` resolves `scope["user"]` in a database call
of its own before the consumer runs, on the one thread that every
thread-sensitive call of every websocket shares; the consumer's own calls
then queue there again. Under a burst of tabs that queue outgrew daphne's
handshake timeout, the refused tabs reconnected and the reconnects fed the
queue (docs/benchmarks.md, "Load"). Here `scope["user"]` is a lazy object:
the consumer reads it inside its own (single) database call, so a handshake
costs one trip to a database thread. Read from async code, it raises
Django's SynchronousOnlyOperation rather than blocking the event loop.
"""

from channels.auth import get_user
from channels.middleware import BaseMiddleware
from channels.sessions import SessionMiddlewareStack
from django.utils.functional import SimpleLazyObject

# channels' session-to-user look-up (session hash check included) without
# its own database_sync_to_async wrapper: the plain function underneath.
user_from_session = get_user.__wrapped__


class LazyAuthMiddleware(BaseMiddleware):
    """Put `scope["user"]` in as a lazy object, resolved from the session on first use."""

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        scope["user"] = SimpleLazyObject(lambda: user_from_session(scope))
        return await self.inner(scope, receive, send)


def LazyAuthMiddlewareStack(inner):  # noqa: N802 (named like channels' AuthMiddlewareStack)
    """Return cookies, session and lazy user around `inner`, like channels' AuthMiddlewareStack."""
    return SessionMiddlewareStack(LazyAuthMiddleware(inner))
