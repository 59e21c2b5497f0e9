"""Constrained structure decoding and alternative structures (constrain.py, llm, pipeline).

The checker is tested on its own (spans, partial lines), then as a decoder
driven by random logits (the junk a random model writes is exactly what it
must repair), then inside the Generator with a tiny random Llama, and
finally the two-readings path with a scripted model whose second reading is
close or far.
"""

import re

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ranking.generation import constrain, llm
from ranking.generation.constrain import SpanSet, StructureChecker, prompt_spans
from ranking.generation.pipeline import generate_candidates
from ranking.generation.plan import FLOW, PlanError, parse_plan
from ranking.generation.prompting import normalise_prompt
from tests.decoding import feed
from tests.plan_strategies import plans
from tests.tinylm import build_tiny_model

SPAM = "emails -> TF-IDF vectorizer -> sparse vectors -> LinearSVC spam filter -> spam labels"
WORDS = [
    "emails", "TF-IDF", "LinearSVC", "spam", "labels", "data", "model", "C++", "x2", "3",
    "28", "(output", "is", "the", "a", "Parquet", "table", "S3", "k-means", "BERT's",
    "vectorizer", "logs", "Kafka", "net", "flow", "style",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", ", ", "; ", " -> ", " → ", "\n", ". ", ": ", " > ", " => ", "? "]

prompts = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.sampled_from(SEPARATORS),
        st.text(alphabet="abcXYZ019.,;:-_()'#é→> ", max_size=6),
    ),
    min_size=1,
    max_size=30,
).map("".join)


def checker_for(prompt: str) -> StructureChecker:
    return StructureChecker(SpanSet(prompt_spans(prompt)))


def written_by_user(item: str, prompt: str) -> bool:
    """Return whether `item` (without a " #N" number) is whole-word text of the prompt.

    Independent of prompt_spans: a plain substring search, the first letter
    in either case.
    """
    name = re.sub(r" #\d{1,2}$", "", item)
    text = normalise_prompt(prompt)
    for variant in {name, name[0].swapcase() + name[1:]}:
        pattern = r"(?<![A-Za-z0-9])" + re.escape(variant) + r"(?![A-Za-z0-9])"
        if re.search(pattern, text):
            return True
    return False


def structure_plan(text: str):
    """Return the Plan of a decoded structure that reached `style:` (default style)."""
    return parse_plan(text[: text.index("style:")] + "\nstyle:")


# ---------------------------------------------------------------- spans


def test_spans_are_word_runs_of_the_prompt_and_never_cross_punctuation():
    spans = set(prompt_spans(SPAM + ". Then, the (output of 28 x 28) goes to C++ code."))
    assert {"emails", "TF-IDF vectorizer", "LinearSVC spam filter", "spam labels"} <= spans
    assert "C++ code" in spans  # trailing "." stripped, "+" kept
    assert "output of 28 x 28" in spans  # the parentheses are not part of the name
    assert "Emails" in spans and "linearSVC" in spans  # first letter in either case
    assert "emails TF-IDF" not in spans  # "->" separates words
    assert "spam labels Then" not in spans  # a sentence end separates spans
    assert "TF" not in spans  # a span is whole words
    assert "Then the" not in spans  # a comma separates words


def test_names_written_as_channels_urls_tags_and_folders_are_spans_as_written():
    spans = set(
        prompt_spans(
            "tar unpacks the archive into clips/. ranker:v12 is pushed to s3://model-artifacts, "
            "and the verdict is posted to #dq-alerts."
        )
    )
    assert {"clips/", "clips", "ranker:v12", "s3://model-artifacts", "#dq-alerts"} <= spans
    assert "dq-alerts" in spans and "alerts" not in spans  # the channel, with or without "#"
    plan = parse_plan(
        "flow\nclips/ > ranker:v12 > s3://model-artifacts\n"
        "s3://model-artifacts > - > #dq-alerts\nstyle: auto mixed arrow muted labels medium"
    )
    assert plan.structure_text().splitlines()[1:] == [
        "clips/ > ranker:v12 > s3://model-artifacts",
        "s3://model-artifacts > - > #dq-alerts",
    ]


