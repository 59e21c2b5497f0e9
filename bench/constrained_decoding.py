"""Benchmark constrained structure decoding and structure alternatives (run by hand, not in CI).

    .venv/bin/python bench/constrained_decoding.py [--threads 2] [--repeats 2]
        [--llguidance-python /tmp/venv/bin/python] [--write]

Rows:
- per structure token, with the shipped adapter on PROMPTS: the CPU time of
  our processor (constrain.choose_token: walking candidates in logit order,
  checking each against the grammar and the prompt's spans) beside the
  model's forward step, and how many candidates a step examined; one-off
  costs: the token table (once per tokenizer) and the prompt's spans;
- a library alternative, llguidance (`pip install llguidance` into a
  throwaway venv, passed as --llguidance-python): compiling a per-prompt
  Lark grammar with the same span alternatives, and computing the full
  token mask per step while replaying the same structures;
- end to end, count=5 (generate + lay out + render + score + rank, as
  bench/generation.py times it): unconstrained, constrained, and
  constrained with a second structure offered when close.
`--write` appends the tables to docs/benchmarks.md with date and machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROMPTS = [
    "emails -> TF-IDF vectorizer -> sparse vectors -> LinearSVC spam filter -> spam labels",
    "A small MLP: 4 inputs, two hidden layers of 8 neurons, 3 outputs",
    "Images of 28x28 go through a 3x3 conv layer, a 2x2 max pooling layer, then a dense "
    "layer of 64 and 10 outputs",
    "Customer reviews are cleaned with a Python script, embedded with BERT, and clustered "
    "by k-means into topic groups",
    "DL model consist of 6 input size, 3, 4 nodes in intermediate layers, and 2 output elements",
    "Langchain process that consists of first, outputs pytorch tensor and process it with "
    "function, and code file that process numeric values, and outputs database",
]
CONFIGS = {
    "unconstrained": {"constrained": False, "structures": 1},
    "constrained": {"constrained": True, "structures": 1},
    "constrained + alternative": {"constrained": True, "structures": 2},
}


# ---------------------------------------------------------------- llguidance worker


def lark_grammar(spans: list[str]) -> str:
    """Return a Lark grammar (llguidance dialect) for plan structures naming only `spans`.

    The structure is a regular language, so it is one regex terminal per
    family; items are the span alternatives with an optional " #N". It
    leaves out two rules our checker has (a line without processor needs
    inputs and outputs; sizes <= 100000), which makes it no slower.
    """
    import re

    item = "(" + "|".join(re.escape(span) for span in spans) + ")( #[1-9][0-9]?)?"
    part = f"(-|{item}(, {item})*)"
    proc = f"(-|{item})"
    line = f"{part} > {proc} > {part}"
    size = "[1-9][0-9]{0,5}"
    flag = "( (neurons|layers))?"
    cnn_layer = "(conv(=?[1-9][0-9]{0,3})?|(max|avg)?pool([1-9][0-9]?)?)"
    rules = [
        f"NET: /net( {size}){{2,40}}{flag}\\nstyle:/",
        f"CNN: /cnn {size}( {cnn_layer})*( dense)?( {size})*{flag}\\nstyle:/",
    ]
    starts = ["NET", "CNN"]
    if spans:
        rules.append(f"FLOW: /flow\\n({line}\\n){{1,30}}style:/")
        starts.append("FLOW")
    return "start: " + " | ".join(starts) + "\n" + "\n".join(rules) + "\n"


def llguidance_worker(payload_path: str) -> None:
    """Time llguidance on the payload's prompts; print the figures as JSON (throwaway venv)."""
    import llguidance
    import numpy as np
    from llguidance.numpy import allocate_token_bitmask, fill_next_token_bitmask

    payload = json.loads(Path(payload_path).read_text())
    started = time.perf_counter()
    tokenizer = llguidance.LLTokenizer(
        Path(payload["tokenizer_json"]).read_text(), eos_token=payload["eos"]
    )
    tokenizer_s = time.perf_counter() - started
    compile_ms, mask_ms, steps, rejected = [], [], 0, 0
    for run in payload["runs"]:
        started = time.perf_counter()
        matcher = llguidance.LLMatcher(tokenizer, lark_grammar(run["spans"]), log_level=0)
        if matcher.is_error():
            raise SystemExit(f"grammar error: {matcher.get_error()}")
        bitmask = allocate_token_bitmask(1, payload["vocab"])
        fill_next_token_bitmask(matcher, bitmask, 0)  # the first mask builds lazy state
        compile_ms.append((time.perf_counter() - started) * 1000)
        for token in run["tokens"]:
            if not matcher.consume_token(token):
                rejected += 1
                break
            started = time.perf_counter()
            fill_next_token_bitmask(matcher, bitmask, 0)
            mask_ms.append((time.perf_counter() - started) * 1000)
            steps += 1
        np.asarray(bitmask)
    print(
        json.dumps(
            {
                "version": llguidance.__version__,
                "tokenizer_s": tokenizer_s,
                "compile_ms": compile_ms,
                "mask_ms": mask_ms,
                "steps": steps,
                "rejected": rejected,
            }
        )
    )


