"""Preference pairs (prompt, chosen plan, rejected plan) from what users did in the app.

Three sources, strongest first:

- "correction": the plan a user saved after editing is chosen over the plan
  the model wrote (it is also a supervised example: ORPO's likelihood term
  trains on it, and DPO adds that term for corrections);
- "rating": two diagrams of one job, rated by their owner at least
  `min_gap` points apart;
- "readability" (optional, weighted lower): for a job nobody rated, its most
  readable diagram over its least readable one, when they differ enough.

Only a user's judgement of their own diagrams counts (the services already
enforce it; the builder checks again so a stray row can never teach the
model). A pair seen twice is kept once, from the strongest source; two pairs
that contradict each other (A over B and B over A for one prompt) both go.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import combinations
from pathlib import Path

from ranking.generation.prompting import normalise_prompt

SOURCES = ("correction", "rating", "readability")
# Which source wins when one pair comes from several.
PRIORITY = {source: rank for rank, source in enumerate(SOURCES)}
WEIGHTS = {"correction": 1.0, "rating": 1.0, "readability": 0.3}
MIN_RATING_GAP = 2
# Readability is a 0-5 model estimate; under a point apart it is mostly noise.
MIN_READABILITY_GAP = 1.0


@dataclass(frozen=True)
class PreferencePair:
    """One training pair; `created_at` is when the judgement behind it was last made."""

    prompt: str
    chosen: str
    rejected: str
    source: str
    weight: float
    created_at: str = ""  # ISO 8601

    def key(self) -> tuple[str, str, str]:
        return (normalise_prompt(self.prompt), self.chosen.strip(), self.rejected.strip())

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def rating_pairs(min_gap: int = MIN_RATING_GAP):
    """Return pairs from owners' ratings of two diagrams of one job `min_gap` or more apart."""
    from ranking.models import Rating

    ratings = (
        Rating.objects.select_related("diagram__job")
        .filter(user_id=_field("diagram__user_id"), diagram__job__user_id=_field("user_id"))
        .exclude(diagram__plan="")
        .order_by("diagram__job_id", "diagram_id")
    )
    by_job: dict[int, list] = {}
    for rating in ratings:
        by_job.setdefault(rating.diagram.job_id, []).append(rating)
    pairs = []
    for rated in by_job.values():
        for a, b in combinations(rated, 2):
            if abs(a.score - b.score) < min_gap:
                continue
            high, low = (a, b) if a.score > b.score else (b, a)
            pairs.append(
                PreferencePair(
                    prompt=high.diagram.job.prompt,
                    chosen=high.diagram.plan.strip(),
                    rejected=low.diagram.plan.strip(),
                    source="rating",
                    weight=WEIGHTS["rating"],
                    created_at=max(a.updated_at, b.updated_at).isoformat(),
                )
            )
    return pairs


def correction_pairs():
    """Return pairs from corrections: the saved plan over the plan the model wrote."""
    from ranking.models import Correction

    corrections = (
        Correction.objects.filter(diagram__user_id=_field("user_id"))
        .exclude(model_plan="")
        .order_by("created_at", "pk")
    )
    pairs = []
    for correction in corrections.select_related("source_diagram"):
        source = correction.source_diagram
        if source is not None and source.user_id != correction.user_id:
            continue  # nobody corrects another user's diagram; never learn from one that says so
        pairs.append(
            PreferencePair(
                prompt=correction.prompt,
                chosen=correction.saved_plan.strip(),
                rejected=correction.model_plan.strip(),
                source="correction",
                weight=WEIGHTS["correction"],
                created_at=correction.created_at.isoformat(),
            )
        )
    return pairs


def readability_pairs(min_gap: float = MIN_READABILITY_GAP):
    """Return most- over least-readable diagram pairs of finished jobs nobody rated."""
    from ranking.models import Diagram, Job

    jobs = Job.objects.filter(status=Job.Status.DONE).exclude(diagrams__ratings__isnull=False)
    diagrams = (
        Diagram.objects.filter(job__in=jobs, parent__isnull=True, user_id=_field("job__user_id"))
        .exclude(plan="")
        .select_related("job")
        .order_by("job_id", "-readability", "pk")
    )
    by_job: dict[int, list] = {}
    for diagram in diagrams:
        by_job.setdefault(diagram.job_id, []).append(diagram)
    pairs = []
    for members in by_job.values():
        best, worst = members[0], members[-1]
        if best.readability - worst.readability < min_gap:
            continue
        pairs.append(
            PreferencePair(
                prompt=best.job.prompt,
                chosen=best.plan.strip(),
                rejected=worst.plan.strip(),
                source="readability",
                weight=WEIGHTS["readability"],
                created_at=(best.job.finished_at or best.created_at).isoformat(),
            )
        )
    return pairs


def build_pairs(
    since: datetime | None = None,
    include_readability: bool = False,
    min_rating_gap: int = MIN_RATING_GAP,
) -> list[PreferencePair]:
    """Return the de-duplicated training pairs from the database, corrections first.

    `since` keeps the pairs whose latest judgement is newer (a rating changed
    after `since` makes its pairs new again, whatever the other rating's age).
    """
    found = correction_pairs() + rating_pairs(min_rating_gap)
    if include_readability:
        found += readability_pairs()
    if since is not None:
        found = [p for p in found if datetime.fromisoformat(p.created_at) > since]
    return deduplicate(found)


def deduplicate(pairs: Iterable[PreferencePair]) -> list[PreferencePair]:
    """Return pairs with repeats kept once (strongest source) and contradictions dropped.

    Pairs whose chosen and rejected plans are the same text teach nothing and go too.
    """
    kept: dict[tuple[str, str, str], PreferencePair] = {}
    for pair in pairs:
        if pair.chosen.strip() == pair.rejected.strip() or not pair.chosen.strip():
            continue
        key = pair.key()
        held = kept.get(key)
        if held is None or PRIORITY[pair.source] < PRIORITY[held.source]:
            kept[key] = pair
        elif PRIORITY[pair.source] == PRIORITY[held.source] and pair.created_at > held.created_at:
            kept[key] = pair
    contradicted = {key for key in kept if (key[0], key[2], key[1]) in kept}
    return [pair for key, pair in kept.items() if key not in contradicted]


def counts_by_source(pairs: Iterable[PreferencePair]) -> dict[str, int]:
    """Return {source: number of pairs} for every source (zeros included)."""
    counted = Counter(pair.source for pair in pairs)
    return {source: counted.get(source, 0) for source in SOURCES}


def date_range(pairs: Iterable[PreferencePair]) -> tuple[str, str] | None:
    """Return the first and last judgement time of the pairs, or None for no dated pair."""
    stamps = sorted(pair.created_at for pair in pairs if pair.created_at)
    return (stamps[0], stamps[-1]) if stamps else None


def write_jsonl(pairs: Iterable[PreferencePair], path: str | Path) -> int:
    """Write one JSON line per pair to `path`; return how many."""
    lines = [pair.to_json() for pair in pairs]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)


def read_jsonl(path: str | Path) -> list[PreferencePair]:
    """Return the pairs of a JSONL file written by `write_jsonl` (or by hand, same keys)."""
    pairs = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        pairs.append(
            PreferencePair(
                prompt=row["prompt"],
                chosen=row["chosen"],
                rejected=row["rejected"],
                source=row.get("source", "rating"),
                weight=float(row.get("weight", 1.0)),
                created_at=row.get("created_at", ""),
            )
        )
    return pairs


def _field(name: str):
    from django.db.models import F

    return F(name)
