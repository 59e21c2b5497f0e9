"""Benchmark prompt-lookup speculation in the structure decode (run by hand, not in CI).

    OMP_NUM_THREADS=1 taskset -c 1 nice -n 5 .venv/bin/python bench/speculative_decoding.py
        [--speculate 8] [--threads 1] [--per-set 6] [--repeats 1] [--write]
    .venv/bin/python bench/speculative_decoding.py --threads 2 ...   (idle machine: as served)

The shipped adapter (models/generator) on the first `--per-set` flowchart
prompts of bench/process_blind5.jsonl and the first `--per-set` of
bench/free_prompts.jsonl spread over its networks and flowcharts (both sets
are spent for judging; only speed is read here), count=5, with the
`speculate` setting on and 0 (off), prompt by prompt in turn:

- end to end: seconds of generate_candidates + ranking (as bench/generation.py
  times a prompt) and seconds to the first finished candidate;
- the generator alone (`Generator.generate`);
- model calls of the structure decodes (the best and any alternative) and
  structure tokens per call; all model calls of the prompt;
- whether the candidates' plans are identical on and off.

`--code-set NAME` / `--words-set NAME` take instead the pasted-code / in-words
prompts of the layer set bench/NAME.jsonl; `--no-layer-drafts` speculates
without the line drafts read from the code or list.

`--write` appends the tables to docs/benchmarks.md with date, machine and command.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from ranking.generation import llm  # noqa: E402
from ranking.generation.pipeline import GenerationError, generate_candidates  # noqa: E402
from ranking.scoring.ranker import Scorer  # noqa: E402

COUNT = 5


class CountingModel(torch.nn.Module):
    """Wraps the causal LM: counts calls and fed tokens, apart while a structure is decoded."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.in_structure = False
        self.reset()

    def reset(self) -> None:
        self.calls = self.structure_calls = self.structure_fed = self.structure_tokens = 0

    def forward(self, input_ids, **kwargs):
        self.calls += 1
        if self.in_structure:
            self.structure_calls += 1
            self.structure_fed += input_ids.shape[1]
        return self.inner(input_ids=input_ids, **kwargs)


def instrument(generator: llm.Generator) -> CountingModel:
    """Count the generator's model calls, marking those of its structure decodes."""
    counter = CountingModel(generator.model)
    generator.model = counter
    original = generator._continue_structure

    def continue_structure(structure, *args, **kwargs):
        before = len(structure.tokens)  # an alternative starts from the best's prefix
        counter.in_structure = True
        try:
            return original(structure, *args, **kwargs)
        finally:
            counter.in_structure = False
            counter.structure_tokens += len(structure.tokens) - before

    generator._continue_structure = continue_structure
    return counter


