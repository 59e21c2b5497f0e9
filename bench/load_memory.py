"""Where the servers' memory goes under load: a runtime in phases of jobs.

Runs bench/load.py's users and tabs against the embedded runtime (one
daphne, SQLite, in-memory layer) or, with `--runtime scale-out`, against
daphne + 2 Celery workers + Redis + PostgreSQL (started by load.running,
so every process gets `--env`) for PHASES phases of PER jobs each and,
after the warm-up and after each phase, prints daphne's RSS next to what
bench/memprobe/sitecustomize.py reads inside it: pymalloc's allocated
blocks and the gc-tracked objects (a Python-level leak grows these phase
after phase), threads, open connections and the channel layer's groups
(per-connection state left behind grows these); glibc's C heap (bytes in
use, bytes free but kept) and where the RSS lies (/proc smaps: the brk
heap, anonymous maps such as the other malloc arenas and thread stacks,
files). After the last phase it asks for a full gc.collect() (how much of
the growth was cyclic garbage waiting for the oldest generation) and then
malloc_trim(0), printing the RSS before and after: what the allocator kept
but did not use. In the
scale-out runtime each Celery worker gets a line of its own after daphne's:
the same probe (bench/memprobe/sitecustomize.py loads into `celery` too),
plus Celery's set of finished task ids and the object types that grew most
since the warm-up.

Variants of the allocator for the same run: `--env MALLOC_ARENA_MAX=2`
(every process's environment), `--trim-seconds 5` (a thread in daphne runs
malloc_trim(0) every 5 s), `--env DIAG_CELERY_NO_COLLECT=1` (the workers
trim without the full gc.collect() before it, from the warm-up on: the
control for ranking.memory's `collect`). `--env DIAG_TRACEMALLOC=1` traces
daphne's Python allocations (`=celery`: the workers' only;
DIAG_TRACEMALLOC_FRAMES=N groups by N frames) and prints the lines that
grew most since the warm-up (slow: for finding a culprit, not for the
figures; a traced worker is slow enough for the reaper to re-send jobs).

    taskset -c 1 nice -n 5 .venv/bin/python bench/load_memory.py --phases 10 --per 100
    taskset -c 1 nice -n 5 .venv/bin/python bench/load_memory.py --phases 20 --per 100 \
        --env MALLOC_ARENA_MAX=2
    # DEBUG off, as deployed (plain http on loopback, so no https redirect):
    taskset -c 1 nice -n 5 .venv/bin/python bench/load_memory.py --phases 10 --per 100 \
        --env DEBUG=0 --env SECRET_KEY=bench-only-$(openssl rand -hex 32) \
        --env SECURE_SSL_REDIRECT=0
    # The same, scale-out:
    taskset -c 1 nice -n 5 .venv/bin/python bench/load_memory.py --runtime scale-out \
        --phases 8 --per 100 --env DEBUG=0 --env SECRET_KEY=bench-only-$(openssl rand -hex 32) \
        --env SECURE_SSL_REDIRECT=0 --env MALLOC_ARENA_MAX=2
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


def snapshot(probe: Path, first: str = "") -> dict:
    """Ask a server's probe for a reading, `first` "trim" (malloc_trim(0)) or "collect" (gc)."""
    trigger = Path(f"{probe}.now")
    trigger.write_text(first)
    while trigger.exists():
        time.sleep(0.2)
    return json.loads(probe.read_text().splitlines()[-1])


def rss_parts(pid: int) -> dict:
    """Return a process's RSS in MiB split by mapping: brk heap, anonymous maps, files."""
    parts = {"heap": 0, "anon": 0, "file": 0}
    kind = "file"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5 and ":" in fields[3]:  # a mapping's header
            name = fields[5] if len(fields) > 5 else ""
            kind = "heap" if name == "[heap]" else "anon" if not name.startswith("/") else "file"
        elif fields[0] == "Rss:":
            parts[kind] += int(fields[1])
    return {k: round(v / 1024, 1) for k, v in parts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runtime", choices=["embedded", "scale-out"], default="embedded")
    parser.add_argument("--phases", type=int, default=10)
    parser.add_argument("--per", type=int, default=100, help="jobs per phase")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--tabs", type=int, default=3)
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="set in every process's env"
    )
    parser.add_argument("--trim-seconds", type=float, help="malloc_trim(0) in daphne every N s")
    args = parser.parse_args()
    extra_env = dict(item.split("=", 1) for item in args.env)
    if args.trim_seconds:
        extra_env["DIAG_MALLOC_TRIM_SECONDS"] = str(args.trim_seconds)
    with tempfile.TemporaryDirectory(prefix="diagramsite-load-memory-") as tmp:
        probe = Path(tmp) / "probe.jsonl"
        memprobe = {
            "PYTHONPATH": f"{ROOT / 'bench' / 'memprobe'}:{ROOT}",
            "DIAG_GC_FILE": str(probe),
        }
        with load.running(args.runtime, Path(tmp), **memprobe, **extra_env) as (stack, pids):
            # A Celery worker's probe answers on its own file (sitecustomize.py).
            probes = {n: Path(f"{probe}.{pid}") for n, pid in pids.items()} | {"daphne": probe}
            users = load.create_users(stack, args.users)
            asyncio.run(load.drive(stack.web_port, users, 20, args.tabs, 300))
            shown = {k: "..." if k == "SECRET_KEY" else v for k, v in extra_env.items()}
            print(f"{args.runtime}, env: {shown or 'as deployed'}", flush=True)
            rss: dict[str, list[float]] = {name: [] for name in pids}
            for phase in range(args.phases + 1):
                if phase:
                    run = asyncio.run(load.drive(stack.web_port, users, args.per, args.tabs, 300))
                time.sleep(3)  # let the last writes settle
                label = "warm-up" if phase == 0 else f"after {phase * args.per} jobs"
                extra = "" if phase == 0 else f" lost={run.lost} reconnects={run.retries}"
                print(label + extra, flush=True)
                for name, pid in pids.items():
                    reading = {k: v for k, v in snapshot(probes[name]).items() if k != "top"}
                    rss[name].append(load.rss_mb(pid))
                    parts = rss_parts(pid)
                    print(f"  {name}: rss={rss[name][-1]:.1f} MiB {parts} {reading}", flush=True)
            for name in pids:
                collected = snapshot(probes[name], "collect")
                print(
                    f"gc.collect() at the end: {name} found {collected['collected']} unreachable"
                    f" in {collected['collect_ms']} ms;"
                    f" gc objects {collected['gc_objects']}, blocks {collected['blocks']},"
                    f" grew {collected['types_grew']}",
                    flush=True,
                )
            for name in pids:
                trimmed = snapshot(probes[name], "trim")
                print(f"malloc_trim(0) at the end: {name} rss {trimmed['trim_rss_mb']} MiB")
            for name, values in rss.items():
                row = " | ".join(f"{r:.1f}" for r in values)
                print(f"{name} RSS per phase, MiB: | {row} |", flush=True)


if __name__ == "__main__":
    main()
