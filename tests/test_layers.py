"""The job code's layers: each module imports only the layers below it.

core (pipeline, drawrank, paths, memory) -> models -> engines -> events -> runner ->
worker/tasks -> dispatch -> services -> forms/api/views/consumers. Read from
the source (imports inside functions included), so a cycle cannot hide in
a function body.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYER = {
    "ranking.paths": 0,
    "ranking.memory": 0,
    "ranking.drawrank": 0,
    "ranking.generation": 0,
    "ranking.scoring": 0,
    "ranking.diagrams": 0,
    "ranking.models": 1,
    "ranking.engines": 2,
    "ranking.events": 3,
    "ranking.runner": 4,
    "ranking.worker": 5,
    "ranking.tasks": 5,
    "ranking.dispatch": 6,
    "ranking.services": 7,
    "ranking.forms": 8,
    "ranking.api": 8,
    "ranking.views": 8,
    "ranking.consumers": 8,
}
JOB_MODULES = [
    "ranking.drawrank",
    "ranking.memory",
    "ranking.models",
    "ranking.engines",
    "ranking.events",
    "ranking.runner",
    "ranking.worker",
    "ranking.tasks",
    "ranking.dispatch",
    "ranking.services",
]


def layer_of(module: str) -> int | None:
    """Return the layer of `module` (by its longest listed prefix), None when unlisted."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        found = LAYER.get(".".join(parts[:end]))
        if found is not None:
            return found
    return None


def imported_modules(module: str) -> set[str]:
    """Return every module `module` imports, at the top or inside functions."""
    path = ROOT / (module.replace(".", "/") + ".py")
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from ranking import events` imports the module ranking.events.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("module", JOB_MODULES)
def test_job_modules_import_only_downward(module):
    own = layer_of(module)
    upward = sorted(
        name
        for name in imported_modules(module)
        if name.startswith("ranking.") and (layer_of(name) or 0) > own
    )
    assert upward == []


def test_the_layer_table_catches_an_upward_import():
    # The check above would see the old knot: the runner importing the API.
    assert layer_of("ranking.api.serializers") > layer_of("ranking.runner")
    assert layer_of("ranking.services") > layer_of("ranking.runner")


def test_draw_and_rank_needs_no_django():
    code = (
        "import sys, ranking.drawrank\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
