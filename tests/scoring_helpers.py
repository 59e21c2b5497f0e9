"""Shared helpers for the scoring tests: reference diagrams and a broken copy of the weights."""

import shutil
from pathlib import Path

from ranking.diagrams import nodelist
from ranking.diagrams.data import load_readability_labels
from ranking.scoring.ranker import DEFAULT_AUTOENCODER_DIR, DEFAULT_READABILITY_DIR


def rated_diagrams(prefix: str, count: int):
    """Return the first `count` human-rated diagrams whose id starts with `prefix`, and scores."""
    rows = [r for r in load_readability_labels() if r["id"].startswith(prefix)][:count]
    return [nodelist.parse(r["node_list"]).diagram for r in rows], [r["score"] for r in rows]


def copy_weights(tmp_path: Path, which: str) -> Path:
    """Return a writable copy of the shipped readability or autoencoder weights directory."""
    source = {"readability": DEFAULT_READABILITY_DIR, "autoencoder": DEFAULT_AUTOENCODER_DIR}[which]
    target = tmp_path / which
    shutil.copytree(source, target)
    return target
