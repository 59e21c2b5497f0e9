"""Turn a prompt into `count` distinct, valid candidate diagrams with a generator.

For a plan generator every completion is parsed and laid out; a plan the
plan parser or the layout engine rejects is dropped with its reason, never
shown. Candidates must differ visually: one whose node list equals an
earlier candidate's gets a nearby style instead (another palette, shape or
size; the structure, which came from the LLM, stays). If no completion is valid, the structure is
sampled again (with temperature) up to `max_attempts` times; if some are
valid but fewer than `count`, the valid structure is drawn in further
nearby styles. For a node-list generator, unreadable or duplicate outputs are
dropped and the missing ones sampled again.

A plan generator may offer two readings of the prompt (llm.Completion's
`structure_rank`: 0 the model's best, 1 a close alternative). The best
reading's completions are reported (and drawn here) before the alternative
is decoded, so the first candidate is on screen early; each candidate
records its structure's rank so the page can say "alternative reading".
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field

from ranking.diagrams import nodelist
from ranking.diagrams.model import Diagram
from ranking.generation.constrain import SpanSet, prompt_spans
from ranking.generation.grounding import ground_inputs
from ranking.generation.layerplan import LAYERS
from ranking.generation.layout import LayoutError, layout_plan
from ranking.generation.plan import (
    FLOW,
    STYLE_CHOICES,
    Plan,
    PlanError,
    parse_plan,
    random_style,
)
from ranking.generation.repeats import tidy_repeats

# A retry samples the structure instead of decoding it greedily; warm enough
# to leave a bad greedy path, cool enough to stay on-topic.
RETRY_STRUCTURE_TEMPERATURE = 0.7
# Random restyles tried before giving up on making a duplicate different.
RESTYLE_TRIES = 30
# Style keys a duplicate may change first; the prompt rarely pins these.
RESTYLE_KEYS = ("palette", "shape", "size")


# A flowchart's labels are the user's own names, a layer plan's labels are its
# layers' types and numbers; the style line is sampled and could hide them
# all, so they are drawn unless the prompt asks for none.
NO_LABELS = re.compile(
    r"\b(?:no|without|hide|hidden|omit)\s+(?:\w+\s+)?(?:labels?|text|names?)\b"
    r"|\bunlabell?ed\b|\bnolabels\b",
    re.IGNORECASE,
)


def keep_names(plan: Plan, prompt: str) -> Plan:
    """Return a flowchart or layer plan with labels shown, unless the prompt asks for none."""
    if (
        plan.family not in (FLOW, LAYERS)
        or plan.style["labels"] == "labels"
        or NO_LABELS.search(prompt)
    ):
        return plan
    return plan.with_style({**plan.style, "labels": "labels"})


class GenerationError(RuntimeError):
    """No valid candidate could be made for a prompt (the reasons are in the message)."""


@dataclass
class Candidate:
    """One shown candidate: plan text ("" for node-list generators), diagram, node list, style.

    `origin` says where its style came from: "model" (sampled by the LLM),
    "restyled" (the LLM's style duplicated another candidate and was
    replaced) or "filled" (an extra style for the LLM's structure after
    other completions were rejected). `structure_rank` is 0 for the model's
    best reading of the prompt and 1 for its alternative reading.
    """

    plan: str
    diagram: Diagram
    node_list: str
    style: dict | None = None
    origin: str = "model"
    structure_rank: int = 0


@dataclass
class Dropped:
    """A rejected completion: its text and why it was rejected."""

    text: str
    reason: str


@dataclass
class GenerationResult:
    """Candidates for one prompt, the rejected completions, and timings."""

    prompt: str
    candidates: list[Candidate] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    seconds: float = 0.0
    attempts: int = 0
    tokens: int = 0


def generate_candidates(
    prompt: str,
    count: int,
    *,
    generator,
    seed: int | None = None,
    on_progress=None,
    max_attempts: int = 3,
) -> GenerationResult:
    """Return `count` distinct valid candidates for `prompt`; raise GenerationError if none.

    `generator` is an `llm.Generator` (or anything with `output_format` and
    the same `generate` method). Progress events go to `on_progress`:
    {"stage": "loading_model" | "generating" | "laying_out"}, the
    generator's token events, and {"candidate_finished": i, "candidate": c}
    as each candidate is ready.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    report = on_progress or (lambda event: None)
    started = time.monotonic()
    result = GenerationResult(prompt=prompt)
    rng = random.Random(seed)
    report({"stage": "loading_model"})
    build = _PlanBuilder if generator.output_format == "plan" else _NodeListBuilder
    builder = build(result, count, rng, report)
    for attempt in range(max_attempts):
        missing = count - len(result.candidates)
        if missing <= 0 or not builder.should_sample():
            break
        report({"stage": "generating"})
        added: list = []

        def relay(event: dict, added=added) -> None:
            # A completion finished before the batch ends is drawn at once:
            # the first candidate appears while the others are still decoded.
            completion = event.get("completion")
            if completion is None:
                report(event)
            else:
                added.append(completion)
                builder.add(completion)

        completions = generator.generate(
            prompt,
            missing if attempt else count,
            seed=None if seed is None else seed + attempt,
            on_progress=relay,
            **builder.sample_options(attempt),
        )
        result.attempts += 1
        result.tokens += sum(c.tokens for c in completions)
        report({"stage": "laying_out"})
        for completion in completions:
            if not any(completion is early for early in added):
                builder.add(completion)
    builder.fill()
    result.seconds = time.monotonic() - started
    if not result.candidates:
        reasons = "; ".join(sorted({d.reason for d in result.dropped})) or "no output"
        raise GenerationError(f"no valid diagram for this prompt ({reasons})")
    return result


