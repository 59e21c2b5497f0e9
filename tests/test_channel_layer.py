"""The Redis channel layer under a burst: a web process's sockets get every group message.

channels_redis keeps one queue per web process (all its sockets' channels)
and drops group messages beyond its capacity without an error; with the
default of 100, a burst of jobs lost `done` events (docs/benchmarks.md, "Load").
"""

import asyncio
import shutil
import subprocess

import pytest
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
