"""A flow line's repeated names, read once: no self-loops, doubled edges or twin boxes."""

from __future__ import annotations

from ranking.generation.plan import parse_plan
from ranking.generation.repeats import tidy_repeats

FREE = "At query time the user question is embedded into a query vector that searches Qdrant."
TEMPLATE = "pipeline that consists of, inputs text and process them with CNN model"


def tidied(lines: str, prompt: str = FREE) -> str:
    plan = parse_plan(f"flow\n{lines}\nstyle: auto box line grey labels medium")
    return tidy_repeats(plan, prompt).structure_text()


def test_a_processor_that_is_also_its_input_is_an_edge():
    assert tidied("query vector > query vector > top-5 passages") == (
        "flow\nquery vector > - > top-5 passages"
    )
    assert tidied("Lambda parser > parsed events > parsed events") == (
        "flow\nLambda parser > - > parsed events"
    )


def test_a_repeated_input_or_output_is_one():
    assert tidied("word timestamps, the word timestamps > aligner > transcript") == (
        "flow\nword timestamps > aligner > transcript"
    )
    assert tidied("audio clip > annotators > audio clip, labels") == (
        "flow\naudio clip > annotators > labels"
    )


def test_a_numbered_repeat_is_the_name_itself_in_free_english():
    assert tidied("eval questions, eval questions #2 > RAG bot > bot answers") == (
        "flow\neval questions > RAG bot > bot answers"
    )
    assert tidied("chunk vectors > pgvector #2 > -") == "flow\nchunk vectors > pgvector > -"


def test_the_templates_keep_their_numbered_nodes():
    lines = "text > CNN model > text #2\ntext #2 > CNN model #2 > -"
    assert tidied(lines, TEMPLATE) == f"flow\n{lines}"


def test_a_line_that_only_loops_is_dropped_and_an_empty_plan_kept_as_written():
    assert tidied("a > b > c\nc > c > -") == "flow\na > b > c"
    assert tidied("c > c > -") == "flow\nc > c > -"


def test_other_plans_are_untouched():
    plan = parse_plan("net 4 8 2\nstyle: auto box line grey labels medium")
    assert tidy_repeats(plan, FREE) is plan