def test_spans_are_at_most_eight_words_and_forty_characters():
    spans = prompt_spans("one two three four five six seven eight nine ten")
    assert "one two three four five six seven eight" in spans
    assert "one two three four five six seven eight nine" not in spans
    assert all(len(span) <= 40 for span in prompt_spans("a" * 30 + " " + "b" * 30))


def test_a_repeated_name_may_carry_a_number():
    spans = SpanSet(["CNN model"])
    assert "CNN model #2" in spans and "CNN model #12" in spans
    assert "CNN model #1" not in spans and "CNN model #0" not in spans
    assert spans.has_prefix("CNN model #") and spans.has_prefix("CNN model #1")
    assert not spans.has_prefix("CNN model #a") and not spans.has_prefix("CNN model  ")


# ---------------------------------------------------------------- the checker


@pytest.mark.parametrize(
    "text",
    [
        "",
        "f",
        "flow",
        "flow\n",
        "flow\nemails > TF-IDF",
        "flow\nemails > TF-IDF vectorizer > sparse",
        "flow\nemails > TF-IDF vectorizer > sparse vectors\n",
        "flow\nemails, spam labels > -",
        "flow\nEmails > - > spam labels #2\nsty",
        "flow\n- > LinearSVC spam filter > -\nstyle:",
        "net 6 3",
        "net 6 3 4 2 neur",
        "cnn 32 conv",
        "cnn 32 conv=2",
        "cnn 32 conv3 maxpool2 dense 64 10 layers\n",
        "cnn 28 avgpool",
    ],
)
def test_it_accepts_prefixes_of_valid_plans(text):
    assert feed(checker_for(SPAM), text) is not None


@pytest.mark.parametrize(
    "text",
    [
        " flow",  # no leading space
        "flows",
        "flow x",
        "flow\n\n",  # no blank line
        "flow\nstyle:",  # a flowchart needs a step first
        "flow\nmails",  # not a word of the prompt
        "flow\nemail > ",  # a prefix of a word is not a name
        "flow\nemails TF-IDF",  # "->" lies between them in the prompt
        "flow\nemails  > ",  # double space
        "flow\nemails > LinearSVC, TF-IDF",  # one processor per line
        "flow\n- > - ",  # no processor and no inputs
        "flow\nemails > - > -",  # no processor and no outputs
        "flow\nemails > TF-IDF vectorizer > spam labels >",  # three parts only
        "flow\nemails > TF-IDF vectorizer\n",  # an unfinished line cannot end
        "flow\nEMAILS",  # only the first letter's case may change
        "net 6\n",  # a net needs two layers
        "net 06",
        "net 6 3 conv3",
        "net 6 3 neurons 4",  # the flag ends the line
        "net 100001",
        "cnn conv3",  # the image side comes first
        "cnn 32 dense\n",  # no layer after the input
        "cnn 32 64 conv3",  # no conv after the dense layers
        "cnn 32 conv0",
        "cnn 32 pool123",
        "net 6 3\nnet",  # a network plan is one line
        "net 6 3\nstyle:\nflow",  # nothing after style:
    ],
)
def test_it_refuses_what_no_valid_plan_starts_with(text):
    assert feed(checker_for(SPAM), text) is None


def test_flow_is_refused_when_the_prompt_has_no_words():
    checker = checker_for("-> ; ,")
    assert feed(checker, "flow") is None
    assert feed(checker, "net 2 1\nstyle:").done


def test_limits_of_the_plan_language_hold():
    checker = checker_for(SPAM)
    forty = "net " + " ".join(["5"] * 40)
    assert feed(checker, forty) is not None
    assert feed(checker, forty + " 5") is None
    assert feed(checker, forty + " layers\nstyle:").done
    line = "emails > LinearSVC > spam labels\n"
    assert feed(checker, "flow\n" + line * 30 + "style:").done
    assert feed(checker, "flow\n" + line * 30 + "e") is None


