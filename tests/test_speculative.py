"""Prompt-lookup speculation in the greedy structure decode (llm.Generator, `speculate`).

Speculation may only save model calls: with it on and off, a tiny Llama
must decode the same structure (tokens, text, log-probabilities, runner-ups,
checker states, cache length, final logits), the same alternative structure
and the same candidates. Model outputs of a several-token call differ from
one-token calls by float rounding, so a decode may only part where the
model's two best tokens are tied to rounding.
"""

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ranking.generation import constrain, llm
from ranking.generation.prompting import format_prompt
from tests.test_constrain import biased_generator, prompts
from tests.test_pasted_code import CODE_PROMPTS
from tests.tinylm import build_tiny_model, teach

# Log-probabilities (and logits) of the same token from a one-token and a
# several-token call agree to float rounding.
ROUNDING = 1e-4

COPYING_PROMPT = (
    "emails -> TF-IDF vectorizer -> sparse vectors -> LinearSVC spam filter -> spam labels"
)
COPYING_PLAN = (
    "flow\nemails > TF-IDF vectorizer > sparse vectors\n"
    "sparse vectors > LinearSVC spam filter > spam labels\n"
    "style: right box dashed blue nolabels small"
)


class _Counting(torch.nn.Module):
    """A causal LM that counts its calls and the tokens fed to them."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.calls = 0
        self.tokens = 0

    def forward(self, input_ids, **kwargs):
        self.calls += 1
        self.tokens += input_ids.numel()
        return self.inner(input_ids=input_ids, **kwargs)


class _Noisy(torch.nn.Module):
    """A causal LM whose logits at each position get noise drawn from (seed, position, token).

    The noise depends only on what the position holds, so a one-token call
    and a several-token call see the same model; it makes random decodes
    varied (the plain tiny model settles into one loop).
    """

    def __init__(self, inner, seed: int, scale: float):
        super().__init__()
        self.inner = inner
        self.seed = seed
        self.scale = scale

    def forward(self, input_ids, past_key_values, **kwargs):
        start = past_key_values.get_seq_length()
        out = self.inner(input_ids=input_ids, past_key_values=past_key_values, **kwargs)
        vocab = out.logits.shape[-1]
        noise = torch.stack(
            [
                torch.randn(
                    vocab,
                    generator=torch.Generator().manual_seed(
                        hash((self.seed, start + i, int(token))) % 2**63
                    ),
                )
                for i, token in enumerate(input_ids[0].tolist())
            ]
        )
        out.logits = out.logits + self.scale * noise[-out.logits.shape[1] :]
        return out


def counted(generator: llm.Generator) -> llm.Generator:
    generator.model = _Counting(generator.model)
    return generator


def decode_structure(generator: llm.Generator, prompt: str):
    """Return the greedy constrained structure of `prompt` and the calls it took."""
    if generator._token_table is None:
        table = constrain.token_table(generator.tokenizer)
        generator._token_table = table.without(generator.stop_ids)
    with torch.inference_mode():
        ids = generator.encode_prompt(prompt)
        cache, logits = generator._prefill(ids)
        before = generator.model.calls
        structure = generator._constrained_structure(
            prompt, ids, cache, logits, 1, None, lambda event: None, 0.0
        )
        return structure, generator.model.calls - before


def parted_at_a_tie(a, b) -> bool:
    """Return whether two decodes part only where their chosen tokens were tied to rounding.

    Asserts they agree up to the first differing token.
    """
    for i, (x, y) in enumerate(zip(a.tokens, b.tokens, strict=False)):
        if x != y:
            assert a.states[: i + 1] == b.states[: i + 1]
            assert a.logprobs[i] == pytest.approx(b.logprobs[i], abs=ROUNDING)
            return True
    return False


def assert_same_structure(a, b) -> None:
    assert a.tokens == b.tokens
    assert a.text == b.text
    assert a.states == b.states
    assert a.reached_style == b.reached_style
    assert a.reason == b.reason
    assert a.logprobs == pytest.approx(b.logprobs, abs=ROUNDING)
    assert len(a.runner_ups) == len(b.runner_ups)
    for x, y in zip(a.runner_ups, b.runner_ups, strict=True):
        assert (x is None) == (y is None)
        if x is not None:
            assert (x[0], x[2]) == (y[0], y[2])
            assert x[1] == pytest.approx(y[1], abs=ROUNDING)
    assert a.cache.get_seq_length() == b.cache.get_seq_length()
    assert torch.allclose(a.logits, b.logits, atol=ROUNDING)


# ---------------------------------------------------------------- the draft


def test_a_draft_copies_what_followed_the_latest_occurrence_of_the_tail():
    history = [5, 6, 7, 8, 9, 1, 5, 6, 7, 2, 3, 9, 5, 6]
    # "5 6" last occurred before the "7 2 3" at 6..8.
    assert llm.lookup_draft(history, 3) == [7, 2, 3]
    assert llm.lookup_draft(history, 10) == [7, 2, 3, 9, 5, 6]


def test_the_longest_tail_that_occurred_before_wins():
    # "1 2 3" occurred once (then 4); "2 3" alone occurred later (then 9).
    history = [1, 2, 3, 4, 0, 2, 3, 9, 1, 2, 3]
    assert llm.lookup_draft(history, 2) == [4, 0]
    assert llm.lookup_draft(history, 2, ngram=2) == [9, 1]


def test_a_short_tail_is_copied_from_the_prompt_only():
    prompt, structure = [4, 1, 2], [1, 5, 1]
    # "1" occurred in the prompt (then 2) and in the structure (then 5).
    assert llm.lookup_draft(prompt + structure, 2, prompt_length=3) == [2, 1]
    assert llm.lookup_draft(prompt + structure, 2, prompt_length=3, repeat_ngram=1) == [5, 1]
    # A long enough repeat is copied from the structure too.
    assert llm.lookup_draft([9, 1, 2, 3, 7, 1, 2, 3], 1, prompt_length=1) == [7]


def test_a_flow_item_is_copied_on_from_the_prompt_with_its_separator():
    prompt = "PDF manuals → PyMuPDF parser → text chunks. Then stored."
    assert llm.flow_continuation(prompt, "flow\nPDF") == " manuals > "
    assert llm.flow_continuation(prompt, "flow\nPDF manuals > PyMu") == "PDF parser > "
    # The third part ends the line; sentence punctuation is not part of a name.
    assert llm.flow_continuation(prompt, "flow\nx > y > text") == " chunks\n"
    # A new line starts from the previous line's output.
    assert llm.flow_continuation(prompt, "flow\na > b > text chunks\n") == "text chunks > "
    # Nothing to copy: mid-word, not in the prompt, a network, after a separator.
    for text in ("flow\nanual", "flow\nzebra", "net 3", "flow\nPDF manuals > ", "flow\n"):
        assert llm.flow_continuation(prompt, text) == ""


def test_no_draft_for_a_new_token():
    assert llm.lookup_draft([1, 2, 3, 4], 5) == []
    assert llm.lookup_draft([7], 5) == []
    assert llm.lookup_draft([], 5) == []


# ---------------------------------------------------------------- identical output


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("speculate-base"), seed=11)


@pytest.fixture(scope="module")
def pair(tiny_base):
    """The same random model leaning towards ending lines, speculating and not."""
    on = biased_generator(tiny_base, 6.0, speculate=8)
    off = biased_generator(tiny_base, 6.0, speculate=0)
    return on, off, on.model, off.model


def noisy_pair(pair, seed: int, scale: float):
    """Return the pair's generators with the same noisy, counted model."""
    on, off, on_model, off_model = pair
    on.model = _Counting(_Noisy(on_model, seed, scale))
    off.model = _Counting(_Noisy(off_model, seed, scale))
    return on, off


