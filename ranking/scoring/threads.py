"""Run the scoring networks on one CPU thread, whatever torch's global setting is."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import torch

_lock = threading.Lock()


@contextmanager
def single_thread():
    """Set torch to one intra-op thread for the block, then restore the previous count.

    The networks are tiny and see five images at a time: a second thread
    gains nothing, and on a CPU shared with the LLM its OpenMP workers wait
    for each other - measured 840 ms for the CNN ensemble on five candidates
    with two threads under load against 12 ms with one.
    """
    with _lock:
        before = torch.get_num_threads()
        if before != 1:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if before != 1:
                torch.set_num_threads(before)