@settings(max_examples=150, deadline=None)
@given(plans())
def test_it_accepts_every_canonical_plan_whose_names_are_in_the_prompt(plan):
    # The prompt lists every name the plan uses, so each is a span of it.
    names = [item for step in plan.steps for item in (*step.inputs, step.proc, *step.outputs)]
    prompt = ", ".join(name for name in names if name)
    state = feed(checker_for(prompt), plan.structure_text() + "\nstyle:")
    assert state is not None and state.done


# ---------------------------------------------------------------- as a decoder


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("constrain-base"), seed=11)


@pytest.fixture(scope="module")
def tokenizer(tiny_base):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_base)


def style_bias(table: constrain.TokenTable, strength: float) -> torch.Tensor:
    """Return a logit bias towards newlines and the pieces of `style:`, so decodes end."""
    bias = torch.zeros(len(table.strings))
    for token_id, text in enumerate(table.strings):
        if text and ("\n" in text or text in "style:"):
            bias[token_id] = strength
    return bias


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prompt=prompts, family=st.sampled_from(["flow\n", "net ", "cnn ", ""]), seed=st.integers())
def test_random_logits_decode_to_valid_plans_named_by_the_prompt(tokenizer, prompt, family, seed):
    checker = checker_for(prompt)
    table = constrain.token_table(tokenizer)
    state = feed(checker, family)
    assume(state is not None)  # "flow" needs a prompt with words
    rng = torch.Generator().manual_seed(seed % 2**32)
    bias = style_bias(table, 4.0)
    text = family
    for step in range(250):
        logits = torch.randn(len(table.strings), generator=rng) * 3 + bias
        temperature = 0.8 if step % 3 == 0 else 0.0
        choice = constrain.choose_token(
            logits, state, checker, table, temperature=temperature, top_p=0.95, rng=rng
        )
        assert choice is not None, f"dead end after {text!r}"
        assert choice.logprob <= 0
        assert feed(checker, choice.text, state) == choice.state
        state = choice.state
        text += choice.text
        if state.done:
            break
    if state.done:
        plan = structure_plan(text)
        written = text[: text.index("style:")]
        if written.startswith("cnn "):
            # "cnn 28 conv3 dense 64 10": a `dense` word is accepted and dropped (plan-language).
            written = written.replace(" dense ", " ", 1)
        assert plan.structure_text() + "\n" == written
    assert_names_written_by_user(text, prompt)


def test_token_texts_add_up_to_the_decoded_text(tokenizer):
    assert constrain.token_table(tokenizer).exact


def test_choose_token_says_none_when_nothing_is_allowed(tokenizer):
    table = constrain.token_table(tokenizer)
    state = feed(checker_for(SPAM), "net 6 3 neurons")
    only_digits = constrain.TokenTable.__new__(constrain.TokenTable)
    only_digits.strings = [text if text and text.isdigit() else None for text in table.strings]
    logits = torch.zeros(len(table.strings))
    assert constrain.choose_token(logits, state, checker_for(SPAM), only_digits) is None


def test_the_runner_up_is_the_next_allowed_token_that_is_not_a_whitespace_variant(tokenizer):
    table = constrain.token_table(tokenizer)
    ids = {text: i for i, text in enumerate(table.strings) if text}
    logits = torch.full((len(table.strings),), -20.0)
    for text, value in (("2", 5.0), (" ", 4.0), ("3", 3.0)):
        logits[ids[text]] = value
    state = feed(checker_for(SPAM), "net 6 ")
    choice = constrain.choose_token(logits, state, checker_for(SPAM), table, runner_up=True)
    assert choice.text == "2"
    assert choice.runner_up[0] == ids["3"]  # " " is refused after "net 6 " (double space)
    assert choice.logprob - choice.runner_up[1] == pytest.approx(2.0, abs=1e-4)