models = {"seed": st.integers(0, 10_000), "scale": st.sampled_from([0.0, 0.5, 1.0, 2.0, 4.0])}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Pasted code too: its layer lines are drafted from the listing (pasted_code.draft_lines).
@given(prompt=st.one_of(prompts, st.sampled_from(CODE_PROMPTS)), **models)
def test_speculation_decodes_the_same_structure_and_alternative(pair, prompt, seed, scale):
    on, off = noisy_pair(pair, seed, scale)
    spec, spec_calls = decode_structure(on, prompt)
    plain, plain_calls = decode_structure(off, prompt)
    if parted_at_a_tie(spec, plain):
        return
    assert_same_structure(spec, plain)
    # One call per token without speculation, never more with it.
    assert plain_calls == len(plain.tokens)
    assert spec_calls <= plain_calls
    if not spec.reached_style:
        return
    with torch.inference_mode():
        spec_alt = on._alternative_structure(spec, 5, lambda event: None)
        plain_alt = off._alternative_structure(plain, 5, lambda event: None)
    assert (spec_alt is None) == (plain_alt is None)
    if spec_alt is not None and not parted_at_a_tie(spec_alt, plain_alt):
        assert_same_structure(spec_alt, plain_alt)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prompt=prompts, sample_seed=st.integers(0, 2**16), **models)
