"""Label recall and labelled-edge F1 of docs METRICS.md ("Names and edges").

The structural score counts connections only; these measures ask whether
the diagram uses the prompt's names and connects the right named things.
Both compare sets of normalised names, so a name drawn twice counts once
and a node without a label (or with one that normalises to nothing) has no
name: edges to or from it do not count. No output, or an output without a
single node, scores 0 on both, like a failed prompt.
"""

from __future__ import annotations

import re

from . import nodelist
from .model import Diagram

_ARTICLE = re.compile(r"^(?:the|an|a) ")

Edge = tuple[str, str]


def _diagram(diagram: Diagram | str) -> Diagram:
    return nodelist.parse(diagram).diagram if isinstance(diagram, str) else diagram


def _output(output: Diagram | str | None) -> Diagram | None:
    """Return the output as a diagram, or None when there is nothing to score."""
    diagram = None if output is None else _diagram(output)
    return diagram if diagram is not None and diagram.nodes else None


def normalise_name(name: str | None) -> str:
    """Return a name lower-cased, hyphens as spaces, single-spaced, leading article dropped.

    "The LinearSVC spam-filter" -> "linearsvc spam filter". Only one
    article goes: "a the x" is not a name anyone types.
    """
    text = " ".join((name or "").lower().replace("-", " ").split())
    return _ARTICLE.sub("", text)


def labelled_graph(diagram: Diagram | str) -> tuple[set[str], set[Edge]]:
    """Return (normalised labels, (source label, target label) edges) of a diagram or node list."""
    diagram = _diagram(diagram)
    labels = {normalise_name(node.label) for node in diagram.nodes} - {""}
    edges = {
        (normalise_name(source.label), normalise_name(target.label))
        for source, target in diagram.edges()
    }
    return labels, {(s, t) for s, t in edges if s and t}


def label_recall(output: Diagram | str | None, target: Diagram | str) -> float:
    """Return the share of the target's names found among the output's labels (0 for no output).

    A target without names is fully recalled by any output (1.0): there was
    nothing to miss.
    """
    output = _output(output)
    if output is None:
        return 0.0
    wanted = labelled_graph(target)[0]
    if not wanted:
        return 1.0
    return len(wanted & labelled_graph(output)[0]) / len(wanted)


def edge_f1(output: Diagram | str | None, target: Diagram | str) -> float:
    """Return 2·|common edges| / (|output edges| + |target edges|) (0 for no output).

    Two diagrams without any named edge agree: 1.0.
    """
    output = _output(output)
    if output is None:
        return 0.0
    got, want = labelled_graph(output)[1], labelled_graph(target)[1]
    if not got and not want:
        return 1.0
    return 2 * len(got & want) / (len(got) + len(want))


def exact(output: Diagram | str | None, target: Diagram | str) -> bool:
    """Return True when the output's labelled edges are exactly the target's (F1 == 1)."""
    return edge_f1(output, target) == 1.0
