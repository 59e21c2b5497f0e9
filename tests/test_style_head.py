"""The style head: style pairs train it instead of the adapter, and it never moves a structure."""

import json
import shutil

import pytest

from ranking.generation import llm, style_head
from ranking.generation.basemodel import BaseModelError
from ranking.generation.prompting import format_prompt
from ranking.learning import preference, style_tuning
from ranking.learning.pairs import PreferencePair
from tests.test_preference_tuning import config_for as adapter_config
from tests.tinylm import build_tiny_model, save_noop_adapter, teach

STRUCTURE = "net 2 3 1"
CHOSEN = STRUCTURE + "\nstyle: right box arrow muted labels medium"
REJECTED = STRUCTURE + "\nstyle: down circle dashed blue nolabels small"
CORRECTED = "net 2 4 1\nstyle: right box arrow muted labels medium"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tinylm")
    base = build_tiny_model(root / "base", seed=1)
    teach(base, format_prompt("a small net"), REJECTED, steps=150)
    return base, save_noop_adapter(base, root / "adapter")


def ratings(prompts):
    return [PreferencePair(p, CHOSEN, REJECTED, "rating", 1.0) for p in prompts]


def config_for(tiny, tmp_path, method="orpo", **overrides):
    """The adapter tests' run (tests/test_preference_tuning.py), with the head on, no anchors."""
    values = dict(style_head=True, anchors_per_step=0, head_epochs=200, head_lr=0.1)
    return adapter_config(tiny, tmp_path, method, **{**values, **overrides})


def loaded(tiny):
    config = preference.PreferenceConfig(base_path=str(tiny[0]), init_adapter=str(tiny[1]))
    peft_model, tokenizer = preference.load_model(config)
    return peft_model.eval(), tokenizer


def random_head(tokenizer, hidden_size, seed=0):
    import torch

    torch.manual_seed(seed)
    ids = style_head.style_token_ids(tokenizer)
    head = style_head.StyleHead.zeros(ids, hidden_size)
    head.weight += torch.randn_like(head.weight) * 0.5
    head.bias += torch.randn_like(head.bias) * 2.0
    return head


def test_the_head_scores_a_style_line_as_the_whole_shifted_vocabulary_does(tiny):
    import torch

    from ranking.generation import training

    peft_model, tokenizer = loaded(tiny)
    causal = peft_model.get_base_model()
    head = random_head(tokenizer, causal.config.hidden_size)
    ids, _ = training.encode_pair(tokenizer, training.Pair("a small net", CHOSEN), 200)
    start = style_tuning.value_start(ids, style_tuning.prefix_ids(tokenizer))
    assert tokenizer.decode(ids[start:-1]).strip() == "right box arrow muted labels medium"
    features = style_tuning.line_features(causal, ids, start, head.token_ids)
    with torch.no_grad():
        hidden = causal.model(input_ids=torch.tensor([ids])).last_hidden_state[0]
        logits = head.apply(causal.lm_head(hidden), hidden)[start - 1 : -1]
        expected = torch.log_softmax(logits, -1).gather(1, torch.tensor(ids[start:])[:, None])
        found = style_tuning.line_logps(head, features)
    assert torch.allclose(found, expected[:, 0], atol=1e-4)
    zero = style_head.StyleHead.zeros(head.token_ids, causal.config.hidden_size)
    assert style_tuning.head_gain(zero, features) == 0.0
    # A pair's shared prompt and structure run once: the same features.
    other, _ = training.encode_pair(tokenizer, training.Pair("a small net", REJECTED), 200)
    pair = style_tuning.pair_features(causal, ids, other, start, head.token_ids)
    alone = (features, style_tuning.line_features(causal, other, start, head.token_ids))
    for shared, single in zip(pair, alone, strict=True):
        assert torch.allclose(shared.hidden, single.hidden, atol=1e-4)
        assert torch.allclose(
            style_tuning.line_logps(head, shared), style_tuning.line_logps(head, single), atol=1e-4
        )