# ---------------------------------------------------------------- in the Generator


def biased_generator(base, bias_strength: float, **settings) -> llm.Generator:
    """Return a fresh CPU plan Generator whose random model leans towards ending lines."""
    config = llm.GeneratorConfig.build(
        base=base, generation_settings={"max_new_tokens": 160, **settings}, device="cpu"
    )
    generator = llm.Generator(config)
    table = constrain.token_table(generator.tokenizer)
    generator.model = _Biased(generator.model, style_bias(table, bias_strength))
    return generator


class _Biased(torch.nn.Module):
    """A causal LM whose logits get a fixed bias."""

    def __init__(self, inner, bias):
        super().__init__()
        self.inner = inner
        self.bias = bias

    def forward(self, **kwargs):
        out = self.inner(**kwargs)
        out.logits = out.logits + self.bias
        return out


@pytest.fixture(scope="module")
def biased(tiny_base):
    return biased_generator(tiny_base, 6.0)


@settings(
    max_examples=16, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prompt=prompts, seed=st.integers(0, 2**16), temperature=st.sampled_from([0.0, 1.0]))
def test_a_random_model_under_the_constraint_writes_only_valid_structures(
    biased, prompt, seed, temperature
):
    completions = biased.generate(prompt, 2, seed=seed, structure_temperature=temperature)
    for completion in completions:
        text = completion.text
        if "style:" in text:
            structure_plan(text)
        else:
            # Out of tokens: still a valid prefix, and it says why.
            assert completion.reason
            assert feed(checker_for(prompt), text) is not None
        assert_names_written_by_user(text, prompt)


def assert_names_written_by_user(text: str, prompt: str) -> None:
    """Assert every item of the finished flow lines of `text` is text of the prompt."""
    lines = text.split("\n")
    if lines[0] != FLOW:
        return
    for line in lines[1:-1]:
        for part in line.split(" > "):
            for item in part.split(", "):
                assert item == "-" or written_by_user(item, prompt), (item, prompt)


def test_without_the_constraint_the_random_model_writes_junk(tiny_base):
    generator = biased_generator(tiny_base, 6.0, constrained=False)
    texts = [c.text for seed in range(3) for c in generator.generate(SPAM, 1, seed=seed)]
    invalid = 0
    for text in texts:
        try:
            parse_plan(text)
        except PlanError:
            invalid += 1
    assert invalid == len(texts)


def test_a_dead_end_ends_the_structure_with_a_reason(tiny_base):
    generator = biased_generator(tiny_base, 0.0)
    table = constrain.token_table(generator.tokenizer)
    # Only the pieces of "flow" exist: after "flow" nothing (not even "\n") can follow.
    pieces = set(generator.tokenizer.tokenize("flow"))
    narrow = constrain.TokenTable.__new__(constrain.TokenTable)
    narrow.strings = [
        text if generator.tokenizer.convert_ids_to_tokens(i) in pieces else None
        for i, text in enumerate(table.strings)
    ]
    narrow.exact = True
    generator._token_table = narrow
    completion = generator.generate(SPAM, 1, seed=0)[0]
    assert completion.text == "flow"
    assert not completion.finished
    assert "no token continues a valid plan" in completion.reason


# ---------------------------------------------------------------- two readings


