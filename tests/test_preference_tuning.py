"""ORPO and DPO on a tiny random model: the chosen plan becomes more likely than the rejected."""

import json

import pytest

from ranking.learning import preference
from ranking.learning.pairs import PreferencePair
from tests.tinylm import build_tiny_model, save_noop_adapter

CHOSEN = "net 2 3 1\nstyle: right box arrow muted labels medium"
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
        # These pairs differ in style alone: with the style head on they would
        # train the head (tests/test_style_head.py), not the adapter tested here.
        style_head=False,
    )
    values.update(overrides)
    return preference.PreferenceConfig(**values)


@pytest.mark.parametrize(
    ("method", "autocast"), [("orpo", "off"), ("dpo", "off"), ("orpo", "bf16"), ("dpo", "bf16")]
)
def test_a_few_steps_make_the_chosen_plan_more_likely_than_the_rejected(
    tiny, tmp_path, method, autocast
):
    train_pairs = pairs_for(["a small net", "a tiny network", "two inputs three hidden one out"])
    held_out = pairs_for(["a net with two inputs"])
    config = config_for(tiny, tmp_path, method, autocast=autocast)
    summary = preference.train(config, train_pairs, held_out, log=lambda _: None)
    assert summary["bf16_autocast"] is (autocast == "bf16")
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


def test_orpo_takes_an_odds_ratio_weight_per_pair():
    import torch

    chosen, rejected = torch.tensor([-2.0, -3.0]), torch.tensor([-1.0, -4.0])
    lengths, weights = torch.tensor([2.0, 2.0]), torch.tensor([1.0, 1.0])
    both, _ = preference.orpo_loss(chosen, lengths, rejected, lengths, weights, 0.5)
    mixed, parts = preference.orpo_loss(
        chosen, lengths, rejected, lengths, weights, torch.tensor([0.0, 0.5])
    )
    nll_first = 1.0  # -(-2 / 2): the first pair counts its likelihood only
    whole_first, _ = preference.orpo_loss(
        chosen[:1], lengths[:1], rejected[:1], lengths[:1], weights[:1], 0.5
    )
    second, _ = preference.orpo_loss(
        chosen[1:], lengths[1:], rejected[1:], lengths[1:], weights[1:], 0.5
    )
    assert torch.isclose(mixed, (nll_first + second) / 2)
    assert torch.isclose(both, (whole_first + second) / 2) and mixed < both


def test_prompts_are_held_out_whole_and_corrected_prompts_never():
    found = pairs_for([f"prompt {i}" for i in range(10)] * 2)
    corrections = pairs_for([f"fixed {i}" for i in range(5)], source="correction")
    train, held = preference.split_held_out(found + corrections, 0.2)
    assert len(held) == 4 and len(train) == 21
    assert not {p.prompt for p in held} & {p.prompt for p in train}
    assert all(p in train for p in corrections)


def test_corrections_come_round_as_often_as_asked_and_never_twice_in_a_batch():
    repeats = [1, 1, 1, 1, 1, 1, 3, 1]
    epoch = sum(repeats) // 2
    batches = preference.schedule(8, 2, epoch, seed=5, repeats=repeats)
    flat = [i for batch in batches for i in batch]
    assert flat.count(6) == 3
    assert all(flat.count(i) == 1 for i in range(8) if i != 6)
    assert all(len(set(batch)) == len(batch) == 2 for batch in batches)
    assert batches == preference.schedule(8, 2, epoch, seed=5, repeats=repeats)
    assert preference.schedule(8, 2, 4, seed=5) == preference.schedule(8, 2, 4, 5, [1] * 8)


