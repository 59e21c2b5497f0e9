"""Fine-tune a LoRA adapter that writes plans, resumably, on a CPU or a GPU.

The training text is `format_prompt(prompt) + plan + EOS`; the loss covers
only the plan tokens and the EOS, so the model learns to write a plan and to
stop. Batches are length-bucketed with dynamic padding (little compute spent
on padding), the vocabulary projection runs only on the positions that carry
a loss (it is ~20% of the forward pass on every position otherwise), and a
checkpoint (adapter, optimiser, scheduler, step, RNG) is written every
`checkpoint_every` steps so an interrupted run resumes where it stopped with
the same batch order.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ranking.generation.prompting import format_prompt

BASE_MODEL_NAME = "HuggingFaceTB/SmolLM2-135M-Instruct"
STATE_FILE = "trainer_state.pt"
LOG_FILE = "training_log.jsonl"
SUMMARY_FILE = "training_summary.json"


@dataclass
class TrainConfig:
    """Everything a training run depends on (saved with each checkpoint)."""

    output: str = "models/generator"
    checkpoint_dir: str = "var/train_generator/checkpoint"
    base_path: str | None = None  # None: the cached SmolLM2 base model
    steps: int = 600
    batch_size: int = 8
    lr: float = 4e-4
    warmup_steps: int = 20
    rank: int = 16
    alpha: int = 32
    target_modules: str | list[str] = "all-linear"
    examples: int = 12000
    seed: int = 1
    max_length: int = 320
    threads: int = 2
    checkpoint_every: int = 50
    eval_every: int = 100
    eval_size: int = 24
    reference_path: str | None = None
    reference_train_ids: tuple[int, int] = (0, 449)  # r000..r449 may be trained on
    reference_eval_ids: tuple[int, int] = (450, 499)  # r450..r499 validate; r500+ never used
    # The reference pairs are the benchmark's own phrasing; seen twice per epoch.
    reference_repeat: int = 2
    save_dtype: str = "float16"  # the committed adapter is stored at half size
    autocast: str = "auto"  # "auto": bf16 autocast where the CPU has AMX/AVX512-BF16, or CUDA
    time_limit_minutes: float | None = None  # stop early (checkpoint + adapter) past this
    # Continue from a trained adapter (its LoRA shape and end-of-plan token) instead of zeros.
    init_adapter: str | None = None
    stop_at: int | None = None  # stop after this step (checkpointed), as if interrupted


@dataclass
class Pair:
    """One (prompt, plan) training or evaluation pair and where it came from."""

    prompt: str
    plan: str
    source: str = "synthetic"


@dataclass
class StepRecord:
    """What one optimiser step did (one line of the loss log)."""

    step: int
    loss: float
    lr: float
    tokens: int
    seconds: float
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------- data


def synthetic_pairs(n: int, seed: int) -> list[Pair]:
    """Return `n` synthetic (prompt, plan) pairs from the plan generator."""
    from ranking.generation import synth

    return [
        Pair(e.prompt, e.plan, f"synthetic-{e.family}") for e in synth.generate_examples(n, seed)
    ]


def reference_pairs(path: str | Path, id_range: tuple[int, int], seed: int) -> list[Pair]:
    """Return reference pairs with ids r{lo}..r{hi} whose plan can be derived exactly.

    Plans come from `baseline_parser.reference_plan`, which transcribes the
    reference prompt and (for networks) keeps it only when it agrees with the
    pair's `shape_types`/`shape_sizes`. The style line is random (the
    reference prompts ask for none).
    """
    from ranking.generation import plan as plan_mod
    from ranking.generation.baseline_parser import reference_plan

    rng = random.Random(seed)
    lo, hi = id_range
    pairs = []
    for line in Path(path).read_text().splitlines():
        row = json.loads(line)
        number = int(row["id"].lstrip("r"))
        if not lo <= number <= hi:
            continue
        plan = reference_plan(row)
        if plan is None:
            continue
        plan = plan.with_style(plan_mod.random_style(rng))
        pairs.append(Pair(row["prompt"], plan.to_text(), f"reference-{row['id']}"))
    return pairs


def encode_pair(tokenizer, pair: Pair, max_length: int) -> tuple[list[int], int] | None:
    """Return (token ids, prompt length) for a pair, or None when it exceeds max_length.

    Prompt and plan are tokenised separately, exactly as generation sees
    them (the prompt is prefilled, the plan decoded after it).
    """
    prompt_ids = tokenizer(format_prompt(pair.prompt), add_special_tokens=False).input_ids
    plan_ids = tokenizer(pair.plan.strip(), add_special_tokens=False).input_ids
    ids = prompt_ids + plan_ids + [tokenizer.eos_token_id]
    if len(ids) > max_length:
        return None
    return ids, len(prompt_ids)


def batch_schedule(
    lengths: Sequence[int], batch_size: int, steps: int, seed: int
) -> list[list[int]]:
    """Return `steps` batches of example indices, length-bucketed, the same for the same seed.

    Each epoch shuffles the examples, sorts windows of 50 batches by length
    (so a batch pads little) and shuffles the batches, so lengths still vary
    from step to step.
    """
    rng = random.Random(seed)
    window = batch_size * 50
    batches: list[list[int]] = []
    while len(batches) < steps:
        order = list(range(len(lengths)))
        rng.shuffle(order)
        epoch = []
        for start in range(0, len(order), window):
            chunk = sorted(order[start : start + window], key=lambda i: lengths[i])
            epoch += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
        rng.shuffle(epoch)
        batches += [b for b in epoch if len(b) == batch_size] or epoch
    return batches[:steps]


def collate(encoded: Sequence[tuple[list[int], int]], pad_id: int):
    """Return (input_ids, attention_mask, labels) tensors, right-padded to the longest row."""
    import torch

    width = max(len(ids) for ids, _ in encoded)
    input_ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(encoded), width), dtype=torch.long)
    labels = torch.full((len(encoded), width), -100, dtype=torch.long)
    for row, (ids, prompt_len) in enumerate(encoded):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        attention[row, : len(ids)] = 1
        labels[row, prompt_len : len(ids)] = torch.tensor(ids[prompt_len:])
    return input_ids, attention, labels


# ---------------------------------------------------------------- model


def load_base_for_training(base_path: str | None):
    """Return (model, tokenizer) in fp32 from `base_path` or the cached base model."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ranking.generation.basemodel import cached_model_dir, check_model_dir

    if base_path is None:
        path = cached_model_dir()
    else:
        path = Path(base_path)
        check_model_dir(path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    return model, tokenizer


def add_lora(model, config: TrainConfig):
    """Return the model wrapped with a trainable LoRA adapter.

    A fresh one as configured, or with `init_adapter` that adapter's weights
    and shape (rank, alpha, targets), so a short run can teach a trained
    adapter new phrasings without starting over.
    """
    from peft import LoraConfig, PeftModel, get_peft_model

    if config.init_adapter:
        return PeftModel.from_pretrained(model, config.init_adapter, is_trainable=True)
    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=0.0,  # no dropout: runs are short and it keeps resumes exact
        target_modules=config.target_modules,
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, lora)


