"""The reference generator's flowchart semantics, to write its prompts' plans by name.

The product reads plans explicitly (`flowgraph`: a node is its name). The
reference pairs were drawn under implicit rules that a plan of names cannot
express directly, so their plans are written in resolved form: each step
names the node the reference generator connected (`resolve_steps`). The
model learns to write those names for reference-template prompts.

Implicit semantics (reverse-engineered from the 420 flowchart reference pairs):
- The first steps form a main chain: a step's first input is the previous
  step's first output (the prompt names it again, often with a synonym);
  further inputs are new side nodes feeding the processor.
- `IN > PROC > OUT` draws IN -> PROC -> OUT; without a processor
  ("a PCA converts X into Y") it draws IN -> OUT and the converter is no node.
- A step without outputs ends the main chain; so does a side step. A step
  is a side step when the chain has ended, when it has no inputs (and is not
  the first), or when its first input's kind differs from the chain's last
  output. A side step hangs off one existing node: its first input when a
  node of that phrase or kind exists, else its first output; everything
  else in it is new.
- Side steps come in the order of the nodes they hang off (true of all 420
  reference flowcharts), so each one looks for its node at or after the
  previous side step's node, not from the start of the graph.
- What the reference prompts cannot tell (which of several same-kind nodes a
  side step meant, where exactly the main chain ends, data-to-data edges
  they never mention) is lost: on the 420 reference flowcharts the best
  transcription scores about 0.83.
"""

from __future__ import annotations

from ranking.generation import vocab
from ranking.generation.flowgraph import FlowNode, name_key
from ranking.generation.plan import FlowStep


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[FlowNode] = []

    def new(self, word: str, role: str) -> FlowNode:
        node = FlowNode(len(self.nodes), word, vocab.kind_of(word, role == "proc"), role)
        self.nodes.append(node)
        return node

    def find(self, word: str, start: int = 0) -> FlowNode | None:
        """Return the earliest data node from id `start` on with this phrase or its kind.

        The reference generator picked one of the same-kind nodes at random;
        the earliest scored best on the reference pairs.
        """
        key, kind = vocab.to_word(word), vocab.kind_of(word, False)
        for node in self.nodes[start:]:
            if node.role == "data" and (
                vocab.to_word(node.word) == key or (kind != "data" and node.kind == kind)
            ):
                return node
        return None

    @staticmethod
    def link(source: FlowNode, target: FlowNode) -> None:
        if target.id not in source.targets and source is not target:
            source.targets.append(target.id)


def _is_side(step: FlowStep, index: int, chain_open: bool, chain_end: FlowNode | None) -> bool:
    """Return True when a step hangs off the graph instead of extending the chain."""
    if not chain_open or (index > 0 and not step.inputs):
        return True
    if chain_end is None or not step.inputs:
        return False
    # The chain's next step consumes the chain's last output, so its first
    # input has that kind; a different known kind means a side step.
    kind = vocab.kind_of(step.inputs[0], False)
    return kind != "data" and kind != chain_end.kind


def expand_reference_flow(steps: tuple[FlowStep, ...] | list[FlowStep]) -> list[FlowNode]:
    """Return the nodes (ids 0..n-1, edges in `targets`) the reference generator drew."""
    return _expand(steps)[0]


def resolve_steps(steps: tuple[FlowStep, ...] | list[FlowStep]) -> tuple[FlowStep, ...]:
    """Return the steps with every item renamed to the node it stands for under these rules.

    A node's name is its first mention; a later, different node that the
    prompt calls by the same name gets a number ("CNN model #2"), as the
    reference generator drew a new node for every processor line. Under
    explicit semantics the result draws exactly the reference graph.
    """
    nodes, placed = _expand(steps)
    names: dict[int, str] = {}
    seen: dict[str, int] = {}
    for node in nodes:
        key = name_key(node.word)
        seen[key] = seen.get(key, 0) + 1
        names[node.id] = node.word if seen[key] == 1 else f"{node.word} #{seen[key]}"
    return tuple(
        FlowStep(
            tuple(names[n.id] for n in inputs),
            names[proc.id] if proc is not None else None,
            tuple(names[n.id] for n in outputs),
        )
        for inputs, proc, outputs in placed
    )


def _expand(steps):
    """Return (nodes, per step the (inputs, processor, outputs) nodes it used)."""
    b = _Builder()
    placed = []
    chain_end: FlowNode | None = None  # the main chain's latest output
    chain_open = True
    anchor = 0  # side steps hang off nodes from this id on (they come in order)
    for index, step in enumerate(steps):
        side = _is_side(step, index, chain_open, chain_end)
        first_in = first_out = None
        if side:
            first_in, first_out = _side_anchor(b, step, anchor)
            hook = first_in or first_out
            anchor = hook.id if hook else anchor
        elif step.inputs:
            first_in = chain_end
        inputs = [
            (first_in if i == 0 else None) or b.new(word, "data")
            for i, word in enumerate(step.inputs)
        ]
        proc = b.new(step.proc, "proc") if step.proc else None
        outputs = [
            (first_out if i == 0 else None) or b.new(word, "data")
            for i, word in enumerate(step.outputs)
        ]
        placed.append((inputs, proc, outputs))
        if proc is not None:
            for node in inputs:
                b.link(node, proc)
            for node in outputs:
                b.link(proc, node)
        else:
            for source in inputs:
                for target in outputs:
                    b.link(source, target)
        if side or not outputs:
            chain_open, chain_end = False, None
        else:
            chain_end = outputs[0]
    return b.nodes, placed


def _side_anchor(
    b: _Builder, step: FlowStep, start: int
) -> tuple[FlowNode | None, FlowNode | None]:
    """Return the existing node a side step hangs off, as (first input, first output).

    Its first input when the graph has a node of that phrase or kind, else its
    first output ("inputs buffers, and outputs png file ..." with no buffer
    yet feeds an existing picture); at most one of the two is set.
    """
    if step.inputs:
        node = b.find(step.inputs[0], start)
        if node is not None:
            return node, None
    if step.outputs:
        return None, b.find(step.outputs[0], start)
    return None, None
