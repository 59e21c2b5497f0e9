"""Where daphne's memory goes under load: the embedded runtime in phases of jobs.

Runs bench/load.py's users and tabs against the embedded runtime (one
daphne, SQLite, in-memory layer) for PHASES phases of PER jobs each and,
after the warm-up and after each phase, prints daphne's RSS next to what
bench/memprobe/sitecustomize.py reads inside it: pymalloc's allocated
blocks and the gc-tracked objects (a Python-level leak grows these phase
after phase), threads, open connections and the channel layer's groups
(per-connection state left behind grows these).

    taskset -c 1 nice -n 5 .venv/bin/python bench/load_memory.py --phases 10 --per 100
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from tests.stack import Stack  # noqa: E402


def snapshot(probe: Path) -> dict:
    """Ask daphne's probe for a reading; return it."""
    trigger = Path(f"{probe}.now")
    trigger.touch()
    while trigger.exists():
        time.sleep(0.2)
    return json.loads(probe.read_text().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phases", type=int, default=10)
    parser.add_argument("--per", type=int, default=100, help="jobs per phase")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--tabs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="diagramsite-load-memory-") as tmp:
        probe = Path(tmp) / "probe.jsonl"
        stack = Stack(
            Path(tmp),
            mode="thread",
            FAKE_GENERATOR_DELAY="0",
            **load.DEPLOYED,
            PYTHONPATH=f"{ROOT / 'bench' / 'memprobe'}:{ROOT}",
            DIAG_GC_FILE=str(probe),
        )
        try:
            stack.manage("migrate", "--noinput", "-v", "0")
            stack.use_tiny_scorer()
            web = stack.start_web()
            users = load.create_users(stack, args.users)
            asyncio.run(load.drive(stack.web_port, users, 20, args.tabs, 300))
            for phase in range(args.phases + 1):
                if phase:
                    run = asyncio.run(load.drive(stack.web_port, users, args.per, args.tabs, 300))
                time.sleep(3)  # let the last writes settle
                reading = {k: v for k, v in snapshot(probe).items() if k != "top"}
                label = "warm-up" if phase == 0 else f"after {phase * args.per} jobs"
                extra = "" if phase == 0 else f" lost={run.lost} reconnects={run.retries}"
                print(f"{label}: rss={load.rss_mb(web.pid):.1f} MiB {reading}{extra}", flush=True)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
