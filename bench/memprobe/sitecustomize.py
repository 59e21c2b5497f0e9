"""Loaded into daphne and the Celery workers by bench/load_memory.py (PYTHONPATH): their heap.

When DIAG_GC_FILE is set, a daemon thread in daphne waits for `<file>.now`
(in a Celery worker: `<file>.<pid>` and `<file>.<pid>.now`) to appear,
then appends one JSON line: pymalloc's allocated blocks, the gc-tracked
objects (total and the most common types), the threads, daphne's open
connections, the in-memory channel layer's groups, members and queues, and
glibc's own count of the C heap (mallinfo2: bytes in use and bytes free but
kept) and SQLite's share of it (sqlite3_status64); in a worker also Celery's
per-task state (its set of finished task ids), the pub/sub channel layer's
per-loop layers, and the object types that grew most since the first
reading. A trigger file that
says "trim" runs malloc_trim(0) first and adds the RSS before and after it;
one that says "collect" runs a full gc.collect() first and adds how many
unreachable objects it found.
DIAG_MALLOC_TRIM_SECONDS=N trims every N s (a variant to measure, not the product's behaviour);
DIAG_CELERY_NO_COLLECT=1 turns a worker's gc.collect() before its trims off
from the first reading on (the control for ranking.memory's `collect`).
Not used by the app or the tests.
"""

import os
import sys

