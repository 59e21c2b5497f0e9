"""The `train_generator` command: LoRA training on a tiny model, checkpoints and resume."""

import json

import pytest
import torch
from django.core.management import call_command
from django.core.management.base import CommandError
from safetensors.torch import load_file

from tests.tinylm import build_tiny_model


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny-base"))


def _train(base, out, ckpt, *extra):
    return call_command(
        "train_generator",
        "--base",
        str(base),
        "--output",
        str(out),
        "--checkpoint-dir",
        str(ckpt),
        "--examples",
        "40",
        "--batch-size",
        "2",
        "--rank",
        "4",
        "--eval-every",
        "0",
        "--checkpoint-every",
        "1",
        "--reference",
        "",
        "--autocast",
        "off",
        "--verbosity",
        "0",
        *extra,
    )


def _log_steps(out):
    return [
        json.loads(line)["step"] for line in (out / "training_log.jsonl").read_text().splitlines()
    ]


def test_a_resumed_run_continues_the_step_count_and_matches_an_uninterrupted_run(
    tiny_base, tmp_path
):
    first = _train(tiny_base, tmp_path / "a", tmp_path / "ckpt-a", "--steps", "4", "--stop-at", "2")
    assert "Trained 2 steps (from 0)" in first
    assert _log_steps(tmp_path / "a") == [1, 2]

    resumed = _train(tiny_base, tmp_path / "a", tmp_path / "ckpt-a", "--steps", "4", "--resume")
    assert "Trained 4 steps (from 2)" in resumed
    assert _log_steps(tmp_path / "a") == [1, 2, 3, 4]

    _train(tiny_base, tmp_path / "b", tmp_path / "ckpt-b", "--steps", "4")
    interrupted = load_file(tmp_path / "a" / "adapter_model.safetensors")
    straight = load_file(tmp_path / "b" / "adapter_model.safetensors")
    assert interrupted.keys() == straight.keys()
    for key, tensor in straight.items():
        # Same batches, optimiser state and RNG: the same weights (to fp16 rounding).
        assert (interrupted[key].float() - tensor.float()).abs().max() < 1e-3, key


def test_it_writes_a_loss_log_summary_and_a_loadable_adapter(tiny_base, tmp_path):
    _train(tiny_base, tmp_path / "out", tmp_path / "ckpt", "--steps", "2")
    out = tmp_path / "out"
    assert {"adapter_config.json", "adapter_model.safetensors", "training_log.jsonl"} <= {
        p.name for p in out.iterdir()
    }
    record = json.loads((out / "training_log.jsonl").read_text().split("\n")[0])
    assert record["loss"] > 0 and record["tokens"] > 0
    summary = json.loads((out / "training_summary.json").read_text())
    assert summary["steps"] == 2
    assert (tmp_path / "ckpt" / "trainer_state.pt").exists()


def test_it_refuses_a_missing_base_model_with_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        _train(tmp_path / "no-such-model", tmp_path / "out", tmp_path / "ckpt", "--steps", "1")


def test_it_refuses_a_corrupt_base_model_with_a_clear_error(tiny_base, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    for item in tiny_base.iterdir():
        (broken / item.name).write_bytes(item.read_bytes())
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    with pytest.raises(CommandError, match="corrupt"):
        _train(broken, tmp_path / "out", tmp_path / "ckpt", "--steps", "1")


def test_a_run_can_start_from_a_trained_adapter_and_keeps_its_shape_and_end_token(
    tiny_base, tmp_path
):
    first = tmp_path / "first"
    _train(tiny_base, first, tmp_path / "ckpt-1", "--steps", "2")
    summary_path = first / "training_summary.json"
    summary = json.loads(summary_path.read_text())
    # As if the adapter had been trained where the tokenizer's EOS was another token.
    summary["eos_token"] = "<pad>"
    summary_path.write_text(json.dumps(summary))

    second = tmp_path / "second"
    # lr 0: the continued adapter must come out exactly as it went in.
    _train(
        tiny_base, second, tmp_path / "ckpt-2", "--steps", "1", "--lr", "0",
        "--rank", "8", "--init-adapter", str(first),
    )  # fmt: skip
    before = load_file(first / "adapter_model.safetensors")
    after = load_file(second / "adapter_model.safetensors")
    assert before.keys() == after.keys()
    for key, tensor in before.items():
        assert tensor.shape == after[key].shape, key  # rank 4 kept, not the --rank 8 given
        assert torch.equal(tensor, after[key]), key
    assert json.loads((second / "training_summary.json").read_text())["eos_token"] == "<pad>"
