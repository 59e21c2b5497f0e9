"""Batch generation for `manage.py generate_diagrams`: prompts in, ranked candidates out.

Uses the same active registrations, loaded models and the same
`drawrank.draw_and_rank` as the web app's jobs, but writes JSON lines
instead of database rows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator

from ranking import drawrank, engines
from ranking.models import LLMConfig, ScorerVersion
from ranking.runner import user_ratings
from ranking.scoring.aesthetics import node_list_reasons


class BatchError(Exception):
    """The batch cannot start (no active model, unknown user)."""


def read_requests(lines: Iterable[str]) -> Iterator[dict]:
    """Yield {"id", "prompt"} per non-blank input line, or {"id", "error"} for a bad one."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"id": f"line-{number}", "prompt": None, "error": f"invalid JSON: {exc.msg}"}
            continue
        if not isinstance(row, dict):
            yield {"id": f"line-{number}", "prompt": None, "error": "expected a JSON object"}
            continue
        ident = row.get("id", f"line-{number}")
        prompt = row.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            yield {"id": ident, "prompt": prompt, "error": "missing or empty 'prompt'"}
            continue
        yield {"id": ident, "prompt": prompt}


class BatchGenerator:
    """Generate and rank candidates for one prompt at a time with the active models."""

    def __init__(self, user=None):
        llm_config = LLMConfig.objects.active()
        scorer_version = ScorerVersion.objects.active()
        if llm_config is None or scorer_version is None:
            raise BatchError(
                "No active LLM configuration or scorer version: run `manage.py migrate` "
                "(it registers the shipped models) or activate one in the admin."
            )
        self.generator = engines.generator_for(llm_config)
        self.scorer = engines.scorer_for(scorer_version)
        self.knn_k = scorer_version.knn_k
        if user is None:
            self.rated_latents, self.ratings = [], []
        else:
            self.rated_latents, self.ratings = user_ratings(user.pk, scorer_version, self.scorer)

    def run(self, prompt: str, count: int, recommend: int, seed: int | None = None) -> dict:
        """Return the output record for one prompt: candidates sorted by rank."""
        started = time.monotonic()
        drawn = drawrank.draw_and_rank(
            prompt,
            count,
            recommend,
            generator=self.generator,
            scorer=self.scorer,
            rated_latents=self.rated_latents,
            ratings=self.ratings,
            k=self.knn_k,
            seed=seed,
        )
        if not drawn.candidates:
            raise BatchError("the model wrote no usable diagram for this prompt")
        candidates = [
            {
                "rank": c.rank,
                "recommended": c.recommended,
                "node_list": c.node_list,
                "plan": c.plan,
                "readability": round(c.readability, 4),
                "readability_reasons": list(node_list_reasons(c.node_list)),
                "user_score": None if c.user_score is None else round(c.user_score, 4),
                "final_score": round(c.final_score, 4),
            }
            for c in drawn.candidates
        ]
        return {
            "prompt": prompt,
            "seconds": round(time.monotonic() - started, 3),
            "candidates": candidates,
            "dropped": [{"reason": d.reason} for d in drawn.dropped],
        }
