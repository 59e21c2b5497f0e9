"""The Redis channel layer under a burst: a web process's sockets get every group message.

channels_redis keeps one queue per web process (all its sockets' channels)
and drops group messages beyond its capacity, or older than its expiry,
without an error; with the defaults (100, 60 s) a burst of jobs lost `done`
events (docs/benchmarks.md, "Load").
"""

import asyncio
import shutil
import subprocess
import time

import pytest
from channels_redis import core
from channels_redis.core import RedisChannelLayer

from diagramsite.settings import redis_channel_layer
from tests.loopback import free_port
from tests.prerequisites import need
from tests.stack import wait_for_port

BURST = 500  # group messages queued for one web process before it reads any


@pytest.fixture
def redis_url(tmp_path):
    need(shutil.which("redis-server") is not None, "redis-server is missing")
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
        + ["--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=15)


async def test_a_burst_of_group_messages_reaches_a_busy_web_process(redis_url):
    config = redis_channel_layer(redis_url)["CONFIG"]
    web, worker = RedisChannelLayer(**config), RedisChannelLayer(**config)
    try:
        # Three tabs of one job in one web process, and a worker publishing.
        tabs = [await web.new_channel() for _ in range(3)]
        for channel in tabs:
            await web.group_add("job-1", channel)
        for index in range(BURST):
            await worker.group_send("job-1", {"type": "progress", "index": index})
        for channel in tabs:
            received = [await asyncio.wait_for(web.receive(channel), 10) for _ in range(BURST)]
            assert [m["index"] for m in received] == list(range(BURST))
    finally:
        await web.flush()
        await web.close_pools()
        await worker.close_pools()


async def test_a_message_a_slow_web_process_reads_late_is_still_delivered(redis_url, monkeypatch):
    config = redis_channel_layer(redis_url)["CONFIG"]
    web, worker = RedisChannelLayer(**config), RedisChannelLayer(**config)
    try:
        tab = await web.new_channel()
        await web.group_add("job-1", tab)
        await worker.group_send("job-1", {"type": "done", "status": "done"})
        # The next job's event comes 90 s later; the web process has read nothing since
        # (channels_redis purges messages older than its expiry on every send).
        later = time.time() + 90
        monkeypatch.setattr(core.time, "time", lambda: later)
        await worker.group_send("job-1", {"type": "progress", "stage": "generating"})
        first = await asyncio.wait_for(web.receive(tab), 10)
        assert first["type"] == "done"
    finally:
        await web.flush()
        await web.close_pools()
        await worker.close_pools()
