"""Load the registered models once per process: registrations in, loaded objects out.

The pipeline itself (ranking.generation, ranking.scoring, and the chain of
them in ranking.drawrank) is plain Python that knows nothing of Django;
this module only turns registrations into loaded objects, cached by
registration id and last change, so a re-activated or edited registration
is picked up without a restart.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils.module_loading import import_string

_cache: dict[str, tuple[tuple, object]] = {}
_cache_lock = threading.Lock()


def _cached(kind: str, key: tuple, load):
    """Return the cached object of `kind` for `key`, loading it (and dropping the old) on change.

    Only one object per kind stays in memory: a worker serves one active
    model at a time, and an LLM is hundreds of MB.
    """
    with _cache_lock:
        held = _cache.get(kind)
        if held is not None and held[0] == key:
            return held[1]
        _cache.pop(kind, None)
        loaded = load()
        _cache[kind] = (key, loaded)
        return loaded


def clear_cache() -> None:
    """Forget every loaded model (tests; a worker never needs to)."""
    with _cache_lock:
        _cache.clear()


def generator_for(config):
    """Return the loaded generator of LLMConfig `config` (cached per process)."""
    factory = (
        import_string(settings.JOB_GENERATOR_FACTORY)
        if settings.JOB_GENERATOR_FACTORY
        else load_llm_generator
    )
    key = (settings.JOB_GENERATOR_FACTORY, config.pk, config.updated_at)
    return _cached("generator", key, lambda: factory(config))


def load_llm_generator(config):
    """Load the fine-tuned LLM a registration describes."""
    from ranking.generation import llm

    return llm.load_generator(
        base=config.base_model_location(),
        adapter=config.adapter_location(),
        output_format=config.output_format,
        generation_settings=dict(config.generation_settings or {}),
        device=config.device,
    )


def scorer_for(version):
    """Return the loaded scorer (CNN ensemble + autoencoder) of ScorerVersion `version`."""
    from ranking.scoring.ranker import Scorer

    key = (version.pk, version.updated_at)
    return _cached(
        "scorer",
        key,
        lambda: Scorer.load(version.readability_location(), version.autoencoder_location()),
    )


def user_facing_errors() -> tuple[type[BaseException], ...]:
    """Return the pipeline's exception types whose message explains the failure by itself."""
    from ranking.generation.basemodel import BaseModelError
    from ranking.generation.pipeline import GenerationError
    from ranking.scoring.weights import ScorerWeightsError

    return (BaseModelError, GenerationError, ScorerWeightsError)
