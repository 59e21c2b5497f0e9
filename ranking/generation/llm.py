"""Load a causal LM (+ optional LoRA adapter) once per process and decode candidates.

Two output formats share one interface:

- "plan" (the default fine-tuned SmolLM2): the prompt is prefilled once, the
  structure lines are decoded greedily as ONE sequence until the line
  `style:` begins, then the KV cache is copied to `count` rows and only the
  style line is sampled per row (row 0 greedy, so the model's own best
  choice is always among the candidates). Structure costs one sequence's
  tokens, not `count` times that. The structure is decoded under
  constrain.py's grammar (every flowchart item is a span of the prompt), and
  where the model's own probabilities leave a second structure close to the
  best, that one is decoded too (from the closest branch point) and gets
  part of the rows: the user sees both readings. A greedy structure decode
  speculates (`speculate`): plans copy names and numbers from the prompt,
  so a draft of the next tokens copied from it is checked in the same model
  call as the chosen token; the output is the one-token loop's.
- "node_list" (any other local Hugging Face causal LM whose output is the
  interchange format directly): the prompt is prefilled once and `count`
  rows are sampled from there until EOS.

The decoding loop is written out here rather than calling `generate()` so
each row can have its own temperature, finished rows leave the batch (the
KV cache shrinks with them), and progress is reported token by token.
"""

from __future__ import annotations

import copy
import json
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ranking.generation import constrain, style_head
from ranking.generation.basemodel import (
    BaseModelError,
    cached_model_dir,
    check_model_dir,
    check_safetensors,
    default_cache_dir,
)
from ranking.generation.plan import PlanError, parse_plan
from ranking.generation.prompting import PROMPT_TEMPLATE, normalise_prompt
from ranking.paths import MODELS_DIR

OUTPUT_FORMATS = ("plan", "node_list")

DEFAULT_SETTINGS = {
    # plan: cap on the greedy structure; node_list: cap on each whole output.
    "max_new_tokens": 200,
    # plan only: cap on each sampled style line (a full one is ~10 tokens).
    "max_style_tokens": 24,
    "temperature": 0.9,
    "top_p": 0.95,
    # Row 0 decodes greedily: the model's most likely output is always shown.
    "first_greedy": True,
    "prompt_template": PROMPT_TEMPLATE,
    # Use the tokenizer's chat template (for chat-tuned adapters) instead.
    "chat_template": False,
    # Prompt tokens kept (from the start) before the prompt is cut: a
    # 4000-character code listing is about 1,250 tokens.
    "max_prompt_tokens": 1280,
    "threads": None,
    # plan only: decode the structure under the plan grammar, items copied from the prompt.
    "constrained": True,
    # plan only: how many structures to offer (1: the best only; 2: the best
    # and, when close enough, the model's second reading).
    "structures": 2,
    # An alternative structure is kept when its log-probability is at most this
    # many nats below the best's (2 nats: at least e^-2 = 0.14 times as likely).
    "alternative_margin": 2.0,
    # plan only: prompt-lookup speculation in the greedy structure decode. Up
    # to this many draft tokens, copied from where the last tokens occurred
    # before (plans copy names and numbers from the prompt), are checked in
    # the same model call as the chosen token; 0 decodes one token a call.
    # The structure is the same either way.
    "speculate": 8,
}

# Tokens kept from the end of an over-long prompt (the template's "Plan:" cue).
PROMPT_TAIL_TOKENS = 8
# Branch points tried for an alternative structure, closest first: a branch
# can rejoin the best structure (another tokenisation of the same text), and
# each try decodes the rest of a structure (~30 ms a token on a CPU).
ALTERNATIVE_TRIES = 2
# A draft read from pasted code, a layer list or a process read for certain
# runs over whole lines: up to this many times `speculate` tokens go to one
# call (the reading is mostly right).
LAYER_DRAFT_FACTOR = 8
STYLE_START = re.compile(r"(?:^|\n)[ \t]*style:")
# Longest run of last tokens looked up for a speculative draft (longest first).
DRAFT_NGRAM = 3
# A run found only in the structure itself must be this long to be copied:
# shorter repeats ("\n", " >") guess the next token right ~15% of the time,
# and a call checking a draft costs 1.5-2 one-token calls on a CPU.
DRAFT_REPEAT_NGRAM = 3
# A flow item being written ends at the first character an item cannot hold.
ITEM_RUN = re.compile(r"[A-Za-z0-9._+#'/&()*-]+(?: [A-Za-z0-9._+#'/&()*-]+)*")

