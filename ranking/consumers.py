"""Websocket consumer that streams one job's progress to its owner."""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from ranking import events
from ranking.access import get_job_for_user

log = logging.getLogger(__name__)

# Close codes (4000-4999 are the application's own): the page can tell why.
CLOSE_BAD_MESSAGE = 4400
CLOSE_ANONYMOUS = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_SERVER_ERROR = 4500


class JobConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/jobs/<id>/`: a `state` message on connect, then the job's group events.

    Anonymous users and anyone but the owner are refused before the
    handshake completes. The group is joined before the state is read, so
    no event falls between the two (a candidate may arrive twice: clients
    de-duplicate by its `index`).
    """

    group: str | None = None

    async def connect(self):
        user = self.scope.get("user")
        job_id = self.scope["url_route"]["kwargs"]["job_id"]
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_ANONYMOUS)
            return
        if not await self.owns_job(user, job_id):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        events.remember_consumer_loop(asyncio.get_running_loop())
        self.group = events.group_name(int(job_id))
        await self.channel_layer.group_add(self.group, self.channel_name)
        state = await self.job_state(user, job_id)
        await self.accept()
        await self.send_json({"type": "state", **state})

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Read a client message as JSON; a binary or unreadable one ends the socket (4400)."""
        if text_data is None:
            await self.refuse_message("Binary messages are not understood; send ping or nothing.")
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            await self.refuse_message("Messages are JSON; send ping or nothing.")
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        """Answer `{"type": "ping"}`; a client has nothing else to say (anything else: 4400)."""
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.refuse_message("Unknown message; send ping or nothing.")

    async def refuse_message(self, reason: str) -> None:
        """Tell the client why, then close: a client breaking the protocol changes nothing."""
        await self.send_json({"type": "error", "error": reason})
        await self.close(code=CLOSE_BAD_MESSAGE)

    # Group events: each is forwarded as is; the method name is the event type.
    async def progress(self, event):
        await self.send_json(event)

    async def candidate(self, event):
        await self.send_json(event)

    async def done(self, event):
        await self.send_json(event)

    async def error(self, event):
        await self.send_json(event)

    async def dispatch(self, message):
        """Run the handler; on an unexpected exception log it, tell the client, and close."""
        try:
            await super().dispatch(message)
        except (StopConsumer, asyncio.CancelledError):
            raise
        except Exception as exc:
            log.exception("job consumer failed on %s", message.get("type"))
            try:
                await self.send_json(
                    {"type": "error", "error": f"Server error: {type(exc).__name__}"}
                )
                await self.close(code=CLOSE_SERVER_ERROR)
            except Exception:
                log.exception("could not report the failure to the client")
            raise

    @database_sync_to_async
    def owns_job(self, user, job_id) -> bool:
        try:
            get_job_for_user(user, job_id)
        except Http404:
            return False
        return True

    @database_sync_to_async
    def job_state(self, user, job_id) -> dict:
        from ranking.api.serializers import JobDetailSerializer

        return dict(JobDetailSerializer(get_job_for_user(user, job_id)).data)
