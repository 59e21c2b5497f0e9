"""What a Celery worker's events leave for the cycle collector (ranking.events.publish).

On a throwaway redis-server, with the settings of the scale-out runtime
(pub/sub channel layer): publishes WARMUP events, then, with the automatic
collector off, EVENTS more from this plain thread, as a Celery task does
(each one a fresh event loop in a fresh thread, a fresh Redis client).
Printed: pymalloc blocks and gc-tracked objects left per event, the types
left most, and what one gc.collect() then finds unreachable and frees.

    taskset -c 1 nice -n 5 .venv/bin/python bench/publish_garbage.py --events 200
"""

from __future__ import annotations

import argparse
import collections
import gc
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.stack import redis_server  # noqa: E402


def type_counts() -> collections.Counter:
    return collections.Counter(type(o).__name__ for o in gc.get_objects())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="diagramsite-publish-") as tmp,
        redis_server(tmp) as url,
    ):
        os.environ.update(
            DJANGO_SETTINGS_MODULE="diagramsite.settings",
            WORKER_MODE="celery",
            REDIS_URL=url,
            DEBUG="0",
            SECRET_KEY="bench-only-" + "x" * 50,
        )
        import django

        django.setup()
        from ranking import events

        for i in range(args.warmup):
            events.publish(1, {"type": "progress", "n": i})
        gc.collect()
        gc.disable()
        before, blocks = type_counts(), sys.getallocatedblocks()
        for i in range(args.events):
            events.publish(1, {"type": "progress", "n": i})
        left, left_blocks = type_counts() - before, sys.getallocatedblocks() - blocks
        unreachable = gc.collect()
        freed_blocks = left_blocks - (sys.getallocatedblocks() - blocks)
        gc.enable()
    n = args.events
    print(f"{n} events, automatic collector off:")
    per_event = f"{left_blocks / n:.0f} pymalloc blocks, {left.total() / n:.0f} gc objects"
    print(f"  left per event: {per_event}")
    print(f"  most left: {left.most_common(12)}")
    print(f"  one gc.collect(): {unreachable} unreachable ({unreachable / n:.0f} per event),")
    print(f"  {freed_blocks} of the {left_blocks} blocks freed")


if __name__ == "__main__":
    main()