def plan_loss(peft_model, input_ids, attention_mask, labels):
    """Return the mean cross-entropy over labelled positions (the plan tokens and EOS)."""
    import torch.nn.functional as F

    causal = peft_model.get_base_model()
    hidden = causal.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    # Position t predicts token t+1; only project the positions that carry a loss.
    targets = labels[:, 1:]
    keep = targets != -100
    logits = causal.lm_head(hidden[:, :-1][keep])
    return F.cross_entropy(logits.float(), targets[keep])


def use_bf16(config: TrainConfig) -> bool:
    """Return True when the forward/backward pass should autocast to bfloat16.

    On CPUs with AMX or AVX512-BF16 this measured ~1.5x faster per step than
    fp32 here; elsewhere bf16 matmuls are emulated and slower, so stay fp32.
    """
    import torch

    if config.autocast in ("off", "fp32"):
        return False
    if config.autocast == "bf16" or torch.cuda.is_available():
        return True
    amx = getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)()
    bf16 = getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)()
    return bool(amx or bf16)


def lr_at(step: int, config: TrainConfig) -> float:
    """Return the learning rate for 0-based `step`: linear warm-up then cosine to 10%."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    return config.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


# ---------------------------------------------------------------- evaluation


def greedy_plans(peft_model, tokenizer, prompts: Sequence[str], max_new_tokens: int = 200):
    """Return the greedy completions for prompts, decoded in batches of 8."""
    import torch

    outputs: list[str] = []
    tokenizer.padding_side = "left"
    peft_model.eval()
    with torch.inference_mode():
        for start in range(0, len(prompts), 8):
            texts = [format_prompt(p) for p in prompts[start : start + 8]]
            batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
            batch = batch.to(peft_model.device)
            generated = peft_model.generate(
                **batch,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
            new = generated[:, batch.input_ids.shape[1] :]
            outputs += tokenizer.batch_decode(new, skip_special_tokens=True)
    tokenizer.padding_side = "right"
    peft_model.train()
    return outputs


def structure_of(text: str) -> str | None:
    """Return a plan text's canonical structure, or None if it does not parse."""
    from ranking.generation.plan import PlanError, parse_plan

    try:
        return parse_plan(text).structure_text()
    except PlanError:
        return None