# ---------------------------------------------------------------- our processor


def cpu_name() -> str:
    """Return the machine: host name, CPU model name and core count."""
    import os
    import platform

    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
            return f"host {platform.node()}, {cpu}"
    return f"host {platform.node()}, {platform.processor() or 'unknown CPU'}"


def measure_processor(generator, prompts: list[str]) -> tuple[dict, list[dict]]:
    """Decode each prompt's structure (constrained, greedy) timing our processor and the model.

    Returns the per-token figures and, per prompt, the spans and structure
    tokens (for replaying through llguidance).
    """
    from ranking.generation import constrain

    choose, step = constrain.choose_token, generator._step
    advance = constrain.StructureChecker.advance
    times = {"choose_cpu": [], "choose_wall": [], "step_cpu": [], "step_wall": [], "checks": []}
    checks = [0]

    def counting_advance(self, state, piece):
        checks[0] += 1
        return advance(self, state, piece)

    tokens: list[int] = []

    def timed_choose(*args, **kwargs):
        checks[0] = 0
        cpu, wall = time.thread_time(), time.perf_counter()
        choice = choose(*args, **kwargs)
        times["choose_cpu"].append(time.thread_time() - cpu)
        times["choose_wall"].append(time.perf_counter() - wall)
        times["checks"].append(checks[0])
        if choice is not None:
            tokens.append(choice.token)
        return choice

    def timed_step(*args):
        cpu, wall = time.process_time(), time.perf_counter()
        logits = step(*args)
        times["step_cpu"].append(time.process_time() - cpu)
        times["step_wall"].append(time.perf_counter() - wall)
        return logits

    runs = []
    constrain.choose_token = timed_choose
    constrain.StructureChecker.advance = counting_advance
    generator._step = timed_step
    try:
        for prompt in prompts:
            tokens.clear()
            # count=1: the structure only (with the runner-up search of the default settings).
            generator.generate(prompt, 1, seed=0)
            runs.append({"spans": constrain.prompt_spans(prompt), "tokens": list(tokens)})
    finally:
        constrain.choose_token = choose
        constrain.StructureChecker.advance = advance
        del generator._step

    started = time.perf_counter()
    constrain.TokenTable(generator.tokenizer)
    table_s = time.perf_counter() - started
    started = time.perf_counter()
    for prompt in prompts:
        constrain.SpanSet(constrain.prompt_spans(prompt))
    spans_ms = (time.perf_counter() - started) * 1000 / len(prompts)
    ms = {key: [v * 1000 for v in values] for key, values in times.items() if key != "checks"}
    figures = {
        "tokens": len(times["checks"]),
        "choose_cpu_ms": statistics.mean(ms["choose_cpu"]),
        "choose_cpu_p95_ms": sorted(ms["choose_cpu"])[int(0.95 * (len(ms["choose_cpu"]) - 1))],
        "choose_wall_ms": statistics.mean(ms["choose_wall"]),
        "step_cpu_ms": statistics.mean(ms["step_cpu"]),
        "step_wall_ms": statistics.mean(ms["step_wall"]),
        "checks_mean": statistics.mean(times["checks"]),
        "checks_max": max(times["checks"]),
        "table_s": table_s,
        "spans_ms": spans_ms,
    }
    return figures, runs


