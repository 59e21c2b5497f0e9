"""How flowchart plan steps become a graph (ranking/generation/flowgraph.py), and how the
reference prompts' implicit graphs are written by name (reference_flow.py)."""

from ranking.diagrams.data import load_reference_pairs
from ranking.diagrams.structure import iou, signatures
from ranking.generation.baseline_parser import parse_flow_prompt
from ranking.generation.flowgraph import depths, expand_flow, label, name_key
from ranking.generation.plan import parse_plan
from ranking.generation.reference_flow import expand_reference_flow, resolve_steps

STYLE = "style: auto mixed arrow muted labels medium\n"


def steps(*lines):
    return parse_plan("flow\n" + "\n".join(lines) + "\n" + STYLE).steps


def graph(*lines):
    return expand_flow(steps(*lines))


def edges(nodes):
    return {(nodes[a].word, nodes[b].word) for a in range(len(nodes)) for b in nodes[a].targets}


def test_the_same_name_is_the_same_node():
    nodes = graph(
        "emails > TF-IDF vectorizer > sparse vectors",
        "The sparse-vectors > LinearSVC spam filter > spam labels",
    )
    assert [n.word for n in nodes] == [
        "emails",
        "TF-IDF vectorizer",
        "sparse vectors",
        "LinearSVC spam filter",
        "spam labels",
    ]
    assert edges(nodes) == {
        ("emails", "TF-IDF vectorizer"),
        ("TF-IDF vectorizer", "sparse vectors"),
        ("sparse vectors", "LinearSVC spam filter"),
        ("LinearSVC spam filter", "spam labels"),
    }


def test_names_compare_without_case_articles_plurals_spaces_and_hyphens():
    assert name_key("The TF-IDF vectorizers") == name_key("tf idf vectorizer")
    assert name_key("a Parquet table") == name_key("parquet tables")
    assert name_key("vector DB") == name_key("vectorDB")
    assert name_key("glass") != name_key("glas")  # "ss" is no plural
    assert name_key("emails") != name_key("email list")


def test_a_different_name_is_a_different_node_whatever_its_kind():
    # The reference semantics would join "picture" to "png file" (same kind).
    nodes = graph("DB > CNN model > png file", "picture > code file > histogram")
    assert len(nodes) == 6
    assert ("png file", "code file") not in edges(nodes)


def test_a_number_makes_a_second_node_with_the_same_label():
    nodes = graph("DB > CNN model > png file", "png file > CNN model #2 > table")
    assert [n.word for n in nodes] == ["DB", "CNN model", "png file", "CNN model #2", "table"]
    assert label("CNN model #2") == "CNN model" and label("C#") == "C#"
    assert name_key("CNN model #2") != name_key("CNN model")


def test_a_step_without_processor_draws_data_to_data():
    nodes = graph("audio clips > - > mel spectrograms")
    assert edges(nodes) == {("audio clips", "mel spectrograms")}
    assert [n.role for n in nodes] == ["data", "data"]


def test_a_chain_of_actions_is_a_plain_chain():
    nodes = graph("Documents > Chunk > Embed", "Embed > Store in Vector DB > Query")
    assert edges(nodes) == {
        ("Documents", "Chunk"),
        ("Chunk", "Embed"),
        ("Embed", "Store in Vector DB"),
        ("Store in Vector DB", "Query"),
    }
    # Named as a processor anywhere, drawn as one.
    assert [n.role for n in graph("a > - > b", "c > b > d")] == ["data", "proc", "data", "data"]


def test_merges_and_branches_connect_exactly_what_is_written():
    nodes = graph(
        "Kafka > - > card transactions",
        "card transactions, merchant data > Flink job > enriched transactions",
        "enriched transactions > XGBoost fraud model > fraud scores",
        "enriched transactions > - > Iceberg table",
    )
    assert edges(nodes) == {
        ("Kafka", "card transactions"),
        ("card transactions", "Flink job"),
        ("merchant data", "Flink job"),
        ("Flink job", "enriched transactions"),
        ("enriched transactions", "XGBoost fraud model"),
        ("XGBoost fraud model", "fraud scores"),
        ("enriched transactions", "Iceberg table"),
    }


def test_depths_are_longest_paths_and_a_loop_does_not_hang():
    nodes = graph("DB > LLM > text", "text > PCA > table", "- > NN > table")
    assert depths(nodes) == [0, 1, 2, 3, 4, 0]
    loop = graph(
        "features > training job > model",
        "model > monitor > drift alerts",
        "drift alerts > - > training job",
    )
    assert depths(loop) == [0, 1, 2, 3, 4]  # the edge back to the job is drawn, not layered
    assert ("drift alerts", "training job") in edges(loop)


def test_resolved_reference_steps_name_the_node_the_reference_generator_meant():
    # The template chain joins "picture" to the earlier "png file"; every
    # processor line is a new node, numbered when its name repeats.
    written = steps(
        "DB > CNN model > png file",
        "picture > code file > histogram",
        "jpg file > CNN model > -",
    )
    assert [s.to_text() for s in resolve_steps(written)] == [
        "DB > CNN model > png file",
        "png file > code file > histogram",
        "png file > CNN model #2 > -",
    ]


def test_resolved_reference_plans_draw_the_reference_generators_graph():
    for row in load_reference_pairs():
        if row["task"] != "flowchart":
            continue
        written = parse_flow_prompt(row["prompt"])
        implicit = {n.id: n.targets for n in expand_reference_flow(written)}
        explicit = {n.id: n.targets for n in expand_flow(resolve_steps(written))}
        assert iou(signatures(explicit), signatures(implicit)) == 1.0, row["id"]
