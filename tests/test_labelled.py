"""Label recall and labelled-edge F1 (METRICS.md, names and edges) on hand-built diagrams."""

import pytest

from ranking.diagrams import nodelist
from ranking.diagrams.labelled import (
    edge_f1,
    exact,
    label_recall,
    labelled_graph,
    normalise_name,
)
from ranking.diagrams.model import Diagram, Node


def graph(labels: dict[int, str | None], edges: list[tuple[int, int]]) -> Diagram:
    """Return a diagram of labelled nodes {id: label} with the given (source, target) edges."""
    return Diagram(
        [
            Node(i, 100 * i, 300, targets=[t for s, t in edges if s == i], label=label)
            for i, label in labels.items()
        ]
    )


def chain(*labels: str) -> Diagram:
    """Return a diagram that connects `labels` in a chain, in order."""
    return graph(dict(enumerate(labels)), [(i, i + 1) for i in range(len(labels) - 1)])


@pytest.mark.parametrize(
    "name, expected",
    [
        ("The LinearSVC spam-filter", "linearsvc spam filter"),
        ("  a   Raw\tdata\n", "raw data"),
        ("An Image-Net  model", "image net model"),
        ("the", "the"),  # an article alone is a name, not a prefix
        ("Theano model", "theano model"),  # only a whole word is an article
        ("ANOVA", "anova"),
        (None, ""),
        ("-", ""),
    ],
)
def test_it_normalises_names(name, expected):
    assert normalise_name(name) == expected


def test_labelled_graph_reads_the_eleventh_field_of_a_node_list():
    text = nodelist.dumps(chain("Raw data", "The Cleaner", "clean data"))
    labels, edges = labelled_graph(text)
    assert labels == {"raw data", "cleaner", "clean data"}
    assert edges == {("raw data", "cleaner"), ("cleaner", "clean data")}


def test_duplicated_labels_count_once():
    output = graph({0: "DB", 1: "db", 2: "Report", 3: "report"}, [(0, 2), (1, 3)])
    labels, edges = labelled_graph(output)
    assert labels == {"db", "report"}
    assert edges == {("db", "report")}
    assert label_recall(output, chain("DB", "Report")) == 1.0
    assert exact(output, chain("DB", "Report"))


def test_case_hyphen_and_article_differences_still_match():
    output = chain("the Raw-Data", "A  Cleaner", "clean DATA")
    target = chain("raw data", "cleaner", "Clean data")
    assert label_recall(output, target) == 1.0
    assert edge_f1(output, target) == 1.0
    assert exact(output, target)


def test_a_shorter_name_is_a_miss():
    output = chain("reviews", "sentiment classifier")
    target = chain("reviews", "DistilBERT sentiment classifier")
    assert label_recall(output, target) == pytest.approx(1 / 2)
    assert edge_f1(output, target) == 0.0


def test_partial_overlap_by_hand():
    # Target: a -> b -> c -> d (3 edges); output: a -> b -> c, a -> d, e -> d (4 edges).
    target = chain("a1", "b", "c", "d")
    output = graph({0: "A1", 1: "B", 2: "C", 3: "D", 4: "E"}, [(0, 1), (1, 2), (0, 3), (4, 3)])
    # Names: a1, b, c, d all drawn -> recall 4/4.
    assert label_recall(output, target) == 1.0
    # Common edges: (a1, b), (b, c) -> F1 = 2 * 2 / (4 + 3) = 4/7.
    assert edge_f1(output, target) == pytest.approx(4 / 7)
    assert not exact(output, target)


def test_recall_is_the_share_of_target_names_drawn():
    target = chain("loader", "model", "metrics", "report")
    output = chain("Loader", "model", "dashboard")
    assert label_recall(output, target) == pytest.approx(2 / 4)
    # Output edges (loader, model), (model, dashboard); one in common of 2 + 3.
    assert edge_f1(output, target) == pytest.approx(2 * 1 / (2 + 3))


def test_unlabelled_nodes_have_no_name_and_their_edges_do_not_count():
    output = graph({0: "a", 1: None, 2: "b"}, [(0, 1), (1, 2), (0, 2)])
    labels, edges = labelled_graph(output)
    assert labels == {"a", "b"}
    assert edges == {("a", "b")}


def test_an_empty_or_failed_output_scores_zero():
    target = chain("a", "b")
    for output in (None, Diagram([]), "", "not a node list"):
        assert label_recall(output, target) == 0.0
        assert edge_f1(output, target) == 0.0
        assert not exact(output, target)


def test_an_output_without_labels_recalls_nothing():
    output = graph({0: None, 1: None}, [(0, 1)])
    target = chain("a", "b")
    assert label_recall(output, target) == 0.0
    assert edge_f1(output, target) == 0.0


def test_single_named_nodes_without_edges_agree():
    assert edge_f1(chain("Model"), chain("the model")) == 1.0
    assert label_recall(chain("Model"), chain("the model")) == 1.0