def evaluate(peft_model, tokenizer, pairs: Sequence[Pair]) -> dict:
    """Return exact-structure accuracy and parse rate of greedy plans, per source kind."""
    generated = greedy_plans(peft_model, tokenizer, [p.prompt for p in pairs])
    result: dict[str, float] = {}
    groups: dict[str, list[tuple[bool, bool]]] = {}
    for pair, text in zip(pairs, generated, strict=True):
        got = structure_of(text)
        kind = "reference" if pair.source.startswith("reference") else pair.source
        groups.setdefault(kind, []).append((got is not None, got == structure_of(pair.plan)))
        groups.setdefault("all", []).append(groups[kind][-1])
    for kind, rows in groups.items():
        result[f"{kind}_parse"] = round(sum(ok for ok, _ in rows) / len(rows), 3)
        result[f"{kind}_exact"] = round(sum(hit for _, hit in rows) / len(rows), 3)
    return result


def eval_pairs(config: TrainConfig) -> list[Pair]:
    """Return the held-out evaluation pairs: fresh synthetic ones plus validation references."""
    half = config.eval_size // 2
    pairs = synthetic_pairs(half, config.seed + 1_000_003)
    if config.reference_path and Path(config.reference_path).exists():
        refs = reference_pairs(config.reference_path, config.reference_eval_ids, config.seed)
        pairs += refs[: config.eval_size - half]
    return pairs


# ---------------------------------------------------------------- checkpoints


def save_checkpoint(peft_model, optimizer, step: int, config: TrainConfig) -> Path:
    """Write adapter + optimiser + step + RNG state atomically; return the directory."""
    import torch

    target = Path(config.checkpoint_dir)
    tmp = target.with_name(target.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    peft_model.save_pretrained(tmp)
    torch.save(
        {
            "step": step,
            "optimizer": optimizer.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "python_rng": random.getstate(),
            "config": asdict(config),
        },
        tmp / STATE_FILE,
    )
    # Swap in the new checkpoint only once it is complete.
    old = target.with_name(target.name + ".old")
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    if old.exists():
        shutil.rmtree(old)
    return target


def load_checkpoint(peft_model, optimizer, config: TrainConfig) -> int:
    """Load the checkpoint into model and optimiser; return the step it had reached (0 if none)."""
    import torch
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    target = Path(config.checkpoint_dir)
    if not (target / STATE_FILE).exists():
        return 0
    set_peft_model_state_dict(peft_model, load_file(target / "adapter_model.safetensors"))
    state = torch.load(target / STATE_FILE, weights_only=False)
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["torch_rng"])
    random.setstate(state["python_rng"])
    return int(state["step"])


def save_adapter(peft_model, config: TrainConfig) -> Path:
    """Save the final adapter (weights cast to `save_dtype`) into the output directory."""
    import torch
    from peft import get_peft_model_state_dict
    from safetensors.torch import save_file

    out = Path(config.output)
    out.mkdir(parents=True, exist_ok=True)
    peft_config = peft_model.peft_config["default"]
    # Record the base model by name, not by this machine's cache path.
    peft_config.base_model_name_or_path = (
        BASE_MODEL_NAME if config.base_path is None else Path(config.base_path).name
    )
    peft_config.save_pretrained(out)
    dtype = getattr(torch, config.save_dtype)
    state = {
        k: v.detach().to(dtype).contiguous()
        for k, v in get_peft_model_state_dict(peft_model).items()
    }
    save_file(state, out / "adapter_model.safetensors", metadata={"format": "pt"})
    return out


# ---------------------------------------------------------------- the loop


