"""Sequential networks described in prose (synth/layer_prose.py)."""

import random

from ranking.generation.layerplan import LayerSpec, needs_layer_plan
from ranking.generation.synth.layer_prose import pairs, prose, runs
from ranking.generation.synth.layers import _architecture

CONV32 = LayerSpec("conv2d", (32, 3, 3), "relu")
POOL = LayerSpec("maxpool", (2, 2))


def test_identical_consecutive_layers_are_one_run_with_a_count():
    specs = [CONV32, CONV32, POOL, LayerSpec("dense", (10,), "softmax")]
    assert runs(specs) == [(CONV32, 2), (POOL, 1), (specs[3], 1)]


def test_layers_that_differ_only_in_size_and_share_a_follower_read_as_each_followed_by():
    conv64 = LayerSpec("conv2d", (64, 3, 3), "relu")
    specs = [CONV32, POOL, conv64, POOL, LayerSpec("flatten")]
    assert pairs(specs, 0) == 2
    assert pairs([CONV32, POOL, LayerSpec("conv2d", (64, 5, 5), "relu"), POOL], 0) == 0
    text = next(t for seed in range(50) if "each" in (t := prose(random.Random(seed), specs)))
    assert "32 and 64 filters" in text


def test_prose_states_every_number_of_the_plan_and_names_layer_only_words():
    rng = random.Random(4)
    for _ in range(300):
        specs, _, _ = _architecture(rng)
        text = prose(rng, specs)
        for spec in specs:
            if spec.kind in ("add", "dropout"):
                continue  # "a skip connection", "30% dropout"
            # An image's channels are its colour ("RGB"); one output unit is "a sigmoid output".
            numbers = (
                spec.numbers[:2]
                if spec.kind == "input" and len(spec.numbers) == 3
                else spec.numbers
            )
            for number in (n for n in numbers if n != 1):
                written = str(int(number)) if float(number).is_integer() else str(number)
                short = f"{int(number) // 1000}k-"  # "a 20k-word vocabulary"
                assert written in text or (spec.kind == "embedding" and short in text), (text, spec)
        if any(s.kind in ("dropout", "batchnorm", "lstm", "gru", "embedding") for s in specs):
            assert needs_layer_plan(text), text