_path = os.environ.get("DIAG_GC_FILE")
_program = os.path.basename(sys.argv[0]) if sys.argv else ""
if _path and _program in ("daphne", "celery"):
    if _program == "celery":
        _path = f"{_path}.{os.getpid()}"
    import collections
    import ctypes
    import gc
    import json
    import threading
    import time

    _libc = ctypes.CDLL("libc.so.6")

    class _Mallinfo2(ctypes.Structure):
        _fields_ = [
            (name, ctypes.c_size_t)
            for name in "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks "
            "fordblks keepcost".split()
        ]

    _libc.mallinfo2.restype = _Mallinfo2

    def _rss_mb() -> float:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
        return float("nan")

    def _malloc() -> dict:
        """glibc's heap over all arenas, MiB: in use, free but kept, mmapped chunks."""
        info = _libc.mallinfo2()
        mib = 1024 * 1024
        return {
            "c_used_mb": round(info.uordblks / mib, 1),
            "c_free_mb": round(info.fordblks / mib, 1),
            "c_mmap_mb": round(info.hblkhd / mib, 1),
        }

    def _sqlite() -> dict:
        """SQLite's own malloc'd memory (page caches, schemas, statements), MiB."""
        import _sqlite3

        lib = ctypes.CDLL(_sqlite3.__file__)  # sqlite3_status64 comes from its libsqlite3
        now, high = ctypes.c_int64(), ctypes.c_int64()
        lib.sqlite3_status64(0, ctypes.byref(now), ctypes.byref(high), 0)  # MEMORY_USED
        return {
            "sqlite_mb": round(now.value / 2**20, 1),
            "sqlite_high_mb": round(high.value / 2**20, 1),
        }

    _traces = []
    # Here, not PYTHONTRACEMALLOC: the probed servers only; "celery" or
    # "daphne" traces that one alone, any other value both.
    if os.environ.get("DIAG_TRACEMALLOC") in ("1", _program):
        import tracemalloc

        # DIAG_TRACEMALLOC_FRAMES=N: group by the N innermost frames, not the line.
        _frames = int(os.environ.get("DIAG_TRACEMALLOC_FRAMES", "1"))
        tracemalloc.start(_frames)

    def _traced() -> dict:
        """With DIAG_TRACEMALLOC: traced bytes, and what grew most since the first reading."""
        import tracemalloc

        if not tracemalloc.is_tracing():
            return {}
        snap = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        grew = []
        if _traces:
            key = "lineno" if tracemalloc.get_traceback_limit() == 1 else "traceback"
            for stat in snap.compare_to(_traces[0], key)[:12]:
                frames = reversed(stat.traceback)  # innermost first
                where = " < ".join(f"{f.filename}:{f.lineno}" for f in frames)
                grew.append(f"{where} {stat.size_diff // 1024:+d} KiB {stat.count_diff:+d}")
        else:
            _traces.append(snap)
        return {"traced_mb": round(tracemalloc.get_traced_memory()[0] / 2**20, 1), "grew": grew}

    def _caches() -> dict:
        """Entries in the app's bounded lru_caches (each fills to its maxsize, then stays)."""
        found = {}
        for module, names in (
            ("ranking.diagrams.labels", ("fit_label", "font")),
            ("ranking.scoring.aesthetics", ("node_list_reasons",)),
        ):
            loaded = sys.modules.get(module)
            for name in names:
                if loaded is not None and hasattr(getattr(loaded, name, None), "cache_info"):
                    found[f"cache_{name}"] = getattr(loaded, name).cache_info().currsize
        return found

    _first_counts: collections.Counter = collections.Counter()
    _first_functions: collections.Counter = collections.Counter()

    def _snapshot() -> dict:
        if os.environ.get("DIAG_CELERY_NO_COLLECT") and "diagramsite.celery" in sys.modules:
            # The control run: the worker trims without its full collection.
            sys.modules["diagramsite.celery"]._trim.collect = False
        objects = gc.get_objects()
        counts = collections.Counter(type(o).__name__ for o in objects)
        found = {}
        for o in objects:
            kind = type(o)
            if kind.__name__ == "InMemoryChannelLayer":
                found["layer_groups"] = len(o.groups)
                found["layer_members"] = sum(len(v) for v in o.groups.values())
                found["layer_channels"] = len(o.channels)
            elif kind.__name__ == "Server" and kind.__module__ == "daphne.server":
                found["daphne_connections"] = len(o.connections)
            elif kind.__name__ == "RedisPubSubChannelLayer":
                found["layer_loops"] = len(o._layers)
        celery_state = sys.modules.get("celery.worker.state")
        if celery_state is not None and _program == "celery":
            found["celery_successful_ids"] = len(celery_state.successful_requests)
            found["celery_requests"] = len(celery_state.requests)
        functions = collections.Counter(
            getattr(getattr(o, "__func__", o), "__qualname__", "?")
            for o in objects
            if type(o).__name__ in ("function", "method")
        )
        del objects
        if not _first_counts:
            _first_counts.update(counts)
            _first_functions.update(functions)
        grew = (counts - _first_counts).most_common(8)
        grew_functions = (functions - _first_functions).most_common(6)
        return {
            "blocks": sys.getallocatedblocks(),
            "gc_objects": sum(counts.values()),
            "threads": threading.active_count(),
            "gc_full_runs": gc.get_stats()[2]["collections"],
            **found,
            **_malloc(),
            **_sqlite(),
            **_caches(),
            **_traced(),
            "types_grew": [f"{name} +{n}" for name, n in grew],
            "functions_grew": [f"{name} +{n}" for name, n in grew_functions],
            "top": counts.most_common(25),
        }

    def _serve() -> None:
        trigger = _path + ".now"
        while True:
            time.sleep(0.5)
            if os.path.exists(trigger):
                with open(trigger) as request:
                    asked = request.read().strip()
                trim = asked == "trim"
                before = _rss_mb()
                # "collect": a full collection first; how much was unreachable garbage.
                started = time.perf_counter()
                unreachable = gc.collect() if asked == "collect" else None
                collect_ms = round((time.perf_counter() - started) * 1000)
                if trim:
                    _libc.malloc_trim(0)
                snapshot = _snapshot()
                if unreachable is not None:
                    snapshot["collected"] = unreachable
                    snapshot["collect_ms"] = collect_ms
                if trim:
                    snapshot["trim_rss_mb"] = [before, _rss_mb()]
                with open(_path, "a") as out:
                    out.write(json.dumps(snapshot) + "\n")
                os.remove(trigger)

    def _trim_every(seconds: float) -> None:
        while True:
            time.sleep(seconds)
            _libc.malloc_trim(0)

    threading.Thread(target=_serve, daemon=True).start()
    if os.environ.get("DIAG_MALLOC_TRIM_SECONDS"):
        seconds = float(os.environ["DIAG_MALLOC_TRIM_SECONDS"])
        threading.Thread(target=_trim_every, args=(seconds,), daemon=True).start()