ProgressCallback = Callable[[dict], None]


@dataclass
class Completion:
    """One decoded candidate: its text, tokens generated for it, and whether it ended cleanly.

    Plan generators also say which structure the candidate belongs to
    (`structure_rank` 0 = the model's best reading, 1 = the alternative), the
    structure's log-probability under the model, and why a structure ended
    without a style line (`reason`, "" otherwise).
    """

    text: str
    tokens: int
    finished: bool
    temperature: float = 0.0
    structure_rank: int = 0
    structure_logprob: float | None = None
    reason: str = ""


@dataclass
class _Structure:
    """A decoded structure: its tokens, text, model log-probabilities and KV cache."""

    tokens: list[int]
    text: str
    cache: object
    logits: object  # next-token logits after the structure (1 x vocabulary)
    reached_style: bool
    ended: bool = False
    logprobs: list[float] = field(default_factory=list)
    states: list = field(default_factory=list)  # checker state before each token
    runner_ups: list = field(default_factory=list)  # Choice.runner_up per token
    reason: str = ""
    checker: object = None  # constrain.StructureChecker; None when unconstrained
    prompt_ids: list[int] = field(default_factory=list)  # tokens drafts are copied from
    prompt_text: str = ""  # the normalised prompt, where flow items are copied from
    read_tokens: int = 0  # tokens of the lines a reading holds the structure to, beyond the cap

    @property
    def logprob(self) -> float:
        return sum(self.logprobs)


@dataclass(frozen=True)
class GeneratorConfig:
    """What identifies a loaded generator (and keys the per-process cache).

    `settings` holds every key of DEFAULT_SETTINGS (their comments say what
    each does), e.g. `speculate: 0` to decode the structure one token a call.
    """

    base: str = ""  # "" or None: the cached SmolLM2 base model
    adapter: str = ""  # "": no adapter
    output_format: str = "plan"
    settings: tuple = ()  # sorted (key, value) pairs over DEFAULT_SETTINGS
    device: str = "auto"

    @classmethod
    def build(
        cls,
        base=None,
        adapter=None,
        output_format="plan",
        generation_settings: dict | None = None,
        device: str | None = "auto",
    ) -> GeneratorConfig:
        """Return a config from loose arguments, validating format and settings."""
        if output_format not in OUTPUT_FORMATS:
            raise ValueError(f"output_format must be one of {OUTPUT_FORMATS}")
        unknown = set(generation_settings or {}) - set(DEFAULT_SETTINGS)
        if unknown:
            raise ValueError(f"unknown generation settings: {', '.join(sorted(unknown))}")
        settings = {**DEFAULT_SETTINGS, **(generation_settings or {})}
        return cls(
            base=str(base or ""),
            adapter=str(adapter or ""),
            output_format=output_format,
            settings=tuple(sorted(settings.items())),
            device=device or "auto",
        )

    @property
    def options(self) -> dict:
        """Return the generation settings as a dict."""
        return dict(self.settings)


_loaded: dict[GeneratorConfig, Generator] = {}
_load_lock = threading.Lock()


def load_generator(
    base=None,
    adapter=None,
    output_format: str = "plan",
    generation_settings: dict | None = None,
    device: str | None = "auto",
) -> Generator:
    """Return the generator for this configuration, loading it only the first time per process."""
    config = GeneratorConfig.build(base, adapter, output_format, generation_settings, device)
    with _load_lock:
        if config not in _loaded:
            # One model in memory at a time: a worker serves one active config.
            _loaded.clear()
            _loaded[config] = Generator(config)
        return _loaded[config]


def default_adapter_dir() -> Path:
    """Return the shipped plan adapter directory (models/generator in the repo)."""
    return MODELS_DIR / "generator"