def test_speculation_gives_the_same_candidates(pair, prompt, sample_seed, seed, scale):
    on, off = noisy_pair(pair, seed, scale)
    spec = on.generate(prompt, 5, seed=sample_seed)
    plain = off.generate(prompt, 5, seed=sample_seed)
    if [c.text for c in spec] != [c.text for c in plain]:
        # Only a tie to rounding in the structure may part them.
        assert parted_at_a_tie(decode_structure(on, prompt)[0], decode_structure(off, prompt)[0])
        return
    for a, b in zip(spec, plain, strict=True):
        assert (a.tokens, a.finished, a.structure_rank, a.reason, a.temperature) == (
            b.tokens,
            b.finished,
            b.structure_rank,
            b.reason,
            b.temperature,
        )
        assert a.structure_logprob == pytest.approx(b.structure_logprob, abs=ROUNDING * 100)


# ---------------------------------------------------------------- fewer calls


@pytest.fixture(scope="module")
def copying_base(tmp_path_factory):
    """A tiny model taught a plan that copies long spans of its prompt."""
    base = build_tiny_model(tmp_path_factory.mktemp("copying-base"), seed=5)
    teach(base, format_prompt(COPYING_PROMPT), COPYING_PLAN, steps=200)
    return base


def test_a_plan_copying_long_spans_takes_fewer_model_calls(copying_base):
    def generator(speculate: int) -> llm.Generator:
        config = llm.GeneratorConfig.build(
            base=copying_base, generation_settings={"speculate": speculate}, device="cpu"
        )
        return counted(llm.Generator(config))

    on, off = generator(8), generator(0)
    spec, spec_calls = decode_structure(on, COPYING_PROMPT)
    plain, plain_calls = decode_structure(off, COPYING_PROMPT)
    assert plain.text == COPYING_PLAN[: COPYING_PLAN.index("style:") + len("style:")]
    assert_same_structure(spec, plain)
    assert plain_calls == len(plain.tokens)
    # The names are copied: most tokens come from drafts, checked several a call.
    assert spec_calls < plain_calls / 2
    # The whole candidates are the same too.
    spec_out = on.generate(COPYING_PROMPT, 3, seed=1)
    plain_out = off.generate(COPYING_PROMPT, 3, seed=1)
    assert [c.text for c in spec_out] == [c.text for c in plain_out]
    assert spec_out[0].text == COPYING_PLAN


def test_speculation_is_a_generator_setting():
    assert llm.DEFAULT_SETTINGS["speculate"] > 0
    config = llm.GeneratorConfig.build(generation_settings={"speculate": 0})
    assert config.options["speculate"] == 0
