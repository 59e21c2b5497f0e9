"""Expand flowchart plan steps into a graph, the way the reference generator did.

Semantics (reverse-engineered from the 420 flowchart reference pairs):
- The first steps form a main chain: a step's first input is the previous
  step's first output (the prompt names it again, often with a synonym);
  further inputs are new side nodes feeding the processor.
- `IN > PROC > OUT` draws IN -> PROC -> OUT; without a processor
  ("a PCA converts X into Y") it draws IN -> OUT and the converter is no node.
- A step without outputs ends the main chain. A later step without inputs
  (or any step after the chain ended) is a side step: its first input, or
  else its first output, is an existing node of the same kind; everything
  else in it is new.
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
        """Return the earliest data node with this word's kind (or this word)."""
        kind = vocab.kind_of(word, False)
        for node in self.nodes:
            if node.role == "data" and (
                node.word == word or (kind != "data" and node.kind == kind)
            ):
                return node
        return None

    @staticmethod
    def link(source: FlowNode, target: FlowNode) -> None:
        if target.id not in source.targets and source is not target:
            source.targets.append(target.id)


def expand_flow(steps: tuple[FlowStep, ...] | list[FlowStep]) -> list[FlowNode]:
    """Return the nodes (ids 0..n-1, edges in `targets`) that the steps describe."""
    b = _Builder()
    chain_end: FlowNode | None = None  # the main chain's latest output
    chain_open = True
    for index, step in enumerate(steps):
        side = not chain_open or (index > 0 and not step.inputs)
        inputs: list[FlowNode] = []
        for i, word in enumerate(step.inputs):
            node = None
            if i == 0 and not side and chain_end is not None:
                node = chain_end
            elif i == 0 and side:
                node = b.find(word)
            inputs.append(node or b.new(word, "data"))
        proc = b.new(step.proc, "proc") if step.proc else None
        outputs: list[FlowNode] = []
        for i, word in enumerate(step.outputs):
            node = None
            if i == 0 and side and not step.inputs:
                node = b.find(word)
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
        if not side:
            if outputs:
                chain_end = outputs[0]
            else:
                chain_open = False
                chain_end = None
        elif index > 0 and chain_open and not step.inputs:
            # A side step interrupts the chain: later steps are side steps too.
            chain_open = False
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
