"""Draw and rank: a prompt in, ranked candidate diagrams out. Plain Python, no Django.

The one place the pipeline's steps are chained: `generate_candidates`
(generator -> plans -> layout -> distinct diagrams), then the scorer's
readability, latents and the user's k-NN prediction. A web job
(`ranking.runner`) and `manage.py generate_diagrams` (`ranking.batch`) both
call `draw_and_rank`; they differ only in what they do with progress and
results (a job row and websocket events, or JSON lines).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ranking.diagrams import nodelist
from ranking.generation import pipeline


@dataclass
class Candidate:
    """One drawn candidate with its scores; `index` is its place in drawing order."""

    index: int
    diagram: object  # ranking.diagrams.model.Diagram
    node_list: str
    plan: str = ""
    # 0: the model's best reading of the prompt; 1+: an alternative reading.
    structure_rank: int = 0
    rank: int = 0
    recommended: bool = False
    readability: float = 0.0
    user_score: float | None = None
    final_score: float = 0.0
    latent: np.ndarray | None = None


@dataclass
class Ranked:
    """Scores of diagrams (indexed like the input) and their order, best first."""

    order: list[int]
    recommended: list[bool]
    readability: np.ndarray
    user_scores: np.ndarray | None
    final: np.ndarray
    latents: np.ndarray
    personalised: bool


@dataclass
class Drawn:
    """What `draw_and_rank` returns: candidates best first, and what was dropped and why."""

    candidates: list[Candidate]
    personalised: bool
    dropped: list = field(default_factory=list)


def structure_rank(candidate) -> int:
    """Return which reading of the prompt a pipeline candidate is (0 when it does not say)."""
    return int(getattr(candidate, "structure_rank", 0) or 0)


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


def reading_first(order: list[int], readings: list[int]) -> list[int]:
    """Return `order` with the model's best reading of the prompt ahead of alternatives.

    Readability and the user's taste say how a diagram looks, not whether it
    is what the prompt describes; the alternative reading is by construction
    the less likely one, so it follows every candidate of the best reading
    (each group keeps the scores' order).
    """
    best = [index for index in order if readings[index] == 0]
    return best + [index for index in order if readings[index] > 0]


def encode(scorer, node_lists: list[str]) -> np.ndarray:
    """Return autoencoder latents (n, d) of node-list texts."""
    return np.asarray(scorer.encode([nodelist.parse(text).diagram for text in node_lists]))


def draw_and_rank(
    prompt: str,
    count: int,
    recommend: int,
    *,
    generator,
    scorer,
    rated_latents=(),
    ratings=(),
    k: int,
    seed: int | None = None,
    on_progress: Callable[[dict], None] | None = None,
    on_candidate: Callable[[Candidate], None] | None = None,
) -> Drawn:
    """Draw up to `count` candidates for `prompt` and rank them, best first.

    `rated_latents`/`ratings` are one user's own (latent, score) pairs (empty:
    readability alone ranks). `on_progress` gets the pipeline's events
    ({"stage": ...}, token counts) and {"stage": "scoring"} before ranking;
    `on_candidate` gets each finished candidate once, as soon as it is drawn.
    Raises the pipeline's GenerationError when nothing valid was drawn.
    """
    report = on_progress or (lambda event: None)
    drawn: dict[int, Candidate] = {}

    def finished(index: int, made) -> Candidate:
        if index not in drawn:
            drawn[index] = Candidate(
                index=index,
                diagram=made.diagram,
                node_list=made.node_list,
                plan=getattr(made, "plan", "") or "",
                structure_rank=structure_rank(made),
            )
            if on_candidate is not None:
                on_candidate(drawn[index])
        return drawn[index]

    def progress(event: dict) -> None:
        if event.get("candidate") is not None:
            finished(int(event.get("candidate_finished", len(drawn))), event["candidate"])
        report({key: value for key, value in event.items() if key != "candidate"})

    result = pipeline.generate_candidates(
        prompt, count, generator=generator, seed=seed, on_progress=progress
    )
    candidates = [finished(index, made) for index, made in enumerate(result.candidates)]
    if not candidates:
        return Drawn(candidates=[], personalised=False, dropped=list(result.dropped))
    report({"stage": "scoring"})
    ranked = rank(
        scorer,
        [c.diagram for c in candidates],
        list(rated_latents),
        list(ratings),
        recommend=min(recommend, len(candidates)),
        k=k,
    )
    order = reading_first(ranked.order, [c.structure_rank for c in candidates])
    top = set(order[: min(recommend, len(candidates))])
    for place, index in enumerate(order, start=1):
        candidate = candidates[index]
        candidate.rank = place
        candidate.recommended = index in top
        candidate.readability = float(ranked.readability[index])
        candidate.user_score = (
            None if ranked.user_scores is None else float(ranked.user_scores[index])
        )
        candidate.final_score = float(ranked.final[index])
        candidate.latent = np.asarray(ranked.latents[index])
    return Drawn(
        candidates=sorted(candidates, key=lambda c: c.rank),
        personalised=ranked.personalised,
        dropped=list(result.dropped),
    )