def train(
    config: TrainConfig,
    *,
    resume: bool = False,
    progress: Callable[[StepRecord], None] | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Train (or resume) the adapter as configured and return a summary dict."""
    import torch

    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    random.seed(config.seed)
    started = time.monotonic()
    data_commit = _git_commit()  # now, before anyone commits during a long run

    model, tokenizer = load_base_for_training(config.base_path)
    if config.init_adapter:
        # Keep ending plans the way the adapter learned to (tokenizers differ by version).
        # The generator reads the same recorded token (llm.adapter_stop_tokens).
        from ranking.generation.llm import adapter_stop_tokens

        recorded = adapter_stop_tokens(Path(config.init_adapter))
        tokenizer.eos_token = recorded[0] if recorded else tokenizer.eos_token
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device)
    bf16 = use_bf16(config)
    pairs = synthetic_pairs(config.examples, config.seed)
    if config.reference_path and Path(config.reference_path).exists():
        refs = reference_pairs(config.reference_path, config.reference_train_ids, config.seed)
        pairs += refs * config.reference_repeat
    encoded = [encode_pair(tokenizer, p, config.max_length) for p in pairs]
    kept = [e for e in encoded if e is not None]
    log(f"{len(kept)} training pairs ({len(encoded) - len(kept)} over {config.max_length} tokens)")
    schedule = batch_schedule(
        [len(ids) for ids, _ in kept], config.batch_size, config.steps, config.seed
    )
    held_out = eval_pairs(config) if config.eval_every else []

    peft_model = add_lora(model, config)
    peft_model.train()
    trainable = [p for p in peft_model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=0.0)
    start_step = load_checkpoint(peft_model, optimizer, config) if resume else 0
    if resume:
        log(f"resuming at step {start_step}")

    out = Path(config.output)
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / LOG_FILE
    _truncate_log(log_path, start_step)
    last_loss = float("nan")
    last_eval: dict = {}
    done = start_step
    limit = config.time_limit_minutes * 60 if config.time_limit_minutes else None
    for step in range(start_step, config.steps):
        t0 = time.monotonic()
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, config)
        batch = collate([kept[i] for i in schedule[step]], tokenizer.pad_token_id)
        input_ids, attention, labels = (tensor.to(device) for tensor in batch)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = plan_loss(peft_model, input_ids, attention, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        last_loss = loss.item()
        record = StepRecord(
            step=step + 1,
            loss=round(last_loss, 4),
            lr=optimizer.param_groups[0]["lr"],
            tokens=int(attention.sum()),
            seconds=round(time.monotonic() - t0, 3),
        )
        done = step + 1
        if held_out and (done % config.eval_every == 0 or done == config.steps):
            t_eval = time.monotonic()
            last_eval = evaluate(peft_model, tokenizer, held_out)
            record.extra = {"eval": last_eval, "eval_seconds": round(time.monotonic() - t_eval, 1)}
        with log_path.open("a") as handle:
            handle.write(json.dumps(asdict(record)) + "\n")
        if progress is not None:
            progress(record)
        out_of_time = limit is not None and time.monotonic() - started > limit
        out_of_time = out_of_time or (config.stop_at is not None and done >= config.stop_at)
        if done % config.checkpoint_every == 0 or done == config.steps or out_of_time:
            save_checkpoint(peft_model, optimizer, done, config)
        if out_of_time:
            log(f"stopping after step {done} (continue with --resume)")
            break

    save_adapter(peft_model, config)
    summary = {
        "steps": done,
        "planned_steps": config.steps,
        "bf16_autocast": bf16,
        "resumed_from": start_step,
        "final_loss": last_loss,
        "eval": last_eval,
        "training_pairs": len(kept),
        # The token each plan ends with; the generator stops on it (llm.adapter_stop_tokens).
        "eos_token": tokenizer.eos_token,
        "data_commit": data_commit,
        "seconds_this_run": round(time.monotonic() - started, 1),
        "config": asdict(config),
    }
    (out / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _truncate_log(path: Path, keep_through: int) -> None:
    """Drop log lines after step `keep_through` (steps a killed run did past its checkpoint)."""
    if not path.exists():
        return
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    kept = [line for line in lines if json.loads(line)["step"] <= keep_through]
    path.write_text("".join(line + "\n" for line in kept))


def _git_commit() -> str:
    """Return the repository's HEAD commit (records which synth/ made the data), or ""."""
    import subprocess

    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=Path(__file__).parent
        )
    except OSError:
        return ""
    return result.stdout.strip()
