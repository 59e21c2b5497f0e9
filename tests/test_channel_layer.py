"""The Redis channel layer as configured (settings.redis_channel_layer), on a real redis-server.

A burst of group messages must reach every socket of a busy web process, in
order, however late it reads them; the core layer with its defaults
(capacity 100, expiry 60 s) silently dropped them (docs/benchmarks.md,
"Load again"). Reading them must not cost the web process a Redis round trip
per message: with the core layer's four per message, a web process on a
busy core read its events ~30 s late (docs/benchmarks.md, "Scale-out
delivery"). And the Celery workers' way of publishing (a plain thread, a
fresh event loop per event) must reach the real consumer.
"""

import asyncio
import shutil
import threading
import time

import pytest
import redis
from channels.db import database_sync_to_async
from django.test import override_settings
from django.utils.module_loading import import_string

from diagramsite.settings import redis_channel_layer
from ranking import events
from ranking.models import Job
from tests.jobdata import make_job
from tests.prerequisites import need
from tests.sockets import job_socket
from tests.stack import redis_server

BURST = 500  # group messages sent to one web process before it reads any


@pytest.fixture
def redis_url(tmp_path):
    need(shutil.which("redis-server") is not None, "redis-server is missing")
    with redis_server(tmp_path) as url:
        yield url


def configured_layer(url: str):
    """Return a new channel layer built as settings.CHANNEL_LAYERS builds it for `url`."""
    entry = redis_channel_layer(url)
    return import_string(entry["BACKEND"])(**entry["CONFIG"])


def commands_processed(url: str) -> int:
    """Return how many commands the Redis server has processed so far."""
    client = redis.Redis.from_url(url)
    try:
        return int(client.info("stats")["total_commands_processed"])
    finally:
        client.close()


async def settles(read, expected, polls: int = 50) -> bool:
    """Return True once `read()` gives `expected` (Redis notices a closed client a moment later)."""
    for _ in range(polls):
        if read() == expected:
            return True
        await asyncio.sleep(0.1)
    return read() == expected


async def close(*layers) -> None:
    for layer in layers:
        await layer.flush()


async def open_tabs(web, count=3) -> list[str]:
    """Return `count` channels of one web process in job 1's group (tabs of one job)."""
    tabs = [await web.new_channel() for _ in range(count)]
    for channel in tabs:
        await web.group_add("job-1", channel)
    return tabs


async def send_burst(worker) -> None:
    for index in range(BURST):
        await worker.group_send("job-1", {"type": "progress", "index": index})


async def test_a_burst_of_group_messages_reaches_a_busy_web_process(redis_url):
    web, worker = configured_layer(redis_url), configured_layer(redis_url)
    try:
        # Three tabs of one job in one web process, and a worker publishing.
        tabs = await open_tabs(web)
        await send_burst(worker)
        for channel in tabs:
            received = [await asyncio.wait_for(web.receive(channel), 10) for _ in range(BURST)]
            assert [m["index"] for m in received] == list(range(BURST))
    finally:
        await close(web, worker)


async def test_a_message_a_slow_web_process_reads_late_is_still_delivered(redis_url, monkeypatch):
    web, worker = configured_layer(redis_url), configured_layer(redis_url)
    try:
        tab = await web.new_channel()
        await web.group_add("job-1", tab)
        await worker.group_send("job-1", {"type": "done", "status": "done"})
        # The next job's event comes 10 minutes later; the web process has read
        # nothing since (the core layer purged messages older than its expiry on
        # every send).
        later = time.time() + 600
        monkeypatch.setattr(time, "time", lambda: later)
        await worker.group_send("job-1", {"type": "progress", "stage": "generating"})
        first = await asyncio.wait_for(web.receive(tab), 10)
        assert first["type"] == "done"
    finally:
        await close(web, worker)


async def test_a_web_process_reads_a_burst_without_a_redis_command_per_message(redis_url):
    web, worker = configured_layer(redis_url), configured_layer(redis_url)
    try:
        tabs = await open_tabs(web)
        before = commands_processed(redis_url)
        await send_burst(worker)
        for channel in tabs:
            for _ in range(BURST):
                await asyncio.wait_for(web.receive(channel), 10)
        spent = commands_processed(redis_url) - before
        # One PUBLISH per message from the worker, and a handful besides; the
        # core layer spent eight per message (four to send, four to read).
        assert spent - BURST <= 20, f"{spent} Redis commands for {BURST} messages"
    finally:
        await close(web, worker)


@pytest.mark.django_db(transaction=True)
async def test_a_celery_style_publisher_reaches_the_consumer_and_leaves_no_subscription(
    redis_url, alice, alice_client
):
    job = await database_sync_to_async(make_job)(alice, status=Job.Status.RUNNING)
    group = f"asgi__group__{events.group_name(job.pk)}"
    with override_settings(CHANNEL_LAYERS={"default": redis_channel_layer(redis_url)}):
        tabs = [job_socket(job.pk, alice_client) for _ in range(2)]
        for tab in tabs:
            # Generous waits: a shared CPU can take seconds over a handshake.
            connected, _ = await tab.connect(timeout=10)
            assert connected
            assert (await tab.receive_json_from(timeout=10))["type"] == "state"

        client = redis.Redis.from_url(redis_url)
        clients_before = client.info("clients")["connected_clients"]

        def worker():
            # As a Celery task publishes: a plain thread, a new event loop per event.
            for index in range(3):
                events.publish(job.pk, {"type": "candidate", "index": index})
            events.publish(job.pk, {"type": "done", "status": "done"})

        thread = threading.Thread(target=worker)
        thread.start()
        for tab in tabs:
            got = [await tab.receive_json_from(timeout=10) for _ in range(4)]
            assert [m.get("index", m["type"]) for m in got] == [0, 1, 2, "done"]
        thread.join(timeout=30)

        try:
            # Each event's loop closed its connection with it.
            assert await settles(
                lambda: client.info("clients")["connected_clients"], clients_before
            )
            assert client.pubsub_numsub(group) == [(group.encode(), 1)]
            for tab in tabs:
                await tab.disconnect(timeout=10)
            # Leaving the group unsubscribes the web process once its last tab left.
            assert await settles(lambda: client.pubsub_numsub(group), [(group.encode(), 0)])
            assert client.pubsub_channels() == []
        finally:
            client.close()
