"""Loaded into daphne by bench/load_memory.py (PYTHONPATH): its heap on request.

When DIAG_GC_FILE is set, a daemon thread waits for `<file>.now` to appear,
then appends one JSON line: pymalloc's allocated blocks, the gc-tracked
objects (total and the most common types), the threads, daphne's open
connections and the in-memory channel layer's groups, members and queues.
Not used by the app or the tests.
"""

import os
import sys

_path = os.environ.get("DIAG_GC_FILE")
if _path and sys.argv and "daphne" in sys.argv[0]:
    import collections
    import gc
    import json
    import threading
    import time

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
            "top": counts.most_common(25),
        }

    def _serve() -> None:
        trigger = _path + ".now"
        while True:
            time.sleep(0.5)
            if os.path.exists(trigger):
                snapshot = _snapshot()
                with open(_path, "a") as out:
                    out.write(json.dumps(snapshot) + "\n")
                os.remove(trigger)

    threading.Thread(target=_serve, daemon=True).start()