class _Builder:
    """Collects candidates for one prompt, keeping them valid and visually distinct."""

    def __init__(self, result: GenerationResult, count: int, rng: random.Random, report):
        self.result = result
        self.count = count
        self.rng = rng
        self.report = report
        self.seen: dict[str, int] = {}  # node-list text -> candidate index

    def should_sample(self) -> bool:
        return True

    def sample_options(self, attempt: int) -> dict:
        return {}

    def fill(self) -> None:
        """Top up to `count` candidates without the LLM, where the format allows it."""

    def accept(self, candidate: Candidate) -> None:
        index = len(self.result.candidates)
        self.result.candidates.append(candidate)
        self.seen[candidate.node_list] = index
        self.report({"candidate_finished": index, "candidate": candidate})

    def drop(self, text: str, reason: str) -> None:
        self.result.dropped.append(Dropped(text, reason))


class _PlanBuilder(_Builder):
    def __init__(self, *args):
        super().__init__(*args)
        self.plans: list[Plan] = []
        self.ranks: dict[int, Plan] = {}  # structure rank -> its first valid plan
        self._spans = None

    def is_name(self, name: str) -> bool:
        # The names the decoder could have written (grounding adds only such names).
        if self._spans is None:
            self._spans = SpanSet(prompt_spans(self.result.prompt))
        return name in self._spans

    def should_sample(self) -> bool:
        # Once one structure is valid, more candidates come from restyling it.
        return not self.plans

    def sample_options(self, attempt: int) -> dict:
        return {"structure_temperature": RETRY_STRUCTURE_TEMPERATURE if attempt else 0.0}

    def add(self, completion) -> None:
        if len(self.result.candidates) >= self.count:
            return
        text = completion.text
        # Generators without structure ranks (node-list fakes, older ones) give one structure.
        rank = getattr(completion, "structure_rank", 0)
        prompt = self.result.prompt
        try:
            plan = tidy_repeats(parse_plan(text), prompt)
            plan = keep_names(ground_inputs(plan, prompt, is_name=self.is_name), prompt)
        except PlanError as exc:
            why = getattr(completion, "reason", "")
            self.drop(text, f"invalid plan: {exc}" + (f" ({why})" if why else ""))
            return
        try:
            diagram = layout_plan(plan)
        except LayoutError as exc:
            self.drop(text, f"layout failed: {exc}")
            return
        self.plans.append(plan)
        self.ranks.setdefault(rank, plan)
        node_list = nodelist.dumps(diagram)
        if node_list in self.seen:
            self._restyle(plan, origin="restyled", rank=rank)
        else:
            style = dict(plan.style)
            self.accept(Candidate(plan.to_text(), diagram, node_list, style, "model", rank))

    def fill(self) -> None:
        # Extra styles alternate between the valid structures, the best first.
        ranks = sorted(self.ranks)
        for i in range(self.count - len(self.result.candidates) if ranks else 0):
            rank = ranks[i % len(ranks)]
            self._restyle(self.ranks[rank], origin="filled", rank=rank)

    def _restyle(self, plan: Plan, origin: str, rank: int = 0) -> None:
        """Accept `plan` in a nearby style that looks unlike every candidate so far."""
        for style in self._style_variants(plan.style):
            styled = keep_names(plan.with_style(style), self.result.prompt)
            try:
                diagram = layout_plan(styled)
            except LayoutError:
                continue
            node_list = nodelist.dumps(diagram)
            if node_list not in self.seen:
                self.accept(
                    Candidate(styled.to_text(), diagram, node_list, styled.style, origin, rank)
                )
                return
        self.drop(plan.to_text(), "no distinct style left for this structure")

    def _style_variants(self, style: dict):
        """Yield styles near `style`: one of palette/shape/size changed, then more, then any.

        Orientation, line style and labels are kept first because those are
        what a prompt usually asks for ("dashed lines", "left to right");
        which key changes first rotates so the candidates vary in more than
        colour.
        """
        keys = RESTYLE_KEYS[len(self.result.candidates) % len(RESTYLE_KEYS) :]
        keys += RESTYLE_KEYS[: len(RESTYLE_KEYS) - len(keys)]
        for key in keys:
            values = list(STYLE_CHOICES[key])
            self.rng.shuffle(values)
            for value in values:
                yield {**style, key: value}
        for _ in range(RESTYLE_TRIES):
            yield {**style, **{key: self.rng.choice(STYLE_CHOICES[key]) for key in RESTYLE_KEYS}}
        for _ in range(RESTYLE_TRIES):
            yield random_style(self.rng)


class _NodeListBuilder(_Builder):
    def add(self, completion) -> None:
        if len(self.result.candidates) >= self.count:
            return
        text = completion.text
        parsed = nodelist.parse(text)
        if not parsed.diagram.nodes:
            first = parsed.errors[0] if parsed.errors else "empty output"
            self.drop(text, f"no readable node ({first})")
            return
        node_list = nodelist.dumps(parsed.diagram)
        if node_list in self.seen:
            self.drop(text, f"same diagram as candidate {self.seen[node_list] + 1}")
            return
        self.accept(Candidate("", parsed.diagram, node_list, None))
