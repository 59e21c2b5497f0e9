"""Corrections as training data: one JSON line per edit a user saved.

The learning side reads these lines; staff write them with
`manage.py export_corrections OUT.jsonl`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ranking.models import Correction


def record(correction: Correction) -> dict:
    """Return one correction as a plain JSON-able dict."""
    return {
        "id": correction.pk,
        "created_at": correction.created_at.isoformat(),
        "user": correction.user.get_username(),
        "prompt": correction.prompt,
        "model_plan": correction.model_plan,
        "saved_plan": correction.saved_plan,
        "structure_changed": correction.structure_changed,
        "diagram": correction.diagram_id,
        "source_diagram": correction.source_diagram_id,
    }


def write_jsonl(corrections, path: Path) -> int:
    """Write the corrections oldest first to `path` (replaced whole, never half-written)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = corrections.select_related("user").order_by("created_at", "pk")
    count = 0
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            for correction in rows.iterator(chunk_size=500):
                out.write(json.dumps(record(correction), ensure_ascii=False) + "\n")
                count += 1
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count
