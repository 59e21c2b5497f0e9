"""The generator: loading base + adapter once, batched decoding, progress and clear errors.

Runs on tiny Llama models built in the test (tests/tinylm.py), so it needs
no download and no base-model cache.
"""

import pytest

from ranking.generation import llm
from ranking.generation.basemodel import BaseModelError
from ranking.generation.prompting import format_prompt
from tests.tinylm import build_tiny_model, save_noop_adapter, teach

NODE_LIST = (
    "[0, 200, 150, 'rectangle', 80, 40, 'solid arrow', (255, 255, 255), (0, 0, 0), [1]]\n"
    "[1, 200, 350, 'circle', 60, 60, 'solid line', (192, 192, 224), (0, 0, 0), []]"
)
PLAN_STRUCTURE = "net 2 3 1"
PLAN = PLAN_STRUCTURE + "\nstyle: auto mixed arrow muted labels medium"


@pytest.fixture(scope="module")
def node_list_model(tmp_path_factory):
    """A tiny model taught to answer "two shapes" with NODE_LIST, plus a no-op adapter."""
    base = build_tiny_model(tmp_path_factory.mktemp("nl-base"))
    teach(base, format_prompt("two shapes"), NODE_LIST, steps=200)
    adapter = save_noop_adapter(base, tmp_path_factory.mktemp("nl-adapter"))
    return base, adapter


@pytest.fixture(scope="module")
def plan_model(tmp_path_factory):
    """A tiny model taught to answer "a small net" with PLAN."""
    base = build_tiny_model(tmp_path_factory.mktemp("plan-base"), seed=1)
    teach(base, format_prompt("a small net"), PLAN, steps=200)
    return base


def node_list_generator(base, adapter):
    """Return the CPU node-list generator for this base and adapter (150 new tokens at most)."""
    return llm.load_generator(
        base=base,
        adapter=adapter,
        output_format="node_list",
        generation_settings={"max_new_tokens": 150},
        device="cpu",
    )


def test_a_node_list_model_with_an_adapter_writes_node_lists_until_eos(node_list_model):
    base, adapter = node_list_model
    generator = node_list_generator(base, adapter)
    completions = generator.generate("two shapes", 3, seed=0)
    assert len(completions) == 3
    # Row 0 is greedy: exactly what the model was taught, ended by EOS.
    assert completions[0].text == NODE_LIST
    assert completions[0].finished
    assert completions[0].temperature == 0.0
    assert all(c.temperature > 0 for c in completions[1:])


def test_it_stops_on_the_end_token_the_adapters_training_recorded(tmp_path):
    # The shipped adapter ends plans with <|im_start|>, its training run's EOS
    # (models/generator/README.md); here a tiny model ends its answer with <pad>.
    base = build_tiny_model(tmp_path / "base", seed=3)
    teach(base, format_prompt("two shapes"), NODE_LIST, steps=200, end_token="<pad>")
    adapter = save_noop_adapter(base, tmp_path / "adapter")
    assert llm.adapter_stop_tokens(adapter) == []
    (adapter / "training_summary.json").write_text('{"eos_token": "<pad>"}')
    assert llm.adapter_stop_tokens(adapter) == ["<pad>"]
    generator = node_list_generator(base, adapter)
    greedy = generator.generate("two shapes", 1, seed=0)[0]
    assert greedy.finished
    assert greedy.text == NODE_LIST


def test_a_summary_naming_no_known_token_adds_no_stop(tmp_path):
    (tmp_path / "training_summary.json").write_text('{"steps": 3}')
    assert llm.adapter_stop_tokens(tmp_path) == []
    (tmp_path / "training_summary.json").write_text("not json")
    assert llm.adapter_stop_tokens(tmp_path) == []


def test_it_loads_a_configuration_once_per_process(node_list_model):
    base, adapter = node_list_model
    settings = {"max_new_tokens": 150}
    first = llm.load_generator(base, adapter, "node_list", settings, "cpu")
    again = llm.load_generator(base, adapter, "node_list", dict(settings), "cpu")
    assert again is first
    other = llm.load_generator(base, adapter, "node_list", {"max_new_tokens": 20}, "cpu")
    assert other is not first


def test_a_plan_model_decodes_the_structure_once_and_a_style_line_per_candidate(plan_model):
    generator = llm.load_generator(base=plan_model, output_format="plan", device="cpu")
    events = []
    completions = generator.generate("a small net", 4, seed=3, on_progress=events.append)
    assert len(completions) == 4
    assert completions[0].text == PLAN
    for completion in completions:
        structure, style = completion.text.split("\n")
        assert structure == PLAN_STRUCTURE
        assert style.startswith("style:")
        assert completion.finished
    token_events = [e for e in events if "tokens" in e]
    assert all(len(e["tokens"]) == 4 for e in token_events)
    assert token_events[-1]["finished"] == 4
    # While the shared structure decodes every candidate shows the same count.
    assert token_events[0]["tokens"] == [1, 1, 1, 1]
    assert sorted(e["candidate_finished"] for e in events if "candidate_finished" in e) == [
        0,
        1,
        2,
        3,
    ]


def test_it_stops_at_the_token_limit_when_no_eos_comes(tmp_path):
    base = build_tiny_model(tmp_path / "random", seed=5)
    generator = llm.load_generator(
        base=base, output_format="node_list", generation_settings={"max_new_tokens": 7}
    )
    completions = generator.generate("anything", 2, seed=0)
    assert all(c.tokens <= 7 for c in completions)
    assert any(not c.finished for c in completions)


def test_a_missing_base_model_gives_a_clear_error(tmp_path):
    with pytest.raises(BaseModelError, match="does not exist"):
        llm.load_generator(base=tmp_path / "nowhere", output_format="node_list")


def test_a_missing_adapter_names_the_training_command(plan_model, tmp_path):
    with pytest.raises(BaseModelError, match="train_generator"):
        llm.load_generator(base=plan_model, adapter=tmp_path / "no-adapter")


def test_a_corrupt_adapter_file_gives_a_clear_error(node_list_model, tmp_path):
    base, adapter = node_list_model
    broken = tmp_path / "broken-adapter"
    broken.mkdir()
    for item in adapter.iterdir():
        (broken / item.name).write_bytes(item.read_bytes())
    (broken / "adapter_model.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(BaseModelError, match="corrupt"):
        llm.load_generator(base=base, adapter=broken, output_format="node_list")


def test_it_rejects_unknown_settings_and_formats(plan_model):
    with pytest.raises(ValueError, match="unknown generation settings"):
        llm.load_generator(base=plan_model, generation_settings={"temprature": 1})
    with pytest.raises(ValueError, match="output_format"):
        llm.load_generator(base=plan_model, output_format="svg")


def test_it_can_prompt_through_the_tokenizer_chat_template(plan_model):
    generator = llm.load_generator(
        base=plan_model, generation_settings={"chat_template": True}, device="cpu"
    )
    expected = generator.tokenizer("User: two shapes\nAnswer:\n").input_ids
    assert generator.encode_prompt("two \n shapes") == expected


def test_an_over_long_prompt_keeps_the_template_cue_at_its_end(plan_model):
    generator = llm.load_generator(
        base=plan_model, generation_settings={"max_prompt_tokens": 40}, device="cpu"
    )
    ids = generator.encode_prompt("a small net " * 100)
    assert len(ids) == 40
    assert generator.tokenizer.decode(ids).endswith("\nPlan:\n")
