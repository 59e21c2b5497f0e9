"""What one web process pays Redis to read group messages: channels_redis's core layer vs pub/sub.

On a throwaway redis-server: a web-process layer with three sockets in one
group (three tabs of one job) and a worker layer sending MESSAGES group
messages; then the web process reads them all. Printed per layer: Redis
commands processed for the whole exchange (INFO total_commands_processed,
Lua scripts' inner calls included), seconds to send and seconds to read.
The core layer is configured as settings.py had it before pub/sub
(capacity 5000, expiry 300).

    taskset -c 1 nice -n 5 .venv/bin/python bench/channel_layer_cost.py
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import redis
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.stack import redis_server  # noqa: E402


async def exchange(layer_class, config: dict, url: str, messages: int) -> dict:
    """Send `messages` group messages to three sockets of one web process; return the costs."""
    web, worker = layer_class(**config), layer_class(**config)
    tabs = [await web.new_channel() for _ in range(3)]
    for channel in tabs:
        await web.group_add("job-1", channel)
    client = redis.Redis.from_url(url)
    before = int(client.info("stats")["total_commands_processed"])
    started = time.perf_counter()
    for index in range(messages):
        await worker.group_send("job-1", {"type": "progress", "index": index})
    sent = time.perf_counter()
    for channel in tabs:
        for _ in range(messages):
            await web.receive(channel)
    read = time.perf_counter()
    commands = int(client.info("stats")["total_commands_processed"]) - before
    client.close()
    await web.flush()
    await worker.flush()
    if hasattr(web, "close_pools"):
        await web.close_pools()
        await worker.close_pools()
    return {
        "redis_commands": commands,
        "send_s": round(sent - started, 2),
        "read_s": round(read - sent, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, redis_server(tmp) as url:
        layers = {
            "core": (RedisChannelLayer, {"hosts": [url], "capacity": 5000, "expiry": 300}),
            "pubsub": (RedisPubSubChannelLayer, {"hosts": [url]}),
        }
        for name, (layer_class, config) in layers.items():
            costs = asyncio.run(exchange(layer_class, config, url, args.messages))
            print(f"{name}: {args.messages} messages to 3 sockets: {costs}", flush=True)


if __name__ == "__main__":
    main()
