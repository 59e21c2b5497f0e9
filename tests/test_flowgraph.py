"""How flowchart plan steps become a graph (ranking/generation/flowgraph.py)."""

from ranking.generation.flowgraph import depths, expand_flow
from ranking.generation.plan import parse_plan

STYLE = "style: auto mixed arrow muted labels medium\n"


def graph(*lines):
    plan = parse_plan("flow\n" + "\n".join(lines) + "\n" + STYLE)
    return expand_flow(plan.steps)


def edges(nodes):
    return {(nodes[a].word, nodes[b].word) for a in range(len(nodes)) for b in nodes[a].targets}


def test_a_steps_first_input_continues_the_main_chain():
    nodes = graph("DB > CNN model > png file", "picture > code file > histogram")
    assert [n.word for n in nodes] == ["DB", "CNN model", "png file", "code file", "histogram"]
    assert edges(nodes) == {
        ("DB", "CNN model"),
        ("CNN model", "png file"),
        ("png file", "code file"),
        ("code file", "histogram"),
    }


def test_a_converter_draws_data_to_data_and_is_no_node():
    nodes = graph("matrix > - > DB")
    assert [n.word for n in nodes] == ["matrix", "DB"]
    assert nodes[0].targets == [1]


def test_a_step_without_inputs_feeds_an_existing_node_of_its_kind():
    nodes = graph("DB > LLM > text", "- > NN > sentence")
    nn = next(n for n in nodes if n.word == "NN")
    assert [nodes[t].word for t in nn.targets] == ["text"]
    assert len(nodes) == 4


def test_side_steps_hang_off_nodes_in_order():
    # Chain: DB > LLM > table > PCA > database > NN > graph > code file (ends).
    nodes = graph(
        "DB > LLM > table",
        "table > PCA > database",
        "database > NN > graph",
        "graph > code file > -",
        "graph > model > -",  # hangs off the first chart node (the table)
        "DB > function > -",  # so this DB is the database after it, not the first DB
    )
    by_word = {n.word: n for n in nodes}
    assert by_word["model"].id in by_word["table"].targets
    assert by_word["function"].id in by_word["database"].targets
    assert by_word["function"].id not in by_word["DB"].targets


def test_a_side_step_whose_input_is_new_hangs_off_its_output():
    nodes = graph(
        "DB > CNN model > png file",
        "png file > code file > -",
        "buffers > NN > picture, table",
    )
    by_word = {n.word: n for n in nodes}
    assert by_word["NN"].targets[0] == by_word["png file"].id
    assert by_word["buffers"].targets == [by_word["NN"].id]
    assert len(nodes) == 7  # DB, CNN, png, code, buffers, NN, table


def test_depths_are_longest_paths_from_a_source():
    nodes = graph("DB > LLM > text", "text > PCA > table", "- > NN > table")
    # NN is a source of its own: depth 0, though it feeds the deepest node.
    assert depths(nodes) == [0, 1, 2, 3, 4, 0]