def pick_device(requested: str) -> str:
    """Return "cuda" when requested or available under "auto", else "cpu"."""
    import torch

    if requested in ("", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise BaseModelError(f"device {requested!r} requested but CUDA is not available")
    return requested


def check_adapter_dir(path: Path) -> None:
    """Raise BaseModelError unless `path` holds a readable peft adapter."""
    if not path.is_dir():
        raise BaseModelError(
            f"adapter directory {path} does not exist; train it with "
            "`python manage.py train_generator` or register another adapter"
        )
    if not (path / "adapter_config.json").is_file():
        raise BaseModelError(f"adapter directory {path} lacks adapter_config.json")
    weights = path / "adapter_model.safetensors"
    if not weights.is_file():
        raise BaseModelError(f"adapter directory {path} lacks adapter_model.safetensors")
    check_safetensors(weights, hint="retrain or restore the adapter")


def adapter_stop_tokens(path: Path) -> list[str]:
    """Return the end-of-plan token the adapter was trained with, if its summary names one.

    The training summary records the tokenizer's EOS of the run; a GGUF
    tokenizer converted by another transformers version can name a different
    special token (see models/generator/README.md), and decoding must stop on
    the one the adapter learned.
    """
    summary = path / "training_summary.json"
    try:
        token = json.loads(summary.read_text()).get("eos_token")
    except (OSError, ValueError):
        return []
    return [token] if isinstance(token, str) and token else []


class Generator:
    """A loaded model (base + merged adapter) that decodes `count` candidates per prompt."""

    def __init__(self, config: GeneratorConfig):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        started = time.monotonic()
        self.config = config
        self.options = config.options
        self.output_format = config.output_format
        self.device = pick_device(config.device)
        if self.device == "cpu":
            threads = self.options["threads"] or _available_cpus()
            torch.set_num_threads(max(1, min(int(threads), 8)))
            # fp32 on CPU: bf16 decoding measured no faster here, and it is
            # emulated (slower) on CPUs without AVX512-BF16.
            self.dtype = torch.float32
        else:
            bf16 = torch.cuda.is_bf16_supported()
            self.dtype = torch.bfloat16 if bf16 else torch.float16

        if config.base and Path(config.base) != default_cache_dir():
            base_dir = Path(config.base)
            check_model_dir(base_dir, hint="check the base model path of this LLM configuration")
        else:
            base_dir = cached_model_dir(config.base or None)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(base_dir)
            model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=self.dtype)
        except Exception as exc:  # transformers raises many types for bad files
            raise BaseModelError(f"cannot load the base model from {base_dir}: {exc}") from exc
        stop_tokens: list[str] = []
        self.style_head = None
        if config.adapter:
            from peft import PeftModel

            adapter_dir = Path(config.adapter)
            check_adapter_dir(adapter_dir)
            stop_tokens = adapter_stop_tokens(adapter_dir)
            try:
                model = PeftModel.from_pretrained(model, adapter_dir)
            except Exception as exc:
                raise BaseModelError(f"cannot load the adapter in {adapter_dir}: {exc}") from exc
            # Folding LoRA into the base weights makes decoding as fast as the base model.
            model = model.merge_and_unload()
            self.style_head = _load_style_head(adapter_dir, model.config)
        self.model = model.to(self.device).eval()
        if self.style_head is not None:
            self.style_head = self.style_head.to(self.device, self.dtype)
        self.eos_id = self.tokenizer.eos_token_id
        if self.eos_id is None:
            raise BaseModelError(f"the tokenizer in {base_dir} has no EOS token")
        # Any of these ends a sequence: the tokenizer's EOS and the one the
        # adapter was trained to write, if its training run named another.
        vocab = self.tokenizer.get_vocab()
        self.stop_ids = {self.eos_id} | {vocab[token] for token in stop_tokens if token in vocab}
        self._lock = threading.Lock()
        self._token_table = None  # built on the first constrained decode
        self.load_seconds = time.monotonic() - started

    # ------------------------------------------------------------ public

    def generate(
        self,
        prompt: str,
        count: int,
        *,
        seed: int | None = None,
        on_progress: ProgressCallback | None = None,
        structure_temperature: float = 0.0,
    ) -> list[Completion]:
        """Return `count` completions for a prompt, in one batched decode.

        For plan generators `structure_temperature` > 0 samples the shared
        structure instead of taking it greedily (a retry after a bad plan).
        """
        import torch

        if count < 1:
            raise ValueError("count must be at least 1")
        report = on_progress or (lambda event: None)
        rng = torch.Generator(device="cpu")
        rng.manual_seed(seed if seed is not None else int.from_bytes(os.urandom(4), "little"))
        with self._lock, torch.inference_mode():
            prompt_ids = self.encode_prompt(prompt)
            cache, logits = self._prefill(prompt_ids)
            if self.output_format == "plan":
                return self._generate_plan(
                    prompt, prompt_ids, cache, logits, count, rng, report, structure_temperature
                )
            temps = self._row_temperatures(count)
            cache, logits = _expand(cache, logits, count)
            texts, counts, finished = self._sample_rows(
                cache, logits, temps, rng, report, self.options["max_new_tokens"], 0, False
            )
            return [Completion(texts[i], counts[i], finished[i], temps[i]) for i in range(count)]

    def encode_prompt(self, prompt: str) -> list[int]:
        """Return the prompt's token ids under this generator's template."""
        text = normalise_prompt(prompt)
        if self.options["chat_template"]:
            ids = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": text}], add_generation_prompt=True, tokenize=True
            )
            ids = list(ids["input_ids"] if hasattr(ids, "keys") else ids)
        else:
            formatted = self.options["prompt_template"].format(prompt=text)
            ids = self.tokenizer(formatted, add_special_tokens=False).input_ids
        limit = int(self.options["max_prompt_tokens"])
        if len(ids) > limit:
            # Cut the middle, not the end: the template's tail ("Plan:") must stay.
            tail = min(PROMPT_TAIL_TOKENS, limit // 2)
            ids = ids[: limit - tail] + ids[-tail:]
        return ids

    # ------------------------------------------------------------ decoding

    def _prefill(self, ids: list[int]):
        import torch
        from transformers import DynamicCache

        cache = DynamicCache()
        input_ids = torch.tensor([ids], device=self.device)
        out = self.model(
            input_ids=input_ids, past_key_values=cache, use_cache=True, logits_to_keep=1
        )
        return out.past_key_values, out.logits[:, -1, :].float()

    def _step(self, cache, tokens):
        """Feed one token per row; return the next-token logits (rows x vocab)."""
        out = self.model(input_ids=tokens[:, None], past_key_values=cache, use_cache=True)
        return out.logits[:, -1, :].float()

    def _style_step(self, cache, tokens):
        """`_step` for a style line: the style head shifts the style tokens' logits."""
        hidden = self.model.model(
            input_ids=tokens[:, None], past_key_values=cache, use_cache=True
        ).last_hidden_state[:, -1]
        return self.style_head.apply(self.model.lm_head(hidden).float(), hidden)

    def _style_start(self, cache, last_token: int):
        """Return the style head's logits for a style line's first token.

        The structure's logits came without the hidden state the head reads:
        its last token is fed again on the cache cropped by one (the same
        keys and values, recomputed).
        """
        import torch

        cache.crop(-1)
        return self._style_step(cache, torch.tensor([last_token], device=self.device))

    def _forward(self, cache, ids: list[int]):
        """Feed one row of several tokens; return the logits after each (len(ids) x vocab)."""
        import torch

        input_ids = torch.tensor([ids], device=self.device)
        out = self.model(input_ids=input_ids, past_key_values=cache, use_cache=True)
        return out.logits[0].float()

    def _item_draft(self, structure, size: int) -> list[int]:
        """Return the tokens of `flow_continuation` after the line's tokens, or [] if they part."""
        continuation = flow_continuation(structure.prompt_text, structure.text)
        if not continuation:
            return []
        strings = self._token_table.strings
        start = len(structure.tokens)
        while start and "\n" not in (strings[structure.tokens[start - 1]] or ""):
            start -= 1
        written = structure.tokens[start:]
        line = "".join(strings[token] for token in written)
        # The model writes a line as the tokenizer splits it (it was trained on that).
        ids = self.tokenizer(line + continuation, add_special_tokens=False).input_ids
        return ids[len(written) :][:size] if ids[: len(written)] == written else []

    def _reading_draft(self, structure, size: int) -> list[int]:
        """Return the tokens of the lines a reader read the prompt as, from here; or [].

        The rest of a process read for certain (`StructureChecker.forced_rest`),
        or the lines pasted code or a plain list reads as (`LayerRules.draft`).
        """
        state = structure.states[-1]
        lines = structure.checker.forced_rest(state) or structure.checker.layers.draft(state)
        if not lines:
            return []
        return self.tokenizer(lines, add_special_tokens=False).input_ids[:size]

    def _generate_plan(
        self, prompt, prompt_ids, cache, logits, count, rng, report, structure_temperature
    ):
        # Phase 1: one sequence, greedy (or sampled on a retry), up to "style:".
        # A tokenizer whose token texts do not add up (SentencePiece) decodes unconstrained.
        if self.options["constrained"] and self._token_table is None:
            self._token_table = constrain.token_table(self.tokenizer).without(self.stop_ids)
        if self.options["constrained"] and self._token_table.exact:
            best = self._constrained_structure(
                prompt, prompt_ids, cache, logits, count, rng, report, structure_temperature
            )
        else:
            best = self._free_structure(cache, logits, count, rng, report, structure_temperature)
        if not best.reached_style:
            # No style line: every candidate is this same (invalid) text; the
            # pipeline rejects it with a reason and may retry.
            for i in range(count):
                report({"candidate_finished": i})
            return [
                Completion(
                    best.text,
                    len(best.tokens),
                    best.ended,
                    structure_temperature,
                    0,
                    best.logprob,
                    best.reason,
                )
                for _ in range(count)
            ]
        results: list[Completion | None] = [None] * count
        progress = _RowProgress(report, count)
        want_alternative = (
            count > 1
            and structure_temperature <= 0
            and int(self.options["structures"]) > 1
            # A process read for certain has one structure: an alternative could only
            # spell its names otherwise ("prometheus"), and searching costs ~0.7 s.
            and (best.checker is None or best.checker.flow is None)
        )
        # Rows alternate between the structures, the best first (5 rows, 2
        # structures: rows 0, 2, 4 best, rows 1, 3 the alternative). The best
        # reading's rows are styled before the alternative is searched, so the
        # first candidates reach the screen without waiting for it; each
        # finished completion is also reported as {"completion": c}.
        first_rows = list(range(0, count, 2)) if want_alternative else list(range(count))
        self._style_rows(best, 0, first_rows, results, rng, progress, keep_cache=want_alternative)
        alternative = self._alternative_structure(best, count, report) if want_alternative else None
        rest = [row for row in range(count) if results[row] is None]
        if rest:
            structure, rank = (alternative, 1) if alternative is not None else (best, 0)
            self._style_rows(structure, rank, rest, results, rng, progress, keep_cache=False)
        return results

    def _style_rows(self, structure, rank, rows, results, rng, progress, keep_cache):
        """Sample the style line of `rows` after `structure`; fill and report their completions.

        `keep_cache` leaves the structure's one-row cache as it was (the
        alternative search still branches from it).
        """
        temps = self._row_temperatures(len(rows))
        base = copy.deepcopy(structure.cache) if keep_cache else structure.cache
        logits, step = structure.logits, self._step
        if self.style_head is not None and structure.text.endswith(style_head.STYLE_PREFIX):
            logits, step = self._style_start(base, structure.tokens[-1]), self._style_step
        cache, logits = _expand(base, logits, len(temps))
        texts, counts, finished = self._sample_rows(
            cache,
            logits,
            temps,
            rng,
            progress.for_rows(rows, len(structure.tokens)),
            self.options["max_style_tokens"],
            len(structure.tokens),
            True,
            step,
        )
        for i, row in enumerate(rows):
            results[row] = Completion(
                structure.text + texts[i],
                counts[i],
                finished[i],
                temps[i],
                rank,
                structure.logprob,
            )
            progress.report({"completion": results[row]})

    def _free_structure(self, cache, logits, count, rng, report, structure_temperature):
        """Decode the structure without constraint (the `constrained: false` setting)."""
        import torch

        structure: list[int] = []
        logprobs: list[float] = []
        limit = self.options["max_new_tokens"]
        reached_style = ended = False
        while len(structure) < limit:
            token = self._choose(logits, torch.tensor([structure_temperature]), rng)[0]
            structure.append(int(token))
            logprobs.append(float(torch.log_softmax(logits[0].float().cpu(), -1)[int(token)]))
            report({"stage": "generating", "tokens": [len(structure)] * count, "finished": 0})
            if int(token) in self.stop_ids:
                ended = True
                break
            logits = self._step(cache, token.view(1).to(self.device))
            if STYLE_START.search(self.tokenizer.decode(structure, skip_special_tokens=True)):
                reached_style = True
                break
        text = self.tokenizer.decode(structure, skip_special_tokens=True)
        return _Structure(structure, text, cache, logits, reached_style, ended, logprobs)

    def _constrained_structure(
        self, prompt, prompt_ids, cache, logits, count, rng, report, structure_temperature
    ):
        """Decode the structure under the plan grammar with items copied from `prompt`."""
        checker = constrain.StructureChecker.for_prompt(prompt)
        structure = _Structure(
            [],
            "",
            cache,
            logits,
            False,
            states=[constrain.State()],
            checker=checker,
            prompt_ids=list(prompt_ids),
            prompt_text=normalise_prompt(prompt),
            # A long process read in part: its lines do not eat the model's own budget.
            read_tokens=len(self.tokenizer(checker.read_text()).input_ids),
        )
        self._continue_structure(structure, count, rng, report, structure_temperature)
        return structure

    def _continue_structure(self, structure, count, rng, report, temperature, reported=0):
        """Extend `structure` token by token under its checker until `style:` (in place).

        Greedy decodes speculate (the `speculate` setting): the chosen token
        goes to the model together with a draft of the tokens that may follow
        (`lookup_draft`), and the logits after each draft token serve the next
        steps for as long as the chosen tokens agree with the draft. Every
        token is still chosen by `choose_token` from its own position's
        logits, so tokens, log-probabilities, runner-ups and states are those
        of the one-token loop; only model calls are saved. On exit the cache
        holds exactly the prompt and the structure's tokens.
        """
        import torch

        limit = self.options["max_new_tokens"] + structure.read_tokens
        runner_up = temperature <= 0 and int(self.options["structures"]) > 1
        draft_size = int(self.options["speculate"]) if temperature <= 0 else 0
        # (draft token, logits after it) for positions the cache holds beyond the tokens.
        ahead: list[tuple[int, object]] = []
        state = structure.states[-1]
        while not state.done:
            if len(structure.tokens) >= limit:
                structure.reason = f"no style line within {limit} tokens"
                break
            choice = constrain.choose_token(
                structure.logits[0],
                state,
                structure.checker,
                self._token_table,
                temperature=temperature,
                top_p=float(self.options["top_p"]),
                rng=rng,
                runner_up=runner_up,
            )
            if choice is None:
                structure.reason = structure.checker.failure(state)
                break
            state = choice.state
            structure.tokens.append(choice.token)
            structure.text += choice.text
            structure.logprobs.append(choice.logprob)
            structure.runner_ups.append(choice.runner_up)
            structure.states.append(state)
            decoded = reported + len(structure.tokens)
            report({"stage": "generating", "tokens": [decoded] * count, "finished": 0})
            if ahead and ahead[0][0] == choice.token:
                # The draft guessed right: the model has already seen this token.
                structure.logits = ahead.pop(0)[1]
                continue
            if ahead:
                structure.cache.crop(-len(ahead))  # drop the rejected draft
                ahead = []
            left = limit - len(structure.tokens)
            room = min(draft_size, left)
            draft = [] if state.done or room <= 0 else self._draft(structure, room, left)
            if not draft:
                token = torch.tensor([choice.token], device=self.device)
                structure.logits = self._step(structure.cache, token)
                continue
            logits = self._forward(structure.cache, [choice.token] + draft)
            structure.logits = logits[:1]
            ahead = [(token, logits[i + 1 : i + 2]) for i, token in enumerate(draft)]
        if ahead:
            structure.cache.crop(-len(ahead))
        structure.reached_style = state.done

    def _draft(self, structure, size: int, left: int) -> list[int]:
        """Return up to `size` tokens that may follow `structure`, from its prompt and itself.

        A flow item being written is copied on from the prompt's text (with
        the separator that follows it); at a layer line's start, the lines
        pasted code or a plain list reads as (`LayerRules.draft`, up to
        `LAYER_DRAFT_FACTOR` times `size` tokens), and likewise the rest of a
        process read for certain (`StructureChecker.forced_rest`); otherwise,
        what followed the last tokens where they occurred before.
        """
        strings = self._token_table.strings
        draft = (
            self._reading_draft(structure, min(size * LAYER_DRAFT_FACTOR, left))
            or self._item_draft(structure, size)
            or lookup_draft(
                structure.prompt_ids + structure.tokens,
                size,
                prompt_length=len(structure.prompt_ids),
            )
        )
        # A token no structure may hold would be refused: the draft ends before it.
        for i, token in enumerate(draft):
            if token >= len(strings) or strings[token] is None:
                return draft[:i]
        return draft

    def _alternative_structure(self, best, count, report):
        """Return the model's second reading of the structure, or None if none is close.

        Branches where the best and the runner-up allowed token are closest
        in log-probability, forces the runner-up there and continues
        greedily; kept when it parses to another structure and its
        log-probability is within `alternative_margin` of the best's.
        """
        import torch

        if best.checker is None:
            return None  # unconstrained: no runner-ups recorded
        margin = float(self.options["alternative_margin"])
        try:
            best_plan = _structure_plan(best.text)
        except PlanError:
            return None
        gaps = sorted(
            (best.logprobs[i] - runner[1], i)
            for i, runner in enumerate(best.runner_ups)
            if runner is not None and best.logprobs[i] - runner[1] <= margin
        )
        for _, position in gaps[:ALTERNATIVE_TRIES]:
            token, logprob, state = best.runner_ups[position]
            # The best's cache cut back to the branch point: a copy is ~10 MB
            # and milliseconds, a fresh prefill of prompt + prefix ~0.2 s.
            cache = copy.deepcopy(best.cache)
            cache.crop(-(len(best.tokens) - position))  # a negative crop drops that many
            strings = self._token_table.strings
            alternative = _Structure(
                best.tokens[:position] + [token],
                "".join(strings[t] for t in best.tokens[:position]) + strings[token],
                cache,
                None,
                False,
                logprobs=best.logprobs[:position] + [logprob],
                states=best.states[: position + 1] + [state],
                runner_ups=best.runner_ups[:position] + [None],
                checker=best.checker,
                # An alternative mostly rejoins the best after the branch:
                # drafts may copy the best's rest as they copy the prompt.
                prompt_ids=best.prompt_ids + best.tokens[position + 1 :],
                prompt_text=best.prompt_text,
                read_tokens=best.read_tokens,
            )
            alternative.logits = self._step(cache, torch.tensor([token], device=self.device))
            self._continue_structure(
                alternative, count, None, report, 0.0, reported=len(best.tokens) - position
            )
            if not alternative.reached_style or best.logprob - alternative.logprob > margin:
                continue
            try:
                plan = _structure_plan(alternative.text)
            except PlanError:
                continue
            if plan.structure_text() != best_plan.structure_text():
                return alternative
        return None

    def _sample_rows(
        self, cache, logits, temps, rng, report, limit, offset, stop_at_newline, step=None
    ):
        """Decode every row until EOS (or a newline, for a style line) or `limit` tokens.

        Returns (texts, tokens per row including `offset`, finished flags).
        Finished rows are dropped from the batch so the rest decode faster.
        `step` feeds the chosen tokens (default `_step`).
        """
        import torch

        step = step or self._step

        count = len(temps)
        tokens: list[list[int]] = [[] for _ in range(count)]
        generated = [offset] * count  # tokens decoded per row, EOS included
        finished = [False] * count
        active = list(range(count))
        temps_t = torch.tensor(temps)
        for _ in range(limit):
            chosen = self._choose(logits, temps_t[active], rng)
            still = []
            for pos, row in enumerate(active):
                token = int(chosen[pos])
                generated[row] += 1
                if token in self.stop_ids:
                    finished[row] = True
                else:
                    tokens[row].append(token)
                    if stop_at_newline and "\n" in self.tokenizer.decode(tokens[row]).strip(" "):
                        finished[row] = True
                if finished[row]:
                    report({"candidate_finished": row})
                else:
                    still.append(pos)
            report(
                {
                    "stage": "generating",
                    "tokens": list(generated),
                    "finished": sum(finished),
                }
            )
            if not still:
                break
            if len(still) < len(active):
                keep = torch.tensor(still, device=self.device)
                cache.batch_select_indices(keep)
                chosen = chosen[still]
                active = [active[pos] for pos in still]
            logits = step(cache, chosen.to(self.device))
        texts = [self.tokenizer.decode(t, skip_special_tokens=True) for t in tokens]
        if stop_at_newline:
            texts = [text.split("\n")[0] for text in texts]
        return texts, generated, finished

    def _row_temperatures(self, count: int) -> list[float]:
        temperature = float(self.options["temperature"])
        temps = [temperature] * count
        if self.options["first_greedy"]:
            temps[0] = 0.0
        return temps

    def _choose(self, logits, temps, rng):
        """Return one token per row: argmax where the temperature is 0, else top-p sampling."""
        import torch

        logits = logits.cpu()
        greedy = logits.argmax(dim=-1)
        if bool((temps <= 0).all()):
            return greedy
        scaled = logits / temps.clamp(min=1e-4)[:, None]
        probs = torch.softmax(scaled, dim=-1)
        top_p = float(self.options["top_p"])
        if top_p < 1.0:
            sorted_probs, order = probs.sort(dim=-1, descending=True)
            # Keep the smallest prefix whose mass reaches top_p (always the top token).
            cut = sorted_probs.cumsum(dim=-1) - sorted_probs >= top_p
            sorted_probs[cut] = 0.0
            probs = torch.zeros_like(probs).scatter(-1, order, sorted_probs)
        sampled = torch.multinomial(probs, 1, generator=rng)[:, 0]
        return torch.where(temps <= 0, greedy, sampled)


def lookup_draft(
    history: list[int],
    size: int,
    *,
    prompt_length: int | None = None,
    ngram: int = DRAFT_NGRAM,
    repeat_ngram: int = DRAFT_REPEAT_NGRAM,
) -> list[int]:
    """Return up to `size` tokens that followed the last earlier occurrence of history's tail.

    The tail is the last `ngram` tokens, or fewer when those never occurred
    before (longest first). A plan copies names and numbers from its prompt
    (the first `prompt_length` tokens of `history`; all of it when None), so
    what followed them there is a good guess at what follows them now; an
    occurrence whose continuation lies after the prompt counts only for a
    tail of `repeat_ngram` tokens or more. [] when nothing matches.
    """
    end = len(history)
    prompt_length = end if prompt_length is None else prompt_length
    for n in range(min(ngram, end - 1), 0, -1):
        tail = history[end - n :]
        last = tail[-1]
        # Latest first; the occurrence must leave at least one token to copy.
        for start in range(end - n - 1, -1, -1):
            if start + n >= prompt_length and n < repeat_ngram:
                continue
            if history[start + n - 1] == last and history[start : start + n] == tail:
                return history[start + n : start + n + size]
    return []


def flow_continuation(prompt: str, text: str) -> str:
    """Return the text a flow structure `text` likely goes on with, copied from `prompt`; or "".

    Inside an item: the rest of the prompt's word run where the item's text
    first occurs at a word start, then " > " (or a newline after the third
    part). At a line's start: the previous line's single output, then " > "
    (plans chain their lines). `prompt` is the normalised prompt.
    """
    lines = text.split("\n")
    if len(lines) < 2 or lines[0] != "flow":
        return ""
    line = lines[-1]
    if not line:
        parts = lines[-2].split(" > ")
        output = parts[-1]
        return f"{output} > " if len(parts) == 3 and output != "-" and ", " not in output else ""
    item = re.split(r" > |, ", line)[-1]
    if not item or item == "-":
        return ""
    separator = " > " if line.count(" > ") < 2 else "\n"
    for match in re.finditer(re.escape(item), prompt):
        if match.start() and prompt[match.start() - 1].isalnum():
            continue
        run = ITEM_RUN.match(prompt, match.start())
        words = []
        for word in run.group().split(" ") if run else []:
            # A name ends with a word that lost punctuation ("chunks. Then").
            words.append(word.rstrip(constrain.TRAILING_JUNK))
            if words[-1] != word:
                break
        name = " ".join(words)
        return name[len(item) :] + separator if len(name) >= len(item) else ""
    return ""


def _structure_plan(text: str):
    """Return the Plan of a structure text that ends in `style:` (default style)."""
    match = STYLE_START.search(text)
    return parse_plan(text[: match.start()] + "\nstyle:")


class _RowProgress:
    """Reports the style phases of several row groups as one set of `count` rows."""

    def __init__(self, report, count: int):
        self.report = report
        self.tokens = [0] * count
        self.finished: set[int] = set()

    def for_rows(self, rows: list[int], structure_tokens: int):
        """Return the progress callback of one `_sample_rows` call over `rows`."""
        for row in rows:
            self.tokens[row] = structure_tokens

        def report(event: dict) -> None:
            if "candidate_finished" in event:
                row = rows[event["candidate_finished"]]
                self.finished.add(row)
                self.report({"candidate_finished": row})
            elif "tokens" in event:
                for i, tokens in enumerate(event["tokens"]):
                    self.tokens[rows[i]] = tokens
                self.report(
                    {
                        "stage": "generating",
                        "tokens": list(self.tokens),
                        "finished": len(self.finished),
                    }
                )
            else:
                self.report(event)

        return report


def _expand(cache, logits, count: int):
    """Return the one-row KV cache and logits copied to `count` rows."""
    if count > 1:
        cache.batch_repeat_interleave(count)
        logits = logits.repeat(count, 1)
    return cache, logits


def _load_style_head(adapter_dir: Path, model_config):
    """Return the adapter's style head (None without one), checked against the model."""
    head = style_head.load(adapter_dir)
    if head is None:
        return None
    if head.weight.shape[1] != model_config.hidden_size or max(head.token_ids) >= (
        model_config.vocab_size
    ):
        raise BaseModelError(f"the style head in {adapter_dir} does not fit this base model")
    return head


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
