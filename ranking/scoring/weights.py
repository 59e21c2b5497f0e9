"""Save and load scorer weights: a config.json plus safetensors files per directory.

Every failure to load names the file and says what is wrong with it, so a
staff member who registered a bad path sees which file to fix.
"""

from __future__ import annotations

import json
from pathlib import Path

CONFIG = "config.json"


class ScorerWeightsError(Exception):
    """Scorer weights that are missing, unreadable or do not fit the model."""


def read_config(directory: Path, kind: str) -> dict:
    """Return the parsed config.json of a weights directory written for `kind`."""
    path = Path(directory) / CONFIG
    if not Path(directory).is_dir():
        raise ScorerWeightsError(f"{kind} weights directory is missing: {directory}")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScorerWeightsError(f"{kind} config file is missing: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScorerWeightsError(f"{kind} config file is corrupt: {path} ({exc})") from exc
    if not isinstance(config, dict) or config.get("kind") != kind:
        raise ScorerWeightsError(f"{path} is not a {kind} config (kind={config.get('kind')!r})")
    return config


def load_state(path: Path, module, kind: str) -> None:
    """Load the safetensors file at `path` into `module`, strictly."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise ScorerWeightsError(f"{kind} weight file is missing: {path}")
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise ScorerWeightsError(f"{kind} weight file is corrupt: {path} ({exc})") from exc
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise ScorerWeightsError(
            f"{kind} weight file does not fit the model in its config: {path} ({first})"
        ) from exc
    for name, tensor in state.items():
        if tensor.is_floating_point() and not bool(tensor.isfinite().all()):
            raise ScorerWeightsError(f"{kind} weight file holds NaN/inf in {name}: {path}")


def save(directory: Path, config: dict, modules: dict) -> None:
    """Write config.json and one safetensors file per {filename: module} into `directory`."""
    from safetensors.torch import save_file

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, module in modules.items():
        state = {k: v.detach().contiguous().clone() for k, v in module.state_dict().items()}
        save_file(state, str(directory / name))
    (directory / CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
