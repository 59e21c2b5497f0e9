"""Sequential networks described in prose (synth/layer_prose.py)."""

import random

from ranking.generation.layerplan import LayerSpec, needs_layer_plan
from ranking.generation.synth.layer_prose import blocks, pairs, prose, runs
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
    texts = [prose(random.Random(seed), specs) for seed in range(80)]
    text = next(t for t in texts if "each followed by" in t or "after each one" in t)
    assert "32 and 64 filters" in text


def test_blocks_alike_but_for_their_filters_are_stated_once_with_every_size_in_order():
    def block(filters):
        conv = LayerSpec("conv2d", (filters, 3, 3))
        return [conv, conv, POOL]

    out = LayerSpec("dense", (1,), "sigmoid")
    specs = [*block(32), *block(64), *block(128), LayerSpec("flatten"), out]
    assert blocks(specs, 0) == (3, 3)
    # Two sizes inside one block, or a different kernel, is not a block.
    odd = [CONV32, LayerSpec("conv2d", (64, 3, 3), "relu"), POOL]
    assert blocks([*odd, *odd, out], 0) == (0, 0)
    assert blocks([*block(32), LayerSpec("conv2d", (64, 5, 5)), *block(64)[1:], out], 0) == (0, 0)
    # The output layer never joins a block.
    assert blocks([LayerSpec("dense", (8,)), LayerSpec("dense", (4,))], 0) == (0, 0)
    texts = [prose(random.Random(seed), specs) for seed in range(40)]
    stated = [t for t in texts if "blocks" in t or "stages" in t]
    assert len(stated) > 20
    for text in stated:
        if "doubl" in text:  # "the width doubles each time, starting at 32 filters"
            assert "starting at 32 filters" in text or "starting at 64 filters" in text, text
            continue
        assert text.index("32") < text.index("64") < text.index("128"), text


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
                # "a 20k-word vocabulary", "a vocabulary of 32,000"
                vocab = (f"{int(number) // 1000}k", f"{int(number):,}")
                doubled = "doubl" in text and spec.kind in ("conv2d", "conv1d", "dense")
                assert (
                    written in text
                    or (spec.kind == "embedding" and any(form in text for form in vocab))
                    or doubled
                ), (text, spec)
        if any(s.kind in ("dropout", "batchnorm", "lstm", "gru", "embedding") for s in specs):
            assert needs_layer_plan(text), text