def test_corrections_keep_their_share_of_an_epoch_as_ratings_grow():
    def encoded(supervised):
        return preference.Encoded(([1, 2], 1), ([1, 3], 1), 1.0, supervised)

    config = preference.PreferenceConfig(correction_repeats=4, correction_share=0.3)
    few = [encoded(False)] * 40 + [encoded(True)] * 5
    assert preference.correction_repeats(few, config)[-1] == 4  # 20 of 60: share met
    many = [encoded(False)] * 91 + [encoded(True)] * 5
    repeats = preference.correction_repeats(many, config)
    assert repeats[:91] == [1] * 91 and repeats[-1] == 8  # 40 of 131 >= 0.3
    assert 5 * 7 / (91 + 5 * 7) < 0.3
    # Style pairs that train the style head do not compete for the adapter.
    style = [preference.Encoded(([1, 2], 1), ([1, 3], 1), 1.0, False, True)] * 91
    mixed = style + [encoded(True)] * 5
    assert preference.correction_repeats(mixed, config)[-1] == 4
    unheaded = preference.PreferenceConfig(correction_repeats=4, style_head=False)
    assert preference.correction_repeats(mixed, unheaded)[-1] == 8


def test_anchors_are_synthetic_examples_in_the_styles_users_chose():
    from ranking.generation import synth

    anchors = preference.anchor_examples(12, seed=3, chosen_plans=[CHOSEN, "not a plan"])
    originals = synth.generate_examples(12, 3)
    assert [a.prompt for a in anchors] == [e.prompt for e in originals]
    for anchor, original in zip(anchors, originals, strict=True):
        assert anchor.plan.splitlines()[-1] == CHOSEN.splitlines()[-1]
        assert anchor.plan.splitlines()[:-1] == original.plan.strip().splitlines()[:-1]


def test_a_share_of_anchors_are_reference_templates_of_the_training_split():
    from ranking.diagrams.data import load_reference_pairs
    from ranking.generation import synth

    split = {int(r["id"].lstrip("r")): r["prompt"] for r in load_reference_pairs()}
    training_prompts = {prompt for number, prompt in split.items() if number <= 449}
    never_trained = {prompt for number, prompt in split.items() if number >= 450}
    synthetic = {e.prompt for e in synth.generate_examples(20, 3)}

    anchors = preference.anchor_examples(20, seed=3, chosen_plans=[CHOSEN], reference_share=0.25)
    prompts = [a.prompt for a in anchors]
    assert sum(p in training_prompts for p in prompts) == 5
    assert sum(p in synthetic for p in prompts) == 15
    assert not set(prompts) & never_trained - training_prompts
    assert all(a.plan.splitlines()[-1] == CHOSEN.splitlines()[-1] for a in anchors)


def test_anchors_keep_the_model_writing_synthetic_plans(tiny, tmp_path):
    """With anchors riding along, synthetic plans the run never saw stay likelier."""
    import torch

    from ranking.generation import synth, training

    train_pairs = pairs_for(["a small net", "a tiny network", "two inputs three hidden one out"])
    unseen = [
        training.Pair(e.prompt, e.plan, "synthetic") for e in synth.generate_examples(24, 777)
    ]

    def unseen_nll(anchors_per_step):
        # The tiny tokenizer is almost byte-level: synthetic examples run long.
        config = config_for(tiny, tmp_path / str(anchors_per_step), "orpo", max_length=1024)
        config.anchors_per_step = anchors_per_step
        config.steps = 12
        summary = preference.train(config, train_pairs, log=lambda _: None)
        if anchors_per_step:
            assert all("anchor_nll" in row for row in _log_rows(config))
        model, tokenizer = preference.load_model(
            preference.PreferenceConfig(base_path=config.base_path, init_adapter=config.output)
        )
        encoded = [training.encode_pair(tokenizer, pair, 1024) for pair in unseen]
        encoded = [e for e in encoded if e is not None]
        assert len(encoded) >= 8 and summary["finished"]
        with torch.inference_mode():
            sums, counts = preference.sequence_logps(model, encoded, tokenizer.pad_token_id)
        return float((-sums / counts).mean())

    with_anchors, without = unseen_nll(2), unseen_nll(0)
    assert with_anchors < without - 0.05


def _log_rows(config):
    path = preference.Path(config.output) / preference.LOG_FILE
    return [json.loads(line)["extra"] for line in path.read_text().splitlines()]


