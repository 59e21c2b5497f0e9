"""Expand flowchart plan steps into a graph, the way the reference generator did.

Semantics (reverse-engineered from the 420 flowchart reference pairs):
- The first steps form a main chain: a step's first input is the previous
  step's first output (the prompt names it again, often with a synonym);
  further inputs are new side nodes feeding the processor.
- `IN > PROC > OUT` draws IN -> PROC -> OUT; without a processor
  ("a PCA converts X into Y") it draws IN -> OUT and the converter is no node.
- A step without outputs ends the main chain; so does a side step. A step
  is a side step when the chain has ended, when it has no inputs (and is not
  the first), or when its first input's kind differs from the chain's last
  output. A side step's first input, or else its first output, is an
  existing node with the same phrase or kind; everything else in it is new.
- What the reference prompts cannot tell (which of several same-kind nodes a
  side step meant; data-to-data edges they never mention) is lost: on the
  420 reference flowcharts the best transcription scores about 0.82.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ranking.generation import vocab
from ranking.generation.plan import FlowStep


@dataclass
class FlowNode:
    """One flowchart node: its plan word, kind, role and outgoing edges."""

    id: int
    word: str
    kind: str
    role: str  # "data" or "proc"
    targets: list[int] = field(default_factory=list)


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[FlowNode] = []

    def new(self, word: str, role: str) -> FlowNode:
        node = FlowNode(len(self.nodes), word, vocab.kind_of(word, role == "proc"), role)
        self.nodes.append(node)
        return node

    def find(self, word: str) -> FlowNode | None:
        """Return the earliest data node with this phrase or this phrase's kind.

        The reference generator picked one of the same-kind nodes at random;
        the earliest scored best on the reference pairs.
        """
        key, kind = vocab.to_word(word), vocab.kind_of(word, False)
        for node in self.nodes:
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


def expand_flow(steps: tuple[FlowStep, ...] | list[FlowStep]) -> list[FlowNode]:
    """Return the nodes (ids 0..n-1, edges in `targets`) that the steps describe."""
    b = _Builder()
    chain_end: FlowNode | None = None  # the main chain's latest output
    chain_open = True
    for index, step in enumerate(steps):
        side = _is_side(step, index, chain_open, chain_end)
        inputs: list[FlowNode] = []
        for i, word in enumerate(step.inputs):
            node = None
            if i == 0:
                node = b.find(word) if side else chain_end
            inputs.append(node or b.new(word, "data"))
        proc = b.new(step.proc, "proc") if step.proc else None
        outputs: list[FlowNode] = []
        for i, word in enumerate(step.outputs):
            # A side step without inputs feeds an existing node ("LLM that outputs DB").
            node = b.find(word) if i == 0 and side and not step.inputs else None
            outputs.append(node or b.new(word, "data"))
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
    return b.nodes


def depths(nodes: list[FlowNode]) -> list[int]:
    """Return each node's depth: the longest path to it from a source."""
    depth = [0] * len(nodes)
    # Kahn's order; the expansion never makes cycles, but a cycle must not hang.
    indegree = [0] * len(nodes)
    for node in nodes:
        for t in node.targets:
            indegree[t] += 1
    queue = [n.id for n in nodes if indegree[n.id] == 0]
    seen = 0
    while queue:
        current = queue.pop(0)
        seen += 1
        for t in nodes[current].targets:
            depth[t] = max(depth[t], depth[current] + 1)
            indegree[t] -= 1
            if indegree[t] == 0:
                queue.append(t)
    if seen != len(nodes):
        raise ValueError("flow graph has a cycle")
    return depth
