"""ORPO and DPO on a tiny random model: the chosen plan becomes more likely than the rejected."""

import json

import pytest

from ranking.learning import preference
from ranking.learning.pairs import PreferencePair
from tests.tinylm import build_tiny_model, save_noop_adapter

CHOSEN = "net 2 3 1\nstyle: right box solid muted labels medium"
REJECTED = "net 2 3 1\nstyle: down circle dashed blue nolabels small"


def pairs_for(prompts, source="rating"):
    return [PreferencePair(p, CHOSEN, REJECTED, source, 1.0) for p in prompts]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tinylm")
    base = build_tiny_model(root / "base")
    return base, save_noop_adapter(base, root / "adapter")


def config_for(tiny, tmp_path, method, **overrides):
    base, adapter = tiny
    values = dict(
        method=method,
        base_path=str(base),
        init_adapter=str(adapter),
        output=str(tmp_path / "out"),
        checkpoint_dir=str(tmp_path / "ckpt"),
        steps=8,
        batch_pairs=2,
        lr=1e-2,
        warmup_steps=1,
        checkpoint_every=4,
        max_length=200,
    )
    values.update(overrides)
    return preference.PreferenceConfig(**values)


@pytest.mark.parametrize("method", ["orpo", "dpo"])
def test_a_few_steps_make_the_chosen_plan_more_likely_than_the_rejected(tiny, tmp_path, method):
    train_pairs = pairs_for(["a small net", "a tiny network", "two inputs three hidden one out"])
    held_out = pairs_for(["a net with two inputs"])
    summary = preference.train(
        config_for(tiny, tmp_path, method), train_pairs, held_out, log=lambda _: None
    )
    before = summary["train_preference_accuracy"]["before"]["mean_margin"]
    after = summary["train_preference_accuracy"]["after"]["mean_margin"]
    assert after > before + 1.0
    assert summary["train_preference_accuracy"]["after"]["accuracy"] == 1.0
    assert (
        summary["preference_accuracy"]["after"]["mean_margin"]
        > (summary["preference_accuracy"]["before"]["mean_margin"])
    )
    assert [step for step, _ in summary["loss_curve"]] == list(range(1, 9))
    out = tmp_path / "out"
    assert (out / "adapter_model.safetensors").is_file()
    assert json.loads((out / "training_summary.json").read_text())["eos_token"] == "</s>"


def test_an_interrupted_run_resumes_at_its_checkpoint_and_ends_where_a_whole_run_does(
    tiny, tmp_path
):
    import torch
    from safetensors.torch import load_file

    train_pairs = pairs_for(["a small net", "a tiny network"])
    whole = config_for(tiny, tmp_path / "whole", "orpo")
    preference.train(whole, train_pairs, log=lambda _: None)
    part = config_for(tiny, tmp_path / "part", "orpo", stop_at=4)
    first = preference.train(part, train_pairs, log=lambda _: None)
    assert first["steps"] == 4 and not first["finished"]
    part.stop_at = None
    second = preference.train(part, train_pairs, resume=True, log=lambda _: None)
    assert second["resumed_from"] == 4 and second["finished"]
    assert len(second["loss_curve"]) == 8
    a = load_file(tmp_path / "whole" / "out" / "adapter_model.safetensors")
    b = load_file(tmp_path / "part" / "out" / "adapter_model.safetensors")
    assert all(torch.allclose(a[k], b[k], atol=1e-5) for k in a)


def test_orpo_loss_prefers_a_likelier_chosen_plan():
    import torch

    weights = torch.ones(1)
    length = torch.tensor([4.0])
    good, _ = preference.orpo_loss(
        torch.tensor([-2.0]), length, torch.tensor([-8.0]), length, weights, 1.0
    )
    bad, _ = preference.orpo_loss(
        torch.tensor([-8.0]), length, torch.tensor([-2.0]), length, weights, 1.0
    )
    assert good < bad


def test_prompts_are_held_out_whole_and_corrected_prompts_never():
    found = pairs_for([f"prompt {i}" for i in range(10)] * 2)
    corrections = pairs_for([f"fixed {i}" for i in range(5)], source="correction")
    train, held = preference.split_held_out(found + corrections, 0.2)
    assert len(held) == 4 and len(train) == 21
    assert not {p.prompt for p in held} & {p.prompt for p in train}
    assert all(p in train for p in corrections)
