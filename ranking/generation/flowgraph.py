"""Turn flowchart plan steps into a graph: a node is its name, edges are what the lines write.

- The same name is the same node, whatever line it appears in. Names are
  compared by `name_key`: case, leading articles, a plural "s", spaces and
  hyphens do not count ("The TF-IDF vectorizers" is "tf idf vectorizer").
  The LLM resolves pronouns and synonyms ("it", "the enriched rows") by
  writing the earlier name, so nothing here guesses.
- `IN > PROC > OUT` draws every input -> PROC -> every output;
  `IN > - > OUT` ("X is converted into Y") draws every input -> every output.
  Nothing else is connected.
- "CNN model #2" is a second node that the prompt also calls "CNN model"
  (drawn with the same label); people rarely need it, the reference
  templates often do.
- A node is drawn as a processor when some line names it as one.

The reference data's quirkier semantics (an implicit chain joined through
synonyms) live in `reference_flow`, used only to write the reference
prompts' plans in these terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ranking.generation import vocab
from ranking.generation.plan import FlowStep

_ARTICLE = re.compile(r"^(?:the|a|an)\s+")
# "CNN model #2": a second, different node the prompt calls by the same name.
_NUMBER = re.compile(r"\s+#(\d{1,2})$")


def split_number(name: str) -> tuple[str, int]:
    """Return (name, number) of a plan item: ("CNN model #2") -> ("CNN model", 2); 1 if none."""
    match = _NUMBER.search(name)
    if match is None:
        return name, 1
    return name[: match.start()], int(match.group(1))


def label(name: str) -> str:
    """Return the text drawn for a node: its name without the distinguishing number."""
    return split_number(name)[0]


def name_key(name: str) -> str:
    """Return the identity of a node name ("The TF-IDF vectorizers" -> "tfidfvectorizer").

    Case, a leading article, a plural "s", spaces, hyphens and a folder's
    trailing slash do not count;
    a "#N" number does ("CNN model #2" is not "CNN model").
    """
    name, number = split_number(name)
    return "".join(name_words(name)) + (f"#{number}" if number > 1 else "")


def name_words(name: str) -> list[str]:
    """Return the words `name_key` compares, in order ("The user questions" -> user, question).

    A "#N" number is not among them: `label` it off first where it is written.
    """
    # "clips/" is the folder "clips": a trailing slash does not count either.
    name = name.rstrip("/") or name
    words = _ARTICLE.sub("", " ".join(name.lower().replace("-", " ").split())).split()
    if words and len(words[-1]) > 3 and words[-1].endswith("s") and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-1]
    return words


@dataclass
class FlowNode:
    """One flowchart node: its name (as first written), kind, role and outgoing edges."""

    id: int
    word: str
    kind: str
    role: str  # "data" or "proc"
    targets: list[int] = field(default_factory=list)


def expand_flow(steps: tuple[FlowStep, ...] | list[FlowStep]) -> list[FlowNode]:
    """Return the nodes (ids 0..n-1 in order of first mention, edges in `targets`)."""
    nodes: list[FlowNode] = []
    by_key: dict[str, FlowNode] = {}

    def node(name: str, role: str) -> FlowNode:
        key = name_key(name)
        found = by_key.get(key)
        if found is None:
            found = FlowNode(len(nodes), name, vocab.kind_of(name, role == "proc"), role)
            nodes.append(found)
            by_key[key] = found
        elif role == "proc" and found.role != "proc":
            found.role, found.kind = "proc", vocab.kind_of(found.word, True)
        return found

    def link(source: FlowNode, target: FlowNode) -> None:
        if source is not target and target.id not in source.targets:
            source.targets.append(target.id)

    for step in steps:
        inputs = [node(name, "data") for name in step.inputs]
        proc = node(step.proc, "proc") if step.proc else None
        outputs = [node(name, "data") for name in step.outputs]
        if proc is None:
            pairs = [(a, b) for a in inputs for b in outputs]
        else:
            pairs = [(a, proc) for a in inputs] + [(proc, b) for b in outputs]
        for source, target in pairs:
            link(source, target)
    return nodes


def depths(nodes: list) -> list[int]:
    """Return each node's depth: the longest path to it from a source.

    People draw loops ("the monitor triggers retraining of the model"); an
    edge that closes a cycle (found depth-first, in order of mention) is
    left out of the layering, so it is drawn as a back edge instead.
    """
    forward = _forward_edges(nodes)
    depth = [0] * len(nodes)
    indegree = [0] * len(nodes)
    for targets in forward:
        for t in targets:
            indegree[t] += 1
    queue = [i for i in range(len(nodes)) if indegree[i] == 0]
    while queue:
        current = queue.pop(0)
        for t in forward[current]:
            depth[t] = max(depth[t], depth[current] + 1)
            indegree[t] -= 1
            if indegree[t] == 0:
                queue.append(t)
    return depth


def _forward_edges(nodes: list) -> list[list[int]]:
    """Return each node's targets without the edges that close a cycle."""
    state = [0] * len(nodes)  # 0 unseen, 1 on the current path, 2 done
    forward: list[list[int]] = [[] for _ in nodes]
    for root in range(len(nodes)):
        if state[root]:
            continue
        stack = [(root, iter(nodes[root].targets))]
        state[root] = 1
        while stack:
            current, targets = stack[-1]
            for t in targets:
                if state[t] == 1:
                    continue  # back edge: closes a cycle
                forward[current].append(t)
                if state[t] == 0:
                    state[t] = 1
                    stack.append((t, iter(nodes[t].targets)))
                    break
            else:
                state[current] = 2
                stack.pop()
    return forward
