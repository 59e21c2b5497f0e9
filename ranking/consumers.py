"""Websocket consumer that streams one job's progress to its owner."""

from __future__ import annotations

import asyncio
import logging

from channels.consumer import get_handler_name
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


def in_db_pool(func):
    """Wrap a read-only `func` for the consumer: one database call in the thread pool.

    Not on the one thread that thread-sensitive calls share: every socket's
    handshake would queue there behind the others and behind SQLite's lock
    waits. These calls only read, in autocommit, so no transaction or other
    thread-bound state is involved.
    """
    return database_sync_to_async(func, thread_sensitive=False)


def handshake(user, job_id) -> tuple[int | None, dict | None]:
    """Return (close code, None) to refuse the socket, or (None, the job's `state`) to accept it.

    The ownership check and the job's state come from one query (three for
    a finished job: its diagrams and their ratings). `user` is usually the
    lazy user of diagramsite/wsauth.py: its session and user look-ups run
    here too, so the whole handshake is one trip to a database thread.
    """
    from ranking.api.serializers import JobDetailSerializer

    if user is None or not user.is_authenticated:
        return CLOSE_ANONYMOUS, None
    try:
        job = get_job_for_user(user, job_id)
    except Http404:
        return CLOSE_NOT_FOUND, None
    return None, dict(JobDetailSerializer(job).data)


class JobConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/jobs/<id>/`: a `state` message on connect, then the job's group events.

    Anonymous users and anyone but the owner are refused before the
    handshake completes. The group is joined before the state is read, so
    no event falls between the two (a candidate may arrive twice: clients
    de-duplicate by its `index`); a refused socket leaves it again and
    forwards nothing. The state says where the job is, `done` included, so a
    tab that (re)connects after the `done` event still sees the end.
    """

    group: str | None = None
    live = False

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            # disconnect() does not run when the instance is cancelled (daphne
            # cancels one that outlives its socket by 10 s, e.g. a handshake
            # still waiting for the database): without this the in-memory
            # layer would keep the dead channel in the job's group.
            await self.leave_group()

    async def connect(self):
        job_id = self.scope["url_route"]["kwargs"]["job_id"]
        events.remember_consumer_loop(asyncio.get_running_loop())
        self.group = events.group_name(int(job_id))
        await self.channel_layer.group_add(self.group, self.channel_name)
        refusal, state = await self.read_handshake(self.scope.get("user"), job_id)
        if refusal is not None:
            await self.leave_group()
            await self.close(code=refusal)
            return
        await self.accept()
        self.live = True
        await self.send_json({"type": "state", **state})

    async def websocket_disconnect(self, message):
        """Leave the group and stop, without channels' database trip (see `dispatch`)."""
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def disconnect(self, code):
        self.live = False
        await self.leave_group()

    async def leave_group(self) -> None:
        """Leave the job's group, once."""
        group, self.group = self.group, None
        if group is not None:
            await self.channel_layer.group_discard(group, self.channel_name)

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

    # Group events: each is forwarded as is, to an accepted socket only; the
    # method name is the event type.
    async def forward(self, event) -> None:
        if self.live:
            await self.send_json(event)

    async def progress(self, event):
        await self.forward(event)

    async def candidate(self, event):
        await self.forward(event)

    async def done(self, event):
        await self.forward(event)

    async def error(self, event):
        await self.forward(event)

    async def dispatch(self, message):
        """Run the handler; on an unexpected exception log it, tell the client, and close.

        Unlike channels' own dispatch, no `close_old_connections` call on the
        thread that thread-sensitive calls share before every message: this
        consumer reads the database only in `read_handshake`, which recycles
        its own connection, and that extra trip per socket per event queued
        the handshakes of a burst behind the events of every other socket.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        try:
            await handler(message)
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

    read_handshake = staticmethod(in_db_pool(handshake))
