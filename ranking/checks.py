"""System checks for configuration mistakes that would only show when a job runs.

Registered in RankingConfig.ready(); ids are ranking.E### (errors) and
ranking.W### (warnings). They read the active registrations when the
database is ready and fall back to the defaults in ranking.seed otherwise
(e.g. during the first `migrate`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

from ranking.seed import DEFAULT_LLM, DEFAULT_SCORER

WORKER_MODES = ("thread", "celery", "off")


def _active_paths() -> dict:
    """Return the weight locations of the active LLM and scorer (or the defaults)."""
    from ranking.models import LLMConfig, ScorerVersion, resolve_model_path

    try:
        llm = LLMConfig.objects.active()
        scorer = ScorerVersion.objects.active()
    except DatabaseError:
        llm = scorer = None
    llm_values = (
        {"name": llm.name, "base_model": llm.base_model, "adapter_path": llm.adapter_path}
        if llm
        else DEFAULT_LLM
    )
    scorer_values = (
        {
            "name": scorer.name,
            "readability_path": scorer.readability_path,
            "autoencoder_path": scorer.autoencoder_path,
        }
        if scorer
        else DEFAULT_SCORER
    )
    return {
        "llm": llm_values["name"],
        "base_model": llm_values["base_model"],
        "adapter": resolve_model_path(llm_values["adapter_path"])
        if llm_values["adapter_path"]
        else None,
        "scorer": scorer_values["name"],
        "readability": resolve_model_path(scorer_values["readability_path"]),
        "autoencoder": resolve_model_path(scorer_values["autoencoder_path"]),
    }


@register(Tags.models)
def check_weights(app_configs=None, **kwargs):
    """Warn when the active adapter, CNN ensemble or autoencoder is missing on disk."""
    paths = _active_paths()
    problems = []
    if paths["adapter"] is not None and not paths["adapter"].exists():
        problems.append(
            Warning(
                f"The LoRA adapter of LLM configuration {paths['llm']!r} is missing: "
                f"{paths['adapter']}.",
                hint="Train it (manage.py train_generator) or register another adapter "
                "in the admin; jobs fail until then.",
                id="ranking.W001",
            )
        )
    for kind, label in (
        ("readability", "readability CNN ensemble"),
        ("autoencoder", "autoencoder"),
    ):
        if not paths[kind].exists():
            problems.append(
                Warning(
                    f"The {label} of scorer version {paths['scorer']!r} is missing: {paths[kind]}.",
                    hint="Train it (manage.py train_readability / train_autoencoder) or "
                    "activate another scorer version; jobs fail until then.",
                    id="ranking.W002",
                )
            )
    return problems


@register(Tags.models)
def check_base_model(app_configs=None, **kwargs):
    """Warn when the active LLM uses the cached base model and the cache is missing."""
    paths = _active_paths()
    if paths["base_model"]:
        return []  # a registered location of its own; loading it reports problems per job
    from ranking.generation.basemodel import is_cached

    if is_cached(settings.MODEL_CACHE_DIR):
        return []
    return [
        Warning(
            f"The base model cache {settings.MODEL_CACHE_DIR} is missing or incomplete.",
            hint="Run `python manage.py fetch_base_model` once (scripts/setup.sh does).",
            id="ranking.W003",
        )
    ]


@register(Tags.compatibility)
def check_runtime(app_configs=None, **kwargs):
    """Check the worker mode, broker and channel layer fit together."""
    problems = []
    mode = settings.WORKER_MODE
    if mode not in WORKER_MODES:
        problems.append(
            Error(
                f"WORKER_MODE={mode!r} is not one of {', '.join(WORKER_MODES)}.",
                hint="Use thread (embedded worker), celery (separate workers) or off.",
                id="ranking.E001",
            )
        )
    if mode == "celery" and not settings.REDIS_URL:
        problems.append(
            Error(
                "WORKER_MODE=celery needs REDIS_URL (the Celery broker and the channel layer "
                "that carries progress from workers to browsers).",
                hint="Set REDIS_URL=redis://host:6379/0, or use WORKER_MODE=thread.",
                id="ranking.E002",
            )
        )
    if settings.JOB_GENERATOR_FACTORY and not settings.DEBUG:
        problems.append(
            Error(
                f"JOB_GENERATOR_FACTORY={settings.JOB_GENERATOR_FACTORY!r} replaces the LLM "
                "with a test stand-in, and DEBUG is off.",
                hint="Unset JOB_GENERATOR_FACTORY in production: jobs use the active LLM.",
                id="ranking.E003",
            )
        )
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
    if not settings.DEBUG and backend.endswith("InMemoryChannelLayer"):
        problems.append(
            Warning(
                "The in-memory channel layer is in use with DEBUG off: progress reaches only "
                "browsers connected to the same server process as the worker.",
                hint="Fine for one daphne process with WORKER_MODE=thread; otherwise set "
                "REDIS_URL to use the Redis channel layer.",
                id="ranking.W004",
            )
        )
    return problems
