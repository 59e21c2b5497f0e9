"""Publish a job's events to its channel-layer group (`job-<id>`), from any thread.

Websocket consumers join that group; the event's `type` names the consumer
method that forwards it (`progress`, `candidate`, `done`, `error`).
"""

from __future__ import annotations

import asyncio
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

log = logging.getLogger(__name__)

EVENT_TYPES = ("progress", "candidate", "done", "error")

# The event loop the websocket consumers run in. The in-memory channel layer
# keeps asyncio queues bound to that loop, so an event from a worker thread
# must be handed to that loop rather than sent from a fresh one.
_consumer_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def group_name(job_id: int) -> str:
    """Return the channel-layer group of a job's events."""
    return f"job-{job_id}"


def remember_consumer_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Record the loop websocket consumers of this process run in."""
    global _consumer_loop
    with _loop_lock:
        _consumer_loop = loop


def publish(job_id: int, event: dict) -> None:
    """Send `event` (a dict with a `type` from EVENT_TYPES) to the job's group.

    Never raises: a lost progress event must not fail the job (the row holds
    the same state for the next `state` message); the failure is logged.
    """
    if event.get("type") not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event.get('type')!r}")
    layer = get_channel_layer()
    if layer is None:
        return
    message = {**event, "job": job_id}
    try:
        loop = _consumer_loop
        if (
            isinstance(layer, InMemoryChannelLayer)
            and loop is not None
            and loop.is_running()
            and not _running_in(loop)
        ):
            future = asyncio.run_coroutine_threadsafe(
                layer.group_send(group_name(job_id), message), loop
            )
            future.result(timeout=10)
        else:
            async_to_sync(layer.group_send)(group_name(job_id), message)
    except Exception:
        log.exception("could not publish %s event of job %s", event.get("type"), job_id)


def _running_in(loop: asyncio.AbstractEventLoop) -> bool:
    """Return True when called from inside `loop` (where blocking on it would deadlock)."""
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