class _Scripted(torch.nn.Module):
    """A causal LM that writes `best`, with `alternative` `gap` nats behind where they part.

    It runs the tiny model for a real KV cache and replaces the logits: the
    token that continues the structure gets 10, where the two structures
    part the alternative's token gets 10 - gap, everything else 0. Once
    `style:` is written (several rows) it ends the line at once. The text so
    far is kept on the cache object, cut back to the cache's length on every
    call, so copies and crops of the cache stay right.
    """

    def __init__(self, inner, tokenizer, best: str, alternative: str, gap: float):
        super().__init__()
        self.inner = inner
        self.tokenizer = tokenizer
        self.targets = (best, alternative)
        self.gap = gap
        self.vocab = {tokenizer.decode([i]): i for i in range(len(tokenizer))}

    def _next_token(self, target: str, written: str) -> int | None:
        if not target.startswith(written) or written == target:
            return None
        rest = target[len(written) :]
        piece = max((p for p in self.vocab if p and rest.startswith(p)), key=len)
        return self.vocab[piece]

    def forward(self, input_ids, past_key_values, **kwargs):
        seen = past_key_values.get_seq_length()
        history = getattr(past_key_values, "history", [])[:seen] + input_ids[0].tolist()
        out = self.inner(input_ids=input_ids, past_key_values=past_key_values, **kwargs)
        out.past_key_values.history = history
        # Logits after every fed token (a speculative call feeds several), the last after a prefill.
        positions = input_ids.shape[1] if seen else 1
        logits = torch.zeros(input_ids.shape[0], positions, len(self.tokenizer))
        for j in range(positions):
            before = history[: len(history) - positions + j + 1]
            if (
                input_ids.shape[0] > 1
                or "style:" in self.tokenizer.decode(before).split("Plan:")[-1]
            ):
                logits[:, j, self.tokenizer.eos_token_id] = 10.0
                continue
            written = self.tokenizer.decode(before).split("Plan:\n", 1)[1]
            best, other = (self._next_token(t, written) for t in self.targets)
            if other is not None and other != best:
                logits[0, j, other] = 10.0 - self.gap
            if best is not None:
                logits[0, j, best] = 10.0
        out.logits = logits
        return out


def scripted_generator(
    base, gap: float, alternative: str = "net 2 4 1", **settings
) -> llm.Generator:
    generator = llm.Generator(
        llm.GeneratorConfig.build(base=base, generation_settings=settings, device="cpu")
    )
    generator.model = _Scripted(
        generator.model,
        generator.tokenizer,
        "net 2 3 1\nstyle:",
        alternative + "\nstyle:",
        gap,
    )
    return generator


def test_two_close_readings_become_candidates_best_first(tiny_base):
    generator = scripted_generator(tiny_base, gap=0.5)
    events = []
    completions = generator.generate(
        "a net: 2 inputs, 3 or 4 hidden, 1 output", 5, seed=0, on_progress=events.append
    )
    assert [c.structure_rank for c in completions] == [0, 1, 0, 1, 0]
    # The best reading's rows are reported done before the alternative is decoded.
    done = [i for i, e in enumerate(events) if "completion" in e]
    assert [events[i]["completion"].structure_rank for i in done] == [0, 0, 0, 1, 1]
    assert any("tokens" in e for e in events[done[2] : done[3]])
    # Progress still speaks of `count` rows, each finished once.
    assert all(len(e["tokens"]) == 5 for e in events if "tokens" in e)
    finished = sorted(e["candidate_finished"] for e in events if "candidate_finished" in e)
    assert finished == [0, 1, 2, 3, 4]
    best, alternative = completions[0], completions[1]
    assert best.text.startswith("net 2 3 1\nstyle:")
    assert alternative.text.startswith("net 2 4 1\nstyle:")
    # 0.5 at the branch, plus ~0.02 a token for the 400 tokens at logit 0.
    assert best.structure_logprob - alternative.structure_logprob == pytest.approx(0.5, abs=0.1)

    result = generate_candidates(
        "a net: 2 inputs, 3 or 4 hidden, 1 output", 5, generator=generator, seed=0
    )
    # Drawn as they come: the best reading's three first, then the alternative's two.
    assert [c.structure_rank for c in result.candidates] == [0, 0, 0, 1, 1]
    structures = [parse_plan(c.plan).structure_text() for c in result.candidates]
    assert structures == ["net 2 3 1"] * 3 + ["net 2 4 1"] * 2
    assert len({c.node_list for c in result.candidates}) == 5


