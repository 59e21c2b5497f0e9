"""Flowcharts in the reference generator's templates ("inputs X, and outputs Y and process
them with P"), with plans written by name.

The structure mirrors the reference generator: a main chain where each
line's first input has the kind of the previous line's output, then side
lines that hang off existing nodes. The prompt names the chained input with
a synonym; the plan writes the node it stands for (`reference_flow.resolve_steps`),
because the product reads plans explicitly. Line forms and list lengths
follow the reference prompts' frequencies.
"""

from __future__ import annotations

import random

from ranking.generation import vocab
from ranking.generation.plan import FlowStep, Plan
from ranking.generation.reference_flow import resolve_steps
from ranking.generation.reference_templates import HEAD_VERBS, STEP_FORMS
from ranking.generation.synth.common import Example, finish, join

HEADS = (
    "machine learning model", "deep learning algorithm", "process", "algorithm", "RAG process",
    "data pre-processing algorithm", "Langchain process", "LLM process", "pipeline", "workflow",
    "ML pipeline", "data pipeline",
)  # fmt: skip


def data_phrase(rng: random.Random, kind: str) -> str:
    if rng.random() < 0.1:
        return rng.choice(vocab.EXTRA_DATA_PHRASES[kind])
    return rng.choice(vocab.DATA_PHRASES[kind])


def proc_phrase(rng: random.Random) -> str:
    kind = rng.choice(vocab.PROC_KINDS)
    if rng.random() < 0.1:
        return rng.choice(vocab.EXTRA_PROC_PHRASES[kind])
    return rng.choice(vocab.PROC_PHRASES[kind])


def _extra(rng: random.Random, weights: tuple[int, ...]) -> list[str]:
    """Return random data kinds; how many is drawn with `weights` (for 0, 1, 2...)."""
    count = rng.choices(range(len(weights)), weights=weights)[0]
    return [rng.choice(vocab.DATA_KINDS) for _ in range(count)]


def _step_kinds(rng: random.Random) -> list[tuple[list[str], bool, list[str]]]:
    """Return (input kinds, has processor, output kinds) per step."""
    data_kinds: list[str] = []  # kinds of data nodes so far (for side lines)
    steps: list[tuple[list[str], bool, list[str]]] = []
    n_main = rng.choices(range(1, 10), weights=(1, 3, 6, 8, 8, 6, 4, 2, 1))[0]
    prev_kind: str | None = None
    for i in range(n_main):
        last = i == n_main - 1
        in_kinds: list[str] = []
        if i > 0 or rng.random() > 0.3:  # else the chain starts at the processor
            first = prev_kind or rng.choice(vocab.DATA_KINDS)
            in_kinds = [first] + _extra(rng, (85, 12, 3))
        if last and in_kinds and rng.random() < 0.5:
            out_kinds = []  # a final line that only consumes
        else:
            out_kinds = [rng.choice(vocab.DATA_KINDS)] + _extra(rng, (85, 11, 4))
        # "a PCA converts X into Y": no processor node
        proc = not (len(in_kinds) == 1 and len(out_kinds) == 1 and rng.random() < 0.35)
        steps.append((in_kinds, proc, out_kinds))
        data_kinds += in_kinds + out_kinds
        prev_kind = out_kinds[0] if out_kinds else None
        if not out_kinds:
            break
    for _ in range(rng.choices(range(6), weights=(4, 4, 3, 2, 1, 1))[0]):
        roll = rng.random()
        known = rng.choice(data_kinds) if data_kinds else rng.choice(vocab.DATA_KINDS)
        if roll < 0.4:  # "inputs X and process it with P"
            steps.append(([known] + _extra(rng, (85, 12, 3)), True, []))
        elif roll < 0.75:  # "LLM that outputs X"
            steps.append(([], True, [known] + _extra(rng, (85, 11, 4))))
        elif roll < 0.9:  # "a PCA converts X into Y"
            steps.append(([known], False, [rng.choice(vocab.DATA_KINDS)]))
        else:  # a side branch with its own input and output
            steps.append(([known], True, [rng.choice(vocab.DATA_KINDS)]))
    return steps


def template_steps(rng: random.Random) -> list[FlowStep]:
    """Return the steps as the prompt words them (before names are resolved)."""
    return [
        FlowStep(
            tuple(data_phrase(rng, k) for k in ins),
            proc_phrase(rng) if proc else None,
            tuple(data_phrase(rng, k) for k in outs),
        )
        for ins, proc, outs in _step_kinds(rng)
    ]


def render_line(rng: random.Random, step: FlowStep) -> str:
    """Return one step in a reference template."""
    them = "them" if len(step.inputs) + len(step.outputs) > 1 else rng.choice(("it", "them"))
    form = rng.choice(STEP_FORMS[bool(step.inputs), step.proc is not None, bool(step.outputs)])
    return form.format(
        a=join(rng, list(step.inputs)) if step.inputs else "",
        b=join(rng, list(step.outputs)) if step.outputs else "",
        p=step.proc or "",
        c=proc_phrase(rng),
        them=them,
    )


def render_prompt(rng: random.Random, lines: list[str]) -> str:
    head = f"{rng.choice(HEADS)} that {rng.choice(HEAD_VERBS)}"
    if rng.random() < 0.1:
        head = rng.choice(("please draw a ", "I need a diagram of a ", "draw a ")) + head
    if rng.random() < 0.25:
        # Single-paragraph form: "first, ..., and then ..., and ...".
        joined = lines[0]
        for line in lines[1:]:
            joined += rng.choice((", and then ", ", and ", ", then ")) + line
        first = rng.choice(("first, ", "", "first, "))
        return f"{head} {first}{joined}{rng.choice(('', '.'))}"
    bullet = rng.choice(("- ", "* "))
    end = rng.choice(("", "", "."))
    return f"{head} \n" + "\n".join(bullet + line for line in lines) + end


def template_example(rng: random.Random) -> Example:
    steps = template_steps(rng)
    prompt = render_prompt(rng, [render_line(rng, step) for step in steps])
    plan = Plan("flow", steps=resolve_steps(steps))
    return finish(rng, prompt, plan, "flowchart", "templates")