def test_rejected_plans_scored_on_the_chosen_plans_cache_match_scoring_each_alone(tiny):
    """The shared-start shortcut gives the same log-probabilities and gradients."""
    import torch

    base, adapter = tiny
    model, tokenizer = preference.load_model(
        preference.PreferenceConfig(base_path=str(base), init_adapter=str(adapter))
    )
    plans = [
        (CHOSEN, REJECTED),  # differ in the style line only
        ("net 4 8 2\nstyle: auto mixed arrow muted labels medium", CHOSEN),  # from the start
        ("flow\nraw text > tokenizer > tokens\nstyle: down box arrow grey labels small", CHOSEN),
    ]
    prompts = ["a small net", "a network with four inputs", "tokenise raw text"]
    pairs = [
        PreferencePair(p, c, r, "rating", 1.0) for p, (c, r) in zip(prompts, plans, strict=True)
    ]
    encoded = preference.encode_pairs(tokenizer, pairs, 400)
    assert len(encoded) == 3
    pad = tokenizer.pad_token_id
    chosen, chosen_len, rejected, rejected_len = preference.pair_logps(model, encoded, pad)
    (chosen.sum() + 2 * rejected.sum()).backward()
    shared_grads = [p.grad.clone() for p in model.parameters() if p.requires_grad]
    model.zero_grad()

    alone, counts = preference.sequence_logps(
        model, [e.chosen for e in encoded] + [e.rejected for e in encoded], pad
    )
    (alone[:3].sum() + 2 * alone[3:].sum()).backward()
    alone_grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert torch.allclose(chosen, alone[:3], atol=1e-4)
    assert torch.allclose(rejected, alone[3:], atol=1e-4)
    assert torch.equal(rejected_len, counts[3:]) and torch.equal(chosen_len, counts[:3])
    assert all(
        torch.allclose(a, b, atol=1e-4) for a, b in zip(shared_grads, alone_grads, strict=True)
    )


def test_style_pairs_are_scored_from_their_style_line(tiny):
    """A rating pair that shares its structure trains its style line alone; others stay whole."""
    import torch

    base, adapter = tiny
    model, tokenizer = preference.load_model(
        preference.PreferenceConfig(base_path=str(base), init_adapter=str(adapter))
    )
    other = "flow\nraw text > tokenizer > tokens\nstyle: down box arrow grey labels small"
    pairs = [
        PreferencePair("a small net", CHOSEN, REJECTED, "rating", 1.0),  # style differs
        PreferencePair("a small net", CHOSEN, other, "rating", 1.0),  # structure differs
        PreferencePair("a small net", CHOSEN, REJECTED, "correction", 1.0),  # a user's plan
    ]
    whole = preference.encode_pairs(tokenizer, pairs, 400)
    styled = preference.encode_pairs(tokenizer, pairs, 400, style_only=True)
    assert [e.style_only for e in styled] == [True, False, False]
    ids, start = styled[0].chosen
    assert ids == whole[0].chosen[0] and start > whole[0].chosen[1]
    assert tokenizer.decode(ids[start:-1]) == CHOSEN.splitlines()[-1]
    assert styled[0].rejected[1] == start
    assert [e.chosen for e in styled[1:]] == [e.chosen for e in whole[1:]]

    # Its log-probability is the whole plan's less the structure tokens'.
    pad = tokenizer.pad_token_id
    with torch.no_grad():
        style_sum, style_len, _, _ = preference.pair_logps(model, styled[:1], pad)
        whole_sum, whole_len, _, _ = preference.pair_logps(model, whole[:1], pad)
        structure = preference.sequence_logps(model, [(ids[:start], whole[0].chosen[1])], pad)[0]
    assert torch.allclose(style_sum, whole_sum - structure, atol=1e-4)
    assert style_len.item() == whole_len.item() - (start - whole[0].chosen[1])


