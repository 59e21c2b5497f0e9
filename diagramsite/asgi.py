"""ASGI entry point: HTTP through Django, websockets through Channels.

The whole stack is visible here: origin check, then session auth, then routes.
The websocket user is resolved lazily, inside the consumer's one database
call (diagramsite/wsauth.py).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diagramsite.settings")
# Django must be set up before anything imports models (the routes do).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from diagramsite.routing import websocket_urlpatterns  # noqa: E402
from diagramsite.wsauth import LazyAuthMiddlewareStack  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            LazyAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