def run_llguidance(python: str, generator, runs: list[dict]) -> dict:
    """Run this script's llguidance worker under `python`; return its figures."""
    from ranking.generation.basemodel import cached_model_dir

    payload = {
        "tokenizer_json": str(cached_model_dir() / "tokenizer.json"),
        "eos": generator.eos_id,
        "vocab": len(generator.tokenizer),
        "runs": runs,
    }
    path = Path("/tmp") / f"constrained_decoding_payload_{int(time.time())}.json"
    path.write_text(json.dumps(payload))
    try:
        out = subprocess.run(
            [python, __file__, "--llguidance-worker", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        path.unlink()
    return json.loads(out.strip().splitlines()[-1])


def end_to_end(prompts: list[str], repeats: int, scorer) -> dict:
    """Return per config: median/p95 seconds for count=5 end to end, and the structures shown."""
    from ranking.generation import llm
    from ranking.generation.pipeline import generate_candidates
    from ranking.generation.plan import parse_plan

    results = {}
    for name, settings in CONFIGS.items():
        generator = llm.load_generator(
            adapter=llm.default_adapter_dir(), generation_settings=settings
        )
        generate_candidates("a 3-4-2 MLP", 5, generator=generator, seed=0)  # warm-up
        seconds, readings, per_prompt = [], [], []
        for i, prompt in enumerate(prompts):
            runs = []
            for _ in range(repeats):
                started = time.perf_counter()
                result = generate_candidates(prompt, 5, generator=generator, seed=i)
                scorer.rank([c.diagram for c in result.candidates], [], [], recommend=3, k=3)
                runs.append(time.perf_counter() - started)
            seconds += runs
            per_prompt.append(statistics.median(runs))
            by_rank = {}
            for candidate in result.candidates:
                structure = parse_plan(candidate.plan).structure_text()
                by_rank.setdefault(candidate.structure_rank, structure)
            readings.append(by_rank)
        results[name] = {
            "median_s": statistics.median(seconds),
            "p95_s": sorted(seconds)[int(0.95 * (len(seconds) - 1))],
            "max_s": max(seconds),
            "readings": readings,
            "per_prompt": per_prompt,
        }
    return results


def markdown(figures, library, e2e, prompts, command) -> str:
    """Return the results as a markdown section."""
    lines = [
        f"## Constrained structure decoding ({date.today().isoformat()}, {cpu_name()})",
        "",
        f"`{command}`; shipped adapter, {len(prompts)} prompts (PROMPTS in the script).",
        "",
        "| per structure token | mean ms | note |",
        "|---|---:|---|",
        f"| our processor, CPU time | {figures['choose_cpu_ms']:.3f} | p95 "
        f"{figures['choose_cpu_p95_ms']:.3f} ms; {figures['checks_mean']:.1f} candidates "
        f"checked per step (max {figures['checks_max']}); {figures['tokens']} tokens |",
        f"| our processor, wall | {figures['choose_wall_ms']:.3f} | |",
        f"| model forward step, CPU time (all threads) | {figures['step_cpu_ms']:.1f} | |",
        f"| model forward step, wall | {figures['step_wall_ms']:.1f} | |",
    ]
    if library:
        lines.append(
            f"| llguidance {library['version']}: full token mask | "
            f"{statistics.mean(library['mask_ms']):.3f} | p95 "
            f"{sorted(library['mask_ms'])[int(0.95 * (len(library['mask_ms']) - 1))]:.3f} ms; "
            f"{library['steps']} steps replayed, {library['rejected']} structures rejected |"
        )
    lines += [
        "",
        "| one-off | ms |",
        "|---|---:|",
        f"| our token table (once per tokenizer) | {figures['table_s'] * 1000:.0f} |",
        f"| our prompt spans + SpanSet (per prompt) | {figures['spans_ms']:.2f} |",
    ]
    if library:
        lines += [
            f"| llguidance tokenizer (once per tokenizer) | {library['tokenizer_s'] * 1000:.0f} |",
            f"| llguidance grammar compile + first mask (per prompt, mean) | "
            f"{statistics.mean(library['compile_ms']):.1f} |",
        ]
    if e2e:
        lines += [
            "",
            "| count=5 end to end | median s | p95 s | max s |",
            "|---|---:|---:|---:|",
        ]
    for name, row in e2e.items():
        lines.append(
            f"| {name} | {row['median_s']:.2f} | {row['p95_s']:.2f} | {row['max_s']:.2f} |"
        )
    alternatives = e2e.get("constrained + alternative", {}).get("readings", [])
    if alternatives:
        # What offering the alternative cost on the prompts that got one.
        added = [
            with_alt - without
            for with_alt, without, readings in zip(
                e2e["constrained + alternative"]["per_prompt"],
                e2e["constrained"]["per_prompt"],
                alternatives,
                strict=True,
            )
            if len(readings) > 1
        ]
        if added:
            lines += [
                "",
                f"An alternative structure was offered for {len(added)} of {len(prompts)} "
                f"prompts; there it added {statistics.median(added):.2f} s (median; max "
                f"{max(added):.2f} s) to count=5 end to end.",
            ]
        lines += ["", "Structures shown with alternatives on (rank 0 / rank 1):", ""]
        for prompt, readings in zip(prompts, alternatives, strict=False):
            shown = " / ".join(
                "`" + readings[rank].replace("\n", " ⏎ ") + "`" for rank in sorted(readings)
            )
            lines.append(f"- {prompt[:60]}...: {shown}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--repeats", type=int, default=2, help="end-to-end runs per prompt")
    parser.add_argument("--llguidance-python", help="python of a venv with llguidance")
    parser.add_argument("--llguidance-worker", help=argparse.SUPPRESS)
    parser.add_argument("--no-end-to-end", action="store_true", help="per-token figures only")
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    if args.llguidance_worker:
        llguidance_worker(args.llguidance_worker)
        return

    sys.path.insert(0, str(ROOT))
    from ranking.generation import llm
    from ranking.scoring.ranker import Scorer

    settings = {"threads": args.threads} if args.threads else {}
    generator = llm.load_generator(adapter=llm.default_adapter_dir(), generation_settings=settings)
    generator.generate("a 3-4-2 MLP", 1, seed=0)  # warm-up
    figures, runs = measure_processor(generator, PROMPTS)
    library = (
        run_llguidance(args.llguidance_python, generator, runs) if args.llguidance_python else None
    )
    models = ROOT / "models" / "scoring"
    scorer = Scorer.load(models / "readability", models / "autoencoder")
    if args.threads:
        for config in CONFIGS.values():
            config["threads"] = args.threads
    e2e = {} if args.no_end_to_end else end_to_end(PROMPTS, args.repeats, scorer)

    command = ".venv/bin/python bench/constrained_decoding.py"
    if args.threads:
        command += f" --threads {args.threads}"
    command += " --no-end-to-end" if args.no_end_to_end else f" --repeats {args.repeats}"
    if args.llguidance_python:
        command += " --llguidance-python /tmp/venv/bin/python"
    text = markdown(figures, library, e2e, PROMPTS, command + (" --write" if args.write else ""))
    print(text)
    if args.write:
        with open(ROOT / "docs" / "benchmarks.md", "a") as out:
            out.write("\n" + text)


if __name__ == "__main__":
    main()