def test_a_pair_differing_in_structure_and_style_becomes_a_style_pair(tiny):
    """`mixed_as_style`: which of the two a rating judged is unknown, so it trains style only."""
    _, tokenizer = preference.load_model(
        preference.PreferenceConfig(base_path=str(tiny[0]), init_adapter=str(tiny[1]))
    )
    structure = "flow\nraw text > tokenizer > tokens"
    same_style = f"{structure}\n{CHOSEN.splitlines()[-1]}"
    mixed = f"{structure}\n{REJECTED.splitlines()[-1]}"
    pairs = [
        PreferencePair("a small net", CHOSEN, mixed, "rating", 1.0),  # both differ
        PreferencePair("a small net", CHOSEN, same_style, "readability", 0.3),  # structure only
        PreferencePair("a small net", CHOSEN, mixed, "correction", 1.0),  # a user's plan
    ]
    assert preference.as_style_pair(pairs[0]).rejected == REJECTED
    assert [preference.as_style_pair(p) for p in pairs[1:]] == pairs[1:]
    styled = preference.encode_pairs(tokenizer, pairs, 400, style_only=True, mixed_as_style=True)
    assert [e.style_only for e in styled] == [True, False, False]
    # The same ids as a rating of the two styles on one structure.
    style_pair = PreferencePair("a small net", CHOSEN, REJECTED, "rating", 1.0)
    same = preference.encode_pairs(tokenizer, [style_pair], 400, style_only=True)[0]
    assert (styled[0].chosen, styled[0].rejected) == (same.chosen, same.rejected)
    plain = preference.encode_pairs(tokenizer, pairs[:1], 400, style_only=True)
    assert not plain[0].style_only  # without it, the pair trains both structures


def test_a_frozen_context_gives_the_same_values_and_trains_only_through_the_style_line(tiny):
    """`frozen_context`: a style pair's scores are unchanged; its gradient skips the context."""
    import torch

    base, adapter = tiny
    model, tokenizer = preference.load_model(
        preference.PreferenceConfig(base_path=str(base), init_adapter=str(adapter))
    )
    pairs = [PreferencePair("a small net", CHOSEN, REJECTED, "rating", 1.0)]
    styled = preference.encode_pairs(tokenizer, pairs, 400, style_only=True)
    assert styled[0].style_only
    pad = tokenizer.pad_token_id
    grads, values = [], []
    for frozen in (False, True):
        model.zero_grad()
        chosen, _, rejected, _ = preference.pair_logps(model, styled, pad, frozen_context=frozen)
        (chosen.sum() - rejected.sum()).backward()
        grads.append([p.grad.clone() for p in model.parameters() if p.requires_grad])
        values.append(torch.cat([chosen.detach(), rejected.detach()]))
    assert torch.allclose(values[0], values[1], atol=1e-4)
    whole, frozen = grads
    # Both train the adapter; without the context's backward pass the gradient differs.
    assert any(g.abs().sum() > 0 for g in frozen)
    assert not all(torch.allclose(a, b, atol=1e-6) for a, b in zip(whole, frozen, strict=True))


def changed_layers(start_dir, tuned_dir) -> set[int]:
    from safetensors.torch import load_file

    start = load_file(str(start_dir / "adapter_model.safetensors"))
    tuned = load_file(str(tuned_dir / "adapter_model.safetensors"))
    return {
        int(name.split(".layers.")[1].split(".")[0])
        for name in start
        if not (start[name].float() == tuned[name].float()).all()
    }


@pytest.mark.parametrize("source", ["rating", "correction"])
def test_pairs_and_their_anchors_train_the_top_layers_and_corrections_all(tiny, tmp_path, source):
    from safetensors.torch import load_file

    _, adapter = tiny
    layers = {
        int(name.split(".layers.")[1].split(".")[0])
        for name in load_file(str(adapter / "adapter_model.safetensors"))
    }
    config = config_for(tiny, tmp_path, "orpo", pair_layers=1, anchors_per_step=1, steps=4)
    preference.train(config, pairs_for(["a small net", "a tiny net"], source), log=lambda _: None)
    changed = changed_layers(adapter, tmp_path / "out")
    assert changed == ({max(layers)} if source == "rating" else layers)


def test_accuracy_samples_are_spread_over_all_pairs():
    assert preference._spread(list(range(98)), 64)[:4] == [0, 1, 3, 4]
    assert len(preference._spread(list(range(98)), 64)) == 64
    assert preference._spread(list(range(98)), 64)[-1] == 96
    assert preference._spread([1, 2], 64) == [1, 2]
