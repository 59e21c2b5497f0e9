"""Give the C heap's freed memory back to the OS every few jobs (glibc only).

glibc keeps memory that a long-lived server freed, spread over its threads'
arenas, and hands little of it back by itself: daphne's RSS rose ~0.5 MiB per
100 jobs while the heap in use stayed flat (docs/benchmarks.md, "Daphne's
memory over 2,000 jobs"). `malloc_trim(0)` returns the free pages of every
arena. Plain Python, no Django: the worker thread and the Celery task both
call it.

A Celery worker also runs a full garbage collection first. Each event it
publishes opens a Redis client on a fresh event loop (ranking.events), and
that client's objects free each other only through the cycle collector; the
survivors of the young generations wait in the oldest one, which a worker
holding ~310,000 long-lived objects (torch, Django) collected once or not at
all in ~600 tasks: RSS rose ~4 KiB a job (docs/benchmarks.md, "The Celery
workers' creep").
"""

from __future__ import annotations

import ctypes
import gc
import threading

# A trim walks every arena and costs milliseconds; a job takes far longer
# (generation, layout, scoring), so trimming after every 20th costs nothing
# measurable while at most ~20 jobs' worth (~100 KiB at the measured ~5 KiB a
# job) of freed memory waits for the next trim.
TRIM_EVERY_JOBS = 20


def _find_malloc_trim():
    """Return glibc's malloc_trim from this process, None where there is none (macOS, musl)."""
    try:
        symbol = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError, TypeError):  # no symbol; no dlopen(NULL) (Windows)
        return None
    symbol.argtypes = [ctypes.c_size_t]
    symbol.restype = ctypes.c_int
    return symbol


_malloc_trim = _find_malloc_trim()


def trim_heap() -> bool:
    """Hand freed C-heap pages back to the OS; return whether glibc gave any (False without it)."""
    if _malloc_trim is None:
        return False
    return bool(_malloc_trim(0))  # 0: keep no slack at the top of the heap


class TrimEvery:
    """Counts finished jobs; calls `trim_heap` after every `n`th (default TRIM_EVERY_JOBS).

    With `collect`, a full `gc.collect()` runs just before each trim, so the
    garbage it frees is among what the trim gives back.
    """

    def __init__(self, n: int | None = None, collect: bool = False):
        self.n = n or TRIM_EVERY_JOBS
        self.collect = collect
        self._finished = 0
        self._lock = threading.Lock()

    def job_finished(self) -> None:
        """Count one finished job; trim the heap if it is the `n`th since the last trim."""
        with self._lock:
            self._finished += 1
            due = self._finished >= self.n
            if due:
                self._finished = 0
        if due:
            if self.collect:
                gc.collect()
            trim_heap()
