"""System checks: missing weights, missing base model, runtime settings, check --deploy."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from ranking import checks
from ranking.models import ScorerVersion
from ranking.seed import DEFAULT_LLM, DEFAULT_SCORER
from tests.prerequisites import need

ROOT = Path(__file__).resolve().parents[1]


def ids(problems):
    return sorted(problem.id for problem in problems)


def make_weights(models_dir: Path) -> None:
    """Create placeholder files where the default registrations expect weights."""
    for relative in (
        DEFAULT_LLM["adapter_path"],
        DEFAULT_SCORER["readability_path"],
        DEFAULT_SCORER["autoencoder_path"],
    ):
        (models_dir / relative).mkdir(parents=True, exist_ok=True)


def test_missing_weights_are_warnings(db, settings, tmp_path):
    settings.MODELS_DIR = tmp_path
    assert ids(checks.check_weights()) == ["ranking.W001", "ranking.W002", "ranking.W002"]
    make_weights(tmp_path)
    assert checks.check_weights() == []


def test_it_checks_the_active_scorer_not_the_default(db, settings, tmp_path):
    settings.MODELS_DIR = tmp_path
    make_weights(tmp_path)
    ScorerVersion.objects.create(
        name="new", readability_path="nowhere/cnn", autoencoder_path="nowhere/ae"
    ).activate()
    problems = checks.check_weights()
    assert ids(problems) == ["ranking.W002", "ranking.W002"]
    assert "nowhere" in problems[0].msg


def test_a_missing_base_model_cache_is_a_warning(db, settings, tmp_path):
    settings.MODEL_CACHE_DIR = tmp_path / "no-base-model"
    assert ids(checks.check_base_model()) == ["ranking.W003"]


def test_an_unknown_worker_mode_is_an_error(settings):
    settings.WORKER_MODE = "threads"
    assert "ranking.E001" in ids(checks.check_runtime())


def test_celery_without_redis_is_an_error(settings):
    settings.WORKER_MODE = "celery"
    settings.REDIS_URL = ""
    assert "ranking.E002" in ids(checks.check_runtime())
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert "ranking.E002" not in ids(checks.check_runtime())


def test_the_in_memory_channel_layer_without_debug_is_a_warning(settings):
    settings.DEBUG = False
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    assert ids(checks.check_runtime()) == ["ranking.W004"]
    settings.DEBUG = True
    assert checks.check_runtime() == []


def deploy_check(tmp_path, *args, **env):
    """Run `manage.py check --deploy [args]` with production settings; return (code, output)."""
    models_dir = tmp_path / "models"
    make_weights(models_dir)
    environment = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.org",
        "DIAGRAMSITE_MODELS_DIR": str(models_dir),
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        **env,
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings(tmp_path):
    from ranking.generation.basemodel import is_cached

    need(is_cached(), "the base model is not cached here (scripts/setup.sh fetches it)")
    code, output = deploy_check(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    assert code == 0, output
    assert "no issues" in output
    # The embedded runtime (one process, in-memory layer) shows exactly one warning.
    code, output = deploy_check(tmp_path)
    assert code != 0
    assert "ranking.W004" in output
    assert output.count("ranking.") == 1, output
