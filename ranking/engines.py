"""Bridge from jobs to the ML pipeline: load models once, generate, score, rank.

The pipeline itself (ranking.generation, ranking.scoring) is plain Python
that knows nothing of Django; this module turns registrations into loaded
objects (cached by registration id and last change, so a re-activated or
edited registration is picked up without a restart) and adapts the
pipeline's results to what `ranking.runner` stores.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string

_cache: dict[str, tuple[tuple, object]] = {}
_cache_lock = threading.Lock()


@dataclass
class Candidate:
    """One generated diagram before ranking."""

    index: int
    diagram: object  # ranking.diagrams.model.Diagram
    node_list: str
    plan: str = ""
    # 0: the model's best reading of the prompt; 1+: an alternative reading
    # (pipeline candidates without the attribute are all the best reading).
    structure_rank: int = 0


@dataclass
class Ranked:
    """Scores of candidates (indexed like the input) and their order, best first."""

    order: list[int]
    recommended: list[bool]
    readability: np.ndarray
    user_scores: np.ndarray | None
    final: np.ndarray
    latents: np.ndarray
    personalised: bool


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


def generate(prompt: str, count: int, generator, reporter) -> list[Candidate]:
    """Generate up to `count` candidates, reporting tokens and finished candidates as they come."""
    from ranking.diagrams import render
    from ranking.generation.pipeline import generate_candidates

    sent: set[int] = set()

    def send_candidate(index: int, candidate) -> None:
        if index in sent:
            return
        sent.add(index)
        reporter.candidate(
            index,
            candidate.node_list,
            plan=getattr(candidate, "plan", "") or "",
            svg=render.render_svg(candidate.diagram),
            structure_rank=_structure_rank(candidate),
        )

    def on_progress(update: dict) -> None:
        stage = update.get("stage")
        # "loading_model" is skipped: the runner loaded the model before calling.
        if stage in ("generating", "laying_out") and stage != reporter.stage:
            reporter.set_stage(stage)
        if "tokens" in update:
            reporter.tokens(update["tokens"], update.get("finished"))
        if update.get("candidate") is not None:
            send_candidate(int(update.get("candidate_finished", len(sent))), update["candidate"])

    result = generate_candidates(prompt, count, generator=generator, on_progress=on_progress)
    candidates = []
    for index, candidate in enumerate(result.candidates):
        send_candidate(index, candidate)
        candidates.append(
            Candidate(
                index=index,
                diagram=candidate.diagram,
                node_list=candidate.node_list,
                plan=getattr(candidate, "plan", "") or "",
                structure_rank=_structure_rank(candidate),
            )
        )
    return candidates


def _structure_rank(candidate) -> int:
    """Return which reading of the prompt a pipeline candidate is (0 when it does not say)."""
    return int(getattr(candidate, "structure_rank", 0) or 0)


def user_facing_errors() -> tuple[type[BaseException], ...]:
    """Return the pipeline's exception types whose message explains the failure by itself."""
    from ranking.generation.basemodel import BaseModelError
    from ranking.generation.pipeline import GenerationError
    from ranking.scoring.weights import ScorerWeightsError

    return (BaseModelError, GenerationError, ScorerWeightsError)


def encode(scorer, node_lists: list[str]) -> np.ndarray:
    """Return autoencoder latents (n, d) of node-list texts."""
    from ranking.diagrams import nodelist

    return np.asarray(scorer.encode([nodelist.parse(text).diagram for text in node_lists]))


def rank(scorer, diagrams, rated_latents, ratings, recommend: int, k: int) -> Ranked:
    """Score `diagrams` and rank them for a user with these (latent, rating) pairs."""
    if len(ratings):
        rated = np.stack([np.asarray(v, dtype=np.float32).reshape(-1) for v in rated_latents])
    else:
        # A (0, d) matrix, not []: numpy cannot infer the width of an empty list.
        rated = np.zeros((0, scorer.latent_dim), dtype=np.float32)
    scores = np.asarray(ratings, dtype=np.float64).reshape(-1)
    result = scorer.rank(list(diagrams), rated, scores, recommend=recommend, k=k)
    return Ranked(
        order=list(result.order),
        recommended=list(result.recommended),
        readability=np.asarray(result.readability),
        user_scores=None if result.user_scores is None else np.asarray(result.user_scores),
        final=np.asarray(result.final),
        latents=np.asarray(result.latents),
        personalised=result.user_scores is not None,
    )