def bench_prompts(per_set: int) -> list[dict]:
    """Return the first `per_set` flowcharts of process_blind5 and `per_set` free prompts."""

    def rows(name: str) -> list[dict]:
        with open(ROOT / "bench" / name) as handle:
            return [json.loads(line) for line in handle if line.strip()]

    process = [r for r in rows("process_blind5.jsonl") if r["task"] == "flowchart"][:per_set]
    free = rows("free_prompts.jsonl")
    nets = [r for r in free if r["task"] != "flowchart"][: per_set - per_set // 2]
    flows = [r for r in free if r["task"] == "flowchart"][: per_set // 2]
    return process + nets + flows


def layer_prompts(name: str, kind: str) -> list[dict]:
    """Return the prompts of one kind ("code", "words") of the layer set bench/NAME.jsonl."""
    with open(ROOT / "bench" / f"{name}.jsonl") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [r for r in rows if r["kind"] == kind]


def run_prompt(generator, counter, scorer, prompt: str, seed: int) -> dict:
    """Generate, rank and count one prompt end to end; then time the generator alone."""
    counter.reset()
    started = time.monotonic()
    first: list[float] = []

    def on_progress(event: dict) -> None:
        if event.get("candidate") is not None and not first:
            first.append(time.monotonic() - started)

    try:
        result = generate_candidates(
            prompt, COUNT, generator=generator, seed=seed, on_progress=on_progress
        )
        scorer.rank([c.diagram for c in result.candidates], [], [], recommend=1, k=3)
        plans = [c.plan for c in result.candidates]
    except GenerationError as exc:
        plans = [f"error: {exc}"]
    seconds = time.monotonic() - started
    record = {
        "seconds": seconds,
        "first_s": first[0] if first else None,
        "calls": counter.calls,
        "structure_calls": counter.structure_calls,
        "structure_tokens": counter.structure_tokens,
        "plans": plans,
    }
    started, cpu = time.monotonic(), time.process_time()
    completions = generator.generate(prompt, COUNT, seed=seed)
    record["generate_s"] = time.monotonic() - started
    # CPU seconds: what the decode itself cost, whatever else ran on the core.
    record["generate_cpu_s"] = time.process_time() - cpu
    record["texts"] = [c.text for c in completions]
    return record


def cpu_name() -> str:
    """Return the machine: host name, CPU model name and core count."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
            return f"host {platform.node()}, {cpu}"
    return f"host {platform.node()}, {platform.processor() or 'unknown CPU'}"


def summarise(records: list[dict]) -> dict:
    def median(key):
        values = [r[key] for r in records if r[key] is not None]
        return statistics.median(values) if values else None

    calls = sum(r["structure_calls"] for r in records)
    return {
        "seconds": median("seconds"),
        "p95": sorted(r["seconds"] for r in records)[math.ceil(0.95 * len(records)) - 1],
        "first_s": median("first_s"),
        "generate_s": median("generate_s"),
        "generate_cpu_s": median("generate_cpu_s"),
        "calls": sum(r["calls"] for r in records) / len(records),
        "structure_calls": calls / len(records),
        "tokens_per_call": sum(r["structure_tokens"] for r in records) / max(calls, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speculate", type=int, default=llm.DEFAULT_SETTINGS["speculate"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--per-set", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=1, help="runs per prompt and setting")
    parser.add_argument(
        "--code-set", help="instead: the pasted-code prompts of bench/NAME.jsonl (a layer set)"
    )
    parser.add_argument(
        "--words-set", help="instead: the prompts in words of bench/NAME.jsonl (a layer set)"
    )
    parser.add_argument(
        "--no-layer-drafts",
        action="store_true",
        help="speculate without drafts from the code or list",
    )
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()

    adapter = ROOT / "models" / "generator"
    settings = {"threads": args.threads}
    generators = {
        "off": llm.load_generator(
            adapter=adapter, generation_settings={**settings, "speculate": 0}
        ),
        "on": llm.load_generator(
            adapter=adapter, generation_settings={**settings, "speculate": args.speculate}
        ),
    }
    if args.no_layer_drafts:
        generators["on"]._layer_draft = lambda structure, size: []
    counters = {name: instrument(g) for name, g in generators.items()}
    models = ROOT / "models" / "scoring"
    scorer = Scorer.load(models / "readability", models / "autoencoder")
    if args.code_set:
        rows = layer_prompts(args.code_set, "code")
    elif args.words_set:
        rows = layer_prompts(args.words_set, "words")
    else:
        rows = bench_prompts(args.per_set)
    for name, generator in generators.items():  # warm-up: lazy initialisation
        run_prompt(generator, counters[name], scorer, "a 3-4-2 MLP", 0)

    records: dict[str, list[dict]] = {"on": [], "off": []}
    identical = 0
    for i, row in enumerate(rows):
        runs = {}
        for _ in range(args.repeats):
            for name in ("on", "off"):
                record = run_prompt(generators[name], counters[name], scorer, row["prompt"], i)
                if name not in runs or record["seconds"] < runs[name]["seconds"]:
                    runs[name] = record
        same = runs["on"]["plans"] == runs["off"]["plans"] and (
            runs["on"]["texts"] == runs["off"]["texts"]
        )
        identical += same
        for name in runs:
            records[name].append(runs[name])
        print(
            f"{row['id']}: on {runs['on']['seconds']:.2f}s "
            f"({runs['on']['structure_calls']} calls / {runs['on']['structure_tokens']} tokens), "
            f"off {runs['off']['seconds']:.2f}s ({runs['off']['structure_calls']} calls), "
            f"{'identical' if same else 'DIFFERENT'}",
            file=sys.stderr,
            flush=True,
        )
        if not same:
            print(f"  on:  {runs['on']['texts'][0]!r}\n  off: {runs['off']['texts'][0]!r}")

    summary = {name: summarise(records[name]) for name in ("off", "on")}
    one_core = args.threads == 1
    command = (
        (
            "OMP_NUM_THREADS=1 taskset -c 1 nice -n 5 .venv/bin/python"
            if one_core
            else ".venv/bin/python"
        )
        + " bench/speculative_decoding.py"
        + (f" --threads {args.threads}" if not one_core else "")
        + (f" --speculate {args.speculate}" if args.speculate != 8 else "")
        + (f" --repeats {args.repeats}" if args.repeats != 1 else "")
        + (f" --per-set {args.per_set}" if args.per_set != 6 else "")
        + (f" --code-set {args.code_set}" if args.code_set else "")
        + (f" --words-set {args.words_set}" if args.words_set else "")
        + (" --no-layer-drafts" if args.no_layer_drafts else "")
        + (" --write" if args.write else "")
    )
    if args.code_set or args.words_set:
        described = (
            f"the pasted code of {args.code_set}"
            if args.code_set
            else f"the prompts in words of {args.words_set}"
        ) + (", speculating without the line drafts" if args.no_layer_drafts else "")
    else:
        described = (
            f"first {args.per_set} flowcharts of process_blind5, first {args.per_set} "
            "of free_prompts: networks and flowcharts"
        )
    threads_note = (
        "The generator runs with `threads: 1` on the core the command names, so the "
        "seconds are one-core seconds, not the product's two-core figures."
        if one_core
        else f"The generator runs with `threads: {args.threads}` on all cores, as the "
        "product does; the machine was otherwise idle."
    )
    lines = [
        f"## Speculative structure decoding (issue 10; {date.today()}, {cpu_name()}, "
        f"{args.threads} thread{'s' if args.threads > 1 else ''})",
        "",
        f"`{command}`; shipped adapter, {len(rows)} prompts ({described}), "
        f"count={COUNT}, ranking included; `speculate` {args.speculate} vs 0, each prompt "
        f"on then off{f', best of {args.repeats}' if args.repeats > 1 else ''}. " + threads_note,
        "",
        "| speculate | end to end median s | p95 s | first candidate median s "
        "| generator median s | generator median CPU s | model calls / prompt "
        "| structure calls / prompt | structure tokens / call |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ("off", "on"):
        s = summary[name]
        lines.append(
            f"| {0 if name == 'off' else args.speculate} | {s['seconds']:.2f} | {s['p95']:.2f} "
            f"| {s['first_s']:.2f} | {s['generate_s']:.2f} | {s['generate_cpu_s']:.2f} "
            f"| {s['calls']:.1f} "
            f"| {s['structure_calls']:.1f} | {s['tokens_per_call']:.2f} |"
        )
    off, on = summary["off"], summary["on"]
    lines += [
        "",
        f"Identical plans and candidate texts on and off: {identical} of {len(rows)} prompts. "
        f"Speed-up of the median: end to end {off['seconds'] / on['seconds']:.2f}x, "
        f"generator {off['generate_s'] / on['generate_s']:.2f}x "
        f"(CPU time {off['generate_cpu_s'] / on['generate_cpu_s']:.2f}x).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        with open(ROOT / "docs" / "benchmarks.md", "a") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
