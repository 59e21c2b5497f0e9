"""Names a flow line repeats, read as a user means them.

The small model sometimes writes a name twice in one line ("query vector >
query vector > top-5 passages", "word timestamps, word timestamps > aligner")
or numbers a repeat ("eval questions, eval questions #2 > RAG bot"). Taken
literally these draw self-loops, doubled edges and twin boxes with one label,
which no prompt asks for. Refusing them while decoding does not help: the
model then writes a cut name instead ("word timestamps, word > aligner").
So they are read afterwards, and the tidied plan is what the card shows:

- outside the reference templates' phrasing (`looks_templated`), "X #2" is X:
  free English never needs a second node with the same name;
- a name once a line: a repeated input or output is dropped, and a processor
  that is also an input or output of its line is no processor ("X > X > Y"
  is the edge X -> Y);
- a line left with nothing to draw is dropped; a plan left with no line is
  returned as written.
"""

from __future__ import annotations

from dataclasses import replace

from ranking.generation.flowgraph import label, name_key
from ranking.generation.plan import FLOW, FlowStep, Plan
from ranking.generation.reference_templates import looks_templated


def tidy_repeats(plan: Plan, prompt: str) -> Plan:
    """Return `plan` with each flow line's repeated names read once (see the module)."""
    if plan.family != FLOW:
        return plan
    numbered = looks_templated(prompt)
    steps = [step for step in (_tidy(step, numbered) for step in plan.steps) if step]
    if not steps or steps == list(plan.steps):
        return plan
    return replace(plan, steps=tuple(steps))


def _tidy(step: FlowStep, numbered: bool) -> FlowStep | None:
    name_of = (lambda name: name) if numbered else label  # "X #2" -> "X"
    seen: set[str] = set()

    def once(names: tuple[str, ...]) -> tuple[str, ...]:
        kept = []
        for name in map(name_of, names):
            key = name_key(name)
            if key not in seen:
                seen.add(key)
                kept.append(name)
        return tuple(kept)

    inputs, outputs = once(step.inputs), once(step.outputs)
    proc = None if step.proc is None else name_of(step.proc)
    if proc is not None and name_key(proc) in seen:
        proc = None
    if proc is None and not (inputs and outputs):
        return None  # a self-loop and nothing else
    return FlowStep(inputs, proc, outputs)
