"""Load the reference data shipped in ranking/data (copied from the old system's release)."""

from __future__ import annotations

import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def _jsonl(name: str) -> list[dict]:
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_reference_pairs() -> list[dict]:
    """Return the 700 prompt/diagram pairs (id, prompt, task, shape_types/sizes, node_list)."""
    return _jsonl("reference_pairs.jsonl")


def load_readability_labels() -> list[dict]:
    """Return the 840 human readability ratings (id, node_list, score 0-5)."""
    return _jsonl("readability_labels.jsonl")