@pytest.mark.parametrize("method", ["orpo", "dpo"])
def test_style_pairs_train_the_head_and_leave_the_adapter_as_it_was(tiny, tmp_path, method):
    import torch
    from safetensors.torch import load_file

    config = config_for(tiny, tmp_path, method=method)
    prompts = ["a small net", "a tiny network", "two inputs three hidden one out", "a net"]
    summary = preference.train(config, ratings(prompts[:3]), ratings(prompts[3:]), log=print)
    assert summary["loss_curve"] == [] and summary["planned_steps"] == 0
    report = summary["style_head"]
    assert report["pairs"] == 3
    before, after = report["train_accuracy"]["before"], report["train_accuracy"]["after"]
    assert before["accuracy"] == 0.0  # the model was taught the rejected style
    assert after["mean_margin"] > before["mean_margin"] + 1.0
    if method == "orpo":  # DPO moves the margin from where it was, less far
        assert after["accuracy"] == 1.0
    held = summary["preference_accuracy"]
    assert held["after"]["mean_margin"] > held["before"]["mean_margin"]
    out = tmp_path / "out"
    start = load_file(tiny[1] / "adapter_model.safetensors")
    end = load_file(out / "adapter_model.safetensors")
    assert all(torch.equal(start[k], end[k]) for k in start)
    assert style_head.load(out) is not None


def test_with_a_correction_the_adapter_takes_steps_on_it_alone(tiny, tmp_path):
    config = config_for(tiny, tmp_path, steps=12)
    pairs = ratings(["a small net", "a tiny network", "a net", "one more net"])
    pairs.append(PreferencePair("a net of four hidden", CORRECTED, REJECTED, "correction", 1.0))
    records = []
    summary = preference.train(config, pairs, progress=records.append, log=lambda _: None)
    # 12 scheduled steps of 2 pairs, less the steps that held style pairs alone.
    assert 0 < summary["planned_steps"] < 12
    assert [step for step, _ in summary["loss_curve"]] == list(
        range(1, summary["planned_steps"] + 1)
    )
    assert {r.extra["of"] for r in records} == {summary["planned_steps"]}
    assert summary["style_head"]["pairs"] == 4
    clock = preference.Progress(total=12)
    assert clock.update(records[-1])["steps"] == summary["planned_steps"]


def test_a_run_starts_from_the_head_of_the_adapter_it_starts_from(tiny, tmp_path):
    import torch

    peft_model, tokenizer = loaded(tiny)
    adapter = tmp_path / "adapter"
    shutil.copytree(tiny[1], adapter)
    saved = random_head(tokenizer, peft_model.get_base_model().config.hidden_size)
    saved.save(adapter)
    config = config_for(tiny, tmp_path, init_adapter=str(adapter))
    start = preference.start_head(config, peft_model, tokenizer)
    assert start.token_ids == saved.token_ids
    assert torch.equal(start.weight, saved.weight) and torch.equal(start.bias, saved.bias)


def test_the_generator_decodes_with_the_head_and_the_structure_never_moves(tiny, tmp_path):
    base, noop = tiny
    adapter = tmp_path / "adapter"
    shutil.copytree(noop, adapter)
    settings = {"structures": 1}

    def generate(path):
        generator = llm.load_generator(
            base=base, adapter=path, generation_settings=settings, device="cpu"
        )
        return [c.text for c in generator.generate("a small net", 4, seed=5)]

    plain = generate(noop)
    assert plain[0] == REJECTED
    peft_model, tokenizer = loaded(tiny)
    head = style_head.StyleHead.zeros(
        style_head.style_token_ids(tokenizer), peft_model.get_base_model().config.hidden_size
    )
    head.save(adapter)
    assert generate(adapter) == plain  # a head that shifts nothing decodes the same
    # The first token of "right" that is more than a space (the tiny tokenizer splits it).
    token = next(t for t in tokenizer.encode(" right") if tokenizer.decode([t]).strip())
    head.bias[head.token_ids.index(token)] = 30.0
    moved = tmp_path / "moved"  # another directory: generators are cached by their paths
    shutil.copytree(noop, moved)
    head.save(moved)
    shifted = generate(moved)
    assert all(text.split("\n")[0] == STRUCTURE for text in shifted)
    assert all(text.split("\n")[1].startswith("style:righ") for text in shifted)


def test_a_head_that_does_not_fit_the_base_model_is_refused(tiny, tmp_path):
    base, noop = tiny
    adapter = tmp_path / "adapter"
    shutil.copytree(noop, adapter)
    style_head.StyleHead.zeros([1, 2], 7).save(adapter)
    with pytest.raises(BaseModelError, match="does not fit"):
        llm.load_generator(base=base, adapter=adapter, device="cpu")
    (adapter / style_head.FILE).write_bytes(b"garbage")
    with pytest.raises(BaseModelError, match="corrupt"):
        llm.load_generator(base=base, adapter=adapter, device="cpu")
    assert json.loads((adapter / "adapter_config.json").read_text())