def test_a_clear_winner_gives_one_structure(tiny_base):
    generator = scripted_generator(tiny_base, gap=5.0)
    result = generate_candidates("a net: 2 inputs, 3 or 4 hidden", 5, generator=generator, seed=0)
    assert {c.structure_rank for c in result.candidates} == {0}
    assert {parse_plan(c.plan).structure_text() for c in result.candidates} == {"net 2 3 1"}
    assert len({c.node_list for c in result.candidates}) == 5


def test_one_structure_when_the_setting_asks_for_one(tiny_base):
    generator = scripted_generator(tiny_base, gap=0.5, structures=1)
    completions = generator.generate("a net", 5, seed=0)
    assert {c.structure_rank for c in completions} == {0}
    assert all(c.text.startswith("net 2 3 1\n") for c in completions)


def test_an_alternative_that_cannot_be_drawn_is_dropped_with_its_reason(tiny_base):
    # 2 + 300 + 300 circles: more shapes than the layout engine draws.
    generator = scripted_generator(tiny_base, gap=0.5, alternative="net 2 300 300 neurons")
    completions = generator.generate("a net", 5, seed=0)
    assert [c.structure_rank for c in completions] == [0, 1, 0, 1, 0]
    result = generate_candidates("a net", 5, generator=generator, seed=0)
    assert len(result.candidates) == 5
    assert {c.structure_rank for c in result.candidates} == {0}
    assert [d.reason.split(":")[0] for d in result.dropped] == ["layout failed"] * 2


CNN_PROSE = (
    "A CNN for 32x32 RGB images: a 3x3 conv with 32 filters, then 2x2 max pooling and dropout 0.5"
)


def test_a_prompt_naming_layer_only_words_cannot_fall_back_to_a_net_or_cnn_line():
    checker = constrain.StructureChecker.for_prompt(CNN_PROSE)
    assert feed(checker, "cnn") is None
    assert feed(checker, "net 32") is None
    assert feed(checker, "layers\ninput 32x32x3\nconv2d 32 3x3\n") is not None


def test_reference_network_prompts_keep_their_net_and_cnn_forms():
    prompt = "CNN with 32 x 32 input, 2 3 x 3 conv layers, 2 x 2 pooling and 10 outputs"
    checker = constrain.StructureChecker.for_prompt(prompt)
    assert feed(checker, "cnn 32 conv3 conv3 pool2 10\nstyle:").done
    assert feed(checker, "layers\ndense 10\nstyle:").done


def test_a_skip_cannot_start_where_no_skip_can_end():
    # "add K" needs K + 1 layers above it; one layer leaves no valid K, so
    # "add " must be refused before the decoder is stuck after it.
    checker = checker_for("an LSTM with a residual connection")
    assert feed(checker, "layers\nlstm 64\nad") is None
    assert feed(checker, "layers\nlstm 64\nattention") is not None
    assert feed(checker, "layers\nlstm 64\ndense 10\nadd 1\n") is not None


def test_a_rate_is_written_as_the_parser_writes_it_back():
    # "dropout 0.00" parses to a rate of 0, which no plan line can write back.
    checker = checker_for("an LSTM with dropout")
    assert feed(checker, "layers\nlstm 64\ndropout 0.05\nstyle:").done
    for line in ("dropout 0.00\n", "dropout 0.50\n", "dropout 0.0000"):
        assert feed(checker, "layers\nlstm 64\n" + line) is None


def test_a_token_that_runs_past_style_is_refused_and_a_glob_name_is_offered():
    checker = checker_for("emails -> TF-IDF vectorizer -> sparse vectors")
    before = feed(checker, "net 6 3\n")
    assert checker.advance(before, "style:").done
    assert checker.advance(before, "style:-+*/") is None  # the style line is sampled
    glob = checker_for("invoice_*.pdf -> Tesseract -> ocr_text.json")
    assert feed(glob, "flow\ninvoice_*.pdf > Tesseract > ocr_text.json\n") is not None
