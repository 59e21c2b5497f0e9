"""Loaded into daphne by bench/load_memory.py (PYTHONPATH): its heap on request.

When DIAG_GC_FILE is set, a daemon thread waits for `<file>.now` to appear,
then appends one JSON line: pymalloc's allocated blocks, the gc-tracked
objects (total and the most common types), the threads, daphne's open
connections, the in-memory channel layer's groups, members and queues, and
glibc's own count of the C heap (mallinfo2: bytes in use and bytes free but
kept) and SQLite's share of it (sqlite3_status64). A trigger file that
says "trim" runs malloc_trim(0) first and adds the RSS before and after it.
DIAG_MALLOC_TRIM_SECONDS=N trims every N s (a variant to measure, not the product's behaviour).
Not used by the app or the tests.
"""

import os
import sys

_path = os.environ.get("DIAG_GC_FILE")
if _path and sys.argv and "daphne" in sys.argv[0]:
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
    if os.environ.get("DIAG_TRACEMALLOC"):  # here, not PYTHONTRACEMALLOC: daphne only
        import tracemalloc

        tracemalloc.start()

    def _traced() -> dict:
        """With DIAG_TRACEMALLOC=1: traced bytes, and the lines that grew most since last time."""
        import tracemalloc

        if not tracemalloc.is_tracing():
            return {}
        snap = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        grew = []
        if _traces:
            for stat in snap.compare_to(_traces[-1], "lineno")[:12]:
                frame = stat.traceback[0]
                grew.append(f"{frame.filename}:{frame.lineno} {stat.size_diff // 1024:+d} KiB")
        _traces[:] = [snap]
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

    def _snapshot() -> dict:
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
        del objects
        return {
            "blocks": sys.getallocatedblocks(),
            "gc_objects": sum(counts.values()),
            "threads": threading.active_count(),
            **found,
            **_malloc(),
            **_sqlite(),
            **_caches(),
            **_traced(),
            "top": counts.most_common(25),
        }

    def _serve() -> None:
        trigger = _path + ".now"
        while True:
            time.sleep(0.5)
            if os.path.exists(trigger):
                with open(trigger) as request:
                    trim = request.read().strip() == "trim"
                before = _rss_mb()
                if trim:
                    _libc.malloc_trim(0)
                snapshot = _snapshot()
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
