"""Freed C-heap memory goes back to the OS every few jobs (ranking.memory)."""

import ctypes
import gc
import os
import threading
import time
import weakref

import pytest
from celery.signals import task_postrun

from diagramsite import celery as celery_module
from ranking import memory
from ranking.memory import TrimEvery
from ranking.models import Job, LLMConfig
from ranking.worker import EmbeddedWorker
from tests.jobdata import make_job

glibc_only = pytest.mark.skipif(memory._malloc_trim is None, reason="no glibc malloc_trim here")


@pytest.fixture
def trims(monkeypatch):
    """Count calls of trim_heap instead of trimming."""
    calls = []
    monkeypatch.setattr(memory, "trim_heap", lambda: calls.append(threading.current_thread().name))
    return calls


def test_it_trims_once_per_n_finished_jobs(trims):
    counter = TrimEvery(3)
    for _ in range(7):
        counter.job_finished()
    assert len(trims) == 2


def test_the_default_is_every_20_jobs(trims):
    counter = TrimEvery()
    for _ in range(19):
        counter.job_finished()
    assert trims == []
    counter.job_finished()
    assert len(trims) == 1


@pytest.mark.django_db(transaction=True)
def test_the_embedded_worker_trims_after_every_nth_job(alice, settings, monkeypatch, trims):
    # No active LLM: each run is a quick, real, failed job.
    LLMConfig.objects.update(is_active=False)
    settings.WORKER_MODE = "thread"
    monkeypatch.setattr(memory, "TRIM_EVERY_JOBS", 3)
    jobs = [make_job(alice, status=Job.Status.QUEUED) for _ in range(7)]
    worker = EmbeddedWorker()
    worker.wake()
    deadline = time.monotonic() + 120  # a guard against hanging, not a timing check
    try:
        while time.monotonic() < deadline:
            if not Job.objects.filter(status__in=["queued", "running"]).exists() and trims:
                break
            threading.Event().wait(0.1)
    finally:
        worker.stop()
    assert {job.status for job in Job.objects.filter(pk__in=[j.pk for j in jobs])} == {"failed"}
    assert trims == ["diagramsite-worker", "diagramsite-worker"]


def test_each_celery_task_counts_towards_a_trim(monkeypatch, trims):
    monkeypatch.setattr(celery_module, "_trim", TrimEvery(2))
    for task_id in range(4):
        task_postrun.send(sender=None, task_id=str(task_id), task=None, args=(), kwargs={})
    assert len(trims) == 2


class _Node:
    other = None


def _garbage_cycle() -> weakref.ref:
    """Make two objects that refer to each other and drop them; return a weak reference to one."""
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    return weakref.ref(first)


@pytest.fixture
def collector_off():
    """Stop automatic collections: only an explicit gc.collect() frees a cycle."""
    was_on = gc.isenabled()
    gc.disable()
    yield
    if was_on:
        gc.enable()


def test_with_collect_the_trim_frees_garbage_cycles_first(trims, collector_off):
    counter = TrimEvery(2, collect=True)
    cycle = _garbage_cycle()
    counter.job_finished()
    assert cycle() is not None and trims == []  # not due yet
    counter.job_finished()
    assert cycle() is None
    assert len(trims) == 1


def test_a_celery_worker_collects_garbage_cycles_when_it_trims(trims, collector_off):
    # The Redis clients of a worker's events free each other only this way
    # (ranking.memory). n tasks always reach the n-th, whatever the count was.
    cycle = _garbage_cycle()
    for task_id in range(celery_module._trim.n):
        task_postrun.send(sender=None, task_id=str(task_id), task=None, args=(), kwargs={})
    assert len(trims) == 1
    assert cycle() is None


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@glibc_only
def test_trim_heap_gives_freed_small_allocations_back_to_the_os():
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    # 32 MiB in 256-byte blocks (under the mmap threshold: they come from an
    # arena), written so the pages are resident; a block allocated after them
    # keeps their freed space from merging into the heap top, which glibc
    # would return by itself.
    blocks = [libc.malloc(256) for _ in range(131072)]
    for block in blocks:
        ctypes.memset(block, 1, 256)
    pin = libc.malloc(256)
    try:
        for block in blocks:
            libc.free(block)
        kept = _rss_mib()
        assert memory.trim_heap() is True
        assert kept - _rss_mib() > 16
    finally:
        libc.free(pin)


def test_trim_heap_is_a_no_op_without_glibc(monkeypatch):
    monkeypatch.setattr(memory, "_malloc_trim", None)
    assert memory.trim_heap() is False
