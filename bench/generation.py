"""Benchmark prompt-to-diagram generation on held-out prompts (run by hand, not in CI).

    .venv/bin/python bench/generation.py [--sets held-out,blind10] [--limit N] [--count 5]
        [--records FILE] [--keep-repeats] [--whole-readings-only] [--write]

Rows:
- held-out split: reference pairs r500-r699 (never trained on), the
  top-ranked candidate's structural score (docs: METRICS.md) against the
  reference node list, parse rate, overlaps, off-canvas diagrams, seconds
  per prompt for `count` candidates end to end (generate + lay out + render
  + score + rank);
- freely phrased prompts, hand-written with the structure they ask for
  (FREE_SETS): bench/free_prompts.jsonl; bench/free_prompts_late.jsonl,
  written after the first GPU-trained adapter (blind for it; its misses then
  shaped the synthetic phrasings of the next training run); and
  bench/free_prompts_blind2.jsonl, _blind3.jsonl and _blind4.jsonl, each
  written by someone who did not see the training data or its generator
  (blind2 before the stage-2 CPU continuation was trained, blind3 while
  it trained; blind4 when stage 3 started, before any of its steps);
  bench/process_blind5.jsonl and _blind6.jsonl, processes written blind
  the same way (and _blind7, _blind8 for later rounds; blind8 gives names
  and edges instead of a plan); for the flowchart rows of these sets also the label recall
  and labelled-edge F1 of METRICS.md ("Names and edges"): the target's
  names are the expected plan's, so they say whether the diagram draws the
  user's names and connects the right ones;
- baseline: the hand-written reference-template parser
  (ranking/generation/baseline_parser.py) on the same split - never used
  by the product.
`--write` appends the table to docs/benchmarks.md with date and machine.
Seconds to first candidate: from the start of generate_candidates to its
first `candidate_finished` progress event (what a user waits before the
first picture appears).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ranking.diagrams import geometry, labelled, nodelist  # noqa: E402
from ranking.diagrams.data import load_reference_pairs  # noqa: E402
from ranking.diagrams.structure import structural_score  # noqa: E402
from ranking.drawrank import reading_first  # noqa: E402
from ranking.generation import baseline_parser, constrain, llm, pipeline  # noqa: E402
from ranking.generation.layout import LayoutError, layout_plan  # noqa: E402
from ranking.generation.pipeline import GenerationError, generate_candidates  # noqa: E402
from ranking.generation.plan import ITEM_RE, parse_plan  # noqa: E402
from ranking.scoring.ranker import Scorer  # noqa: E402

HELD_OUT = range(500, 700)
# name -> (file, table row); the seeds differ per set so no two sets share samples.
FREE_SETS = {
    "free": ("free_prompts.jsonl", "free phrasing", 1000),
    "late": ("free_prompts_late.jsonl", "free phrasing, late set", 2000),
    "blind2": ("free_prompts_blind2.jsonl", "free phrasing, blind set 2", 3000),
    "blind3": ("free_prompts_blind3.jsonl", "free phrasing, blind set 3", 4000),
    "blind4": ("free_prompts_blind4.jsonl", "free phrasing, blind set 4", 5000),
    "blind5": ("process_blind5.jsonl", "processes, blind set 5", 6000),
    "blind6": ("process_blind6.jsonl", "processes, blind set 6", 7000),
    "blind7": ("process_blind7.jsonl", "processes, blind set 7", 8000),
    "blind8": ("process_blind8.jsonl", "processes, blind set 8", 9000),
    # Written (1a29b58) for the round after stage 6; judges stage 7.
    "blind9": ("process_blind9.jsonl", "processes, blind set 9", 10000),
    # Written for the round after stage 7; judged the prose_names rules (761fe70; spent).
    "blind10": ("process_blind10.jsonl", "processes, blind set 10", 11000),
    # Written (a40ed12) blind; judged repeats.tidy_repeats (eb95a06) on and off (spent).
    "blind11": ("process_blind11.jsonl", "processes, blind set 11", 12000),
    # Written (eacc95c) blind; judged the flow reader as of f13241d (spent).
    "blind12": ("process_blind12.jsonl", "processes, blind set 12", 13000),
    # Written (2f00187) blind; judged the flow reader as of f13241d (spent).
    "blind13": ("process_blind13.jsonl", "processes, blind set 13", 14000),
    # Written (01ba066) blind for the round after set 13; unscored.
    "blind14": ("process_blind14.jsonl", "processes, blind set 14", 15000),
    # Written (9b5241b) blind for the round after set 14; unscored.
    "blind15": ("process_blind15.jsonl", "processes, blind set 15", 16000),
    # Written (2ae066e) blind for the round after set 15; unscored.
    "blind16": ("process_blind16.jsonl", "processes, blind set 16", 17000),
    # Written (64392d7) blind for the round after set 16; judged 2026-12-05, spent.
    "blind17": ("process_blind17.jsonl", "processes, blind set 17", 18000),
    # Written (d14236c) blind for the round after set 17; judged 2026-12-05, spent.
    "blind18": ("process_blind18.jsonl", "processes, blind set 18", 19000),
    # Written (9731dcf) blind for the round after set 18; judged 2026-12-05 (4d08aed), spent.
    "blind19": ("process_blind19.jsonl", "processes, blind set 19", 20000),
    # Written (959f15e) blind for the round after set 19; judged 2026-12-05 (6acd442), spent.
    "blind20": ("process_blind20.jsonl", "processes, blind set 20", 21000),
    # Written (95a94f9) blind for the round after set 20; judged 2026-12-05 (3dab369), spent.
    "blind21": ("process_blind21.jsonl", "processes, blind set 21", 22000),
    # Written (31d9c19) blind for the round after set 21; judged 2026-12-05 (26351aa), spent.
    "blind22": ("process_blind22.jsonl", "processes, blind set 22", 23000),
    # Written (efabf45) blind for the round after set 22 (p23-01 seen in development);
    # judged 2026-12-05 (4da41d1), spent.
    "blind23": ("process_blind23.jsonl", "processes, blind set 23", 24000),
    # Written (6dcaae6) blind for the round after set 23; judged 2026-12-05 (ff63a83), spent.
    "blind24": ("process_blind24.jsonl", "processes, blind set 24", 25000),
    # Written (3385cd2) blind for the round after set 24; judged 2026-12-05 (17d99ea), spent.
    "blind25": ("process_blind25.jsonl", "processes, blind set 25", 26000),
    # Written (4cc5770) blind for the round after set 25; judged 2026-12-05 (730e510), spent.
    "blind26": ("process_blind26.jsonl", "processes, blind set 26", 27000),
    # Written (4620f77) blind for the round after set 26; judged 2026-12-06 (5533d20), spent.
    "blind27": ("process_blind27.jsonl", "processes, blind set 27", 28000),
    # Written (da0cc17) blind for the round after set 27; judged 2026-12-06 (92aa78c), spent.
    "blind28": ("process_blind28.jsonl", "processes, blind set 28", 29000),
    # Written (104002e) blind for the round after set 28; judged 2026-12-06 (74cdf24), spent.
    "blind29": ("process_blind29.jsonl", "processes, blind set 29", 30000),
    # Written (3e2eefb) blind for the round after set 29; judged 2026-12-06 (49c9c1f), spent.
    "blind30": ("process_blind30.jsonl", "processes, blind set 30", 31000),
    # Written (009ad08) blind for the round after set 30; judged 2026-12-06 (48fe4ab), spent.
    "blind31": ("process_blind31.jsonl", "processes, blind set 31", 32000),
    # Written (3c78a35) blind for the round after set 31; judged 2026-12-06 (d9883ac), spent.
    "blind32": ("process_blind32.jsonl", "processes, blind set 32", 33000),
    # Written (153cf5f) blind for the round after set 32; judged 2026-12-06 (733a131), spent.
    "blind33": ("process_blind33.jsonl", "processes, blind set 33", 34000),
    # Written (077f72f) blind for the round after set 33; unscored.
    "blind34": ("process_blind34.jsonl", "processes, blind set 34", 35000),
}
DEFAULT_SETS = ",".join(["held-out", *FREE_SETS])


def cpu_name() -> str:
    """Return the CPU model name and core count of this machine."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            import os

            return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    return platform.processor() or "unknown CPU"


def held_out_rows(limit: int | None) -> list[dict]:
    """Return the held-out reference pairs (ids r500-r699), optionally the first `limit`."""
    rows = [r for r in load_reference_pairs() if int(r["id"].lstrip("r")) in HELD_OUT]
    return rows[:limit] if limit else rows


def free_rows(limit: int | None, name: str) -> list[dict]:
    """Return the hand-written free prompts with target node lists from their expected plans."""
    rows = []
    for line in (ROOT / "bench" / name).read_text().splitlines():
        row = json.loads(line)
        if "plan" not in row:
            # Sets written as names and edges (blind8 on): one data-to-data line per edge
            # draws exactly that graph under the explicit semantics.
            # A name the plan language cannot start with ("#eval-results", a
            # channel) is scored as the product can write it ("eval-results").
            lines = [f"{a.lstrip('#@')} > - > {b.lstrip('#@')}" for a, b in row["edges"]]
            row["plan"], row["task"] = "\n".join(["flow", *lines]), "flowchart"
        row["plan"] = _writable_plan(row["plan"])
        plan = parse_plan(row["plan"] + "\nstyle: auto mixed arrow muted labels medium")
        row["node_list"] = nodelist.dumps(layout_plan(plan))
        # The plan's flow items are the user's names: score labels and labelled edges too.
        row["named"] = row["task"] == "flowchart"
        rows.append(row)
    return rows[:limit] if limit else rows


def _writable_plan(text: str) -> str:
    """Return a flow plan with each item as the product can write it.

    A name the plan language cannot hold ("s3://ml-data-prod bucket",
    "recall@k evaluator") is scored as the product can write it from the
    prompt's words, whose spans break at such a character: "ml-data-prod
    bucket", "k evaluator" (as "#eval-results" is "eval-results").
    """
    if not text.startswith("flow"):
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines[1:], 1):
        parts = [
            ", ".join(_writable(item) for item in part.split(", ")) for part in line.split(" > ")
        ]
        lines[i] = " > ".join(parts)
    return "\n".join(lines)


def _writable(item: str) -> str:
    if item == "-" or ITEM_RE.match(item):
        return item
    # The product's spans break at such a character: what follows the last one (the last
    # piece with a word, where the name ends in one: "recs:{user_id}" is "user_id").
    pieces = [p.lstrip("._+#'/&()- ") for p in re.split(r"[^A-Za-z0-9 ._+#'/&()-]", item)]
    return [p for p in pieces if p.strip()][-1][:40].strip()


def summarise(name: str, records: list[dict]) -> dict:
    """Return the table row for one set of per-prompt records."""
    n = len(records)
    scores = [r["score"] for r in records]
    seconds = [r["seconds"] for r in records if r["seconds"] is not None]
    first = [r["first_s"] for r in records if r.get("first_s") is not None]
    named = [r for r in records if "label_recall" in r]
    by_task = {}
    for task in ("dl_model", "flowchart"):
        task_scores = [r["score"] for r in records if r["task"] == task]
        if task_scores:
            by_task[task] = statistics.mean(task_scores)
    return {
        "name": name,
        "prompts": n,
        "mean_score": statistics.mean(scores) if scores else 0.0,
        "by_task": by_task,
        "exact": sum(s >= 0.999 for s in scores),
        "parsable": sum(r["parsable"] for r in records),
        "overlapping": sum(r["overlaps"] > 0 for r in records),
        "off_canvas": sum(r["off_canvas"] > 0 for r in records),
        "failed": sum(r["failed"] for r in records),
        "median_s": statistics.median(seconds) if seconds else None,
        "p95_s": sorted(seconds)[int(0.95 * (len(seconds) - 1))] if seconds else None,
        "first_s": statistics.median(first) if first else None,
        "named": len(named),
        "label_recall": statistics.mean(r["label_recall"] for r in named) if named else None,
        "edge_f1": statistics.mean(r["edge_f1"] for r in named) if named else None,
        "graphs_exact": sum(r["edge_f1"] == 1.0 for r in named),
        "alternative_top": sum(r.get("alternative_top", False) for r in records),
    }


def measure(
    row: dict, node_list: str | None, seconds: float | None, first_s: float | None = None
) -> dict:
    """Return the per-prompt record of one top-ranked output.

    Rows with named targets (`row["named"]`: flowcharts of the free sets)
    also get label recall and labelled-edge F1, 0 when the prompt failed.
    """
    record = {
        "id": row["id"],
        "task": row["task"],
        "seconds": seconds,
        "first_s": first_s,
        "failed": node_list is None,
    }
    if row.get("named"):
        record["label_recall"] = labelled.label_recall(node_list, row["node_list"])
        record["edge_f1"] = labelled.edge_f1(node_list, row["node_list"])
    if node_list is None:
        return {**record, "score": 0.0, "parsable": False, "overlaps": 0, "off_canvas": 0}
    parsed = nodelist.parse(node_list)
    diagram = parsed.diagram
    return {
        **record,
        "score": structural_score(node_list, row["node_list"], row["task"]),
        "parsable": bool(diagram.nodes) and not parsed.errors,
        "overlaps": len(geometry.overlapping_pairs(diagram)),
        "off_canvas": len(geometry.off_canvas_nodes(diagram)),
    }


@dataclass
class Top:
    """The product's top candidate for one prompt (None when nothing valid was drawn)."""

    candidate: object | None
    seconds: float
    first_s: float | None
    alternative_first: bool = False  # the scores alone rank the alternative reading first
    error: str = ""


def draw_top(prompt: str, count: int, generator, scorer, seed: int) -> Top:
    """Draw `count` candidates, rank them as the product does and return the top one, timed."""
    started = time.monotonic()
    first: list[float] = []

    def on_progress(event: dict) -> None:
        # Each candidate is reported when ready; the first is what a user waits for.
        if event.get("candidate") is not None and not first:
            first.append(time.monotonic() - started)

    try:
        result = generate_candidates(
            prompt, count, generator=generator, seed=seed, on_progress=on_progress
        )
    except GenerationError as error:
        return Top(None, time.monotonic() - started, None, error=str(error))
    ranked = scorer.rank([c.diagram for c in result.candidates], [], [], recommend=1, k=3)
    # The product's order: the best reading ahead of the alternative (drawrank).
    readings = [c.structure_rank for c in result.candidates]
    top = result.candidates[reading_first(list(ranked.order), readings)[0]]
    return Top(
        top,
        time.monotonic() - started,
        first[0] if first else None,
        alternative_first=readings[ranked.order[0]] > 0,
    )


def run_model(rows: list[dict], count: int, generator, scorer, seed: int) -> list[dict]:
    """Generate, rank and measure the top candidate for every row."""
    records = []
    for i, row in enumerate(rows):
        top = draw_top(row["prompt"], count, generator, scorer, seed + i)
        if top.candidate is None:
            records.append(measure(row, None, top.seconds))
            continue
        records.append(measure(row, top.candidate.node_list, top.seconds, top.first_s))
        records[-1].update(alternative_top=top.alternative_first, plan=top.candidate.plan)
        names = ""
        if "edge_f1" in records[-1]:
            names = (
                f", labels {records[-1]['label_recall']:.2f}, edges {records[-1]['edge_f1']:.2f}"
            )
        print(
            f"{row['id']}: score {records[-1]['score']:.2f}{names} in {top.seconds:.1f}s",
            file=sys.stderr,
            flush=True,
        )
    return records


def run_baseline(rows: list[dict]) -> list[dict]:
    """Measure the reference-template parser (no LLM) on the same rows."""
    records = []
    for row in rows:
        if row["task"] == "flowchart":
            # The transcription with its names resolved, as a model must write it.
            plan = baseline_parser.reference_plan(row)
        else:
            plan = baseline_parser.parse_dl_prompt(row["prompt"])
        try:
            node_list = nodelist.dumps(layout_plan(plan)) if plan else None
        except LayoutError:
            node_list = None
        records.append(measure(row, node_list, None))
    return records


def command_line(args: argparse.Namespace) -> str:
    """Return the command that reproduces this run (non-default options only)."""
    parts = [".venv/bin/python bench/generation.py", f"--count {args.count}"]
    if args.limit:
        parts.append(f"--limit {args.limit}")
    if args.sets != DEFAULT_SETS:
        parts.append(f"--sets {args.sets}")
    if Path(args.adapter).resolve() != llm.default_adapter_dir().resolve():
        parts.append(f"--adapter {args.adapter}")
    if args.write:
        parts.append("--write")
    return " ".join(parts)


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def markdown(rows: list[dict], command: str) -> str:
    """Return the results as a markdown section."""
    lines = [
        f"## Generation ({date.today().isoformat()}, {cpu_name()})",
        "",
        f"`{command}`; top-ranked candidate per prompt; score = structural score (METRICS.md); "
        "label recall, edge F1 and graphs exact (labelled-edge F1 = 1) over the flowchart "
        "prompts of the free sets (METRICS.md, names and edges); first s = median seconds "
        "to the first finished candidate; alt. top = prompts where the scores alone "
        "rank the model's alternative reading first (the product puts the best reading first).",
        "",
        "| set | prompts | mean score | dl_model | flowchart | exact 1.0 | label recall |"
        " edge F1 | graphs exact | parsable | overlapping | off canvas | failed |"
        " median s | p95 s | first s | alt. top |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        graphs = f"{r['graphs_exact']}/{r['named']}" if r["named"] else "-"
        lines.append(
            f"| {r['name']} | {r['prompts']} | {r['mean_score']:.3f} | "
            f"{_number(r['by_task'].get('dl_model'), 3)} | "
            f"{_number(r['by_task'].get('flowchart'), 3)} | {r['exact']} | "
            f"{_number(r['label_recall'], 3)} | {_number(r['edge_f1'], 3)} | {graphs} | "
            f"{r['parsable']} | {r['overlapping']} | {r['off_canvas']} | {r['failed']} | "
            f"{_number(r['median_s'], 2)} | {_number(r['p95_s'], 2)} | "
            f"{_number(r['first_s'], 2)} | {r['alternative_top']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--limit", type=int, help="only the first N prompts of each set")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--adapter", default=str(llm.default_adapter_dir()))
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    parser.add_argument("--records", help="write per-prompt records (JSON lines) here")
    parser.add_argument(
        "--sets",
        default=DEFAULT_SETS,
        help=f"comma-separated, from: held-out, {', '.join(FREE_SETS)}",
    )
    parser.add_argument(
        "--keep-repeats",
        action="store_true",
        help="draw plans as the model wrote them (repeats.tidy_repeats off), to compare",
    )
    parser.add_argument(
        "--whole-readings-only",
        action="store_true",
        help="no process read in part (flow_reader.read_flow_in_part off), to compare",
    )
    args = parser.parse_args()
    if args.keep_repeats:
        pipeline.tidy_repeats = lambda plan, prompt: plan
    if args.whole_readings_only:
        constrain.read_flow_in_part = lambda prompt, is_name: None
    sets = args.sets.split(",")
    unknown = set(sets) - {"held-out", *FREE_SETS}
    if unknown:
        parser.error(f"unknown set(s): {', '.join(sorted(unknown))}")
    missing = [
        n for n in sets if n in FREE_SETS and not (ROOT / "bench" / FREE_SETS[n][0]).exists()
    ]
    if missing:
        parser.error(f"set(s) not written yet: {', '.join(missing)} (leave them out with --sets)")

    held_out = held_out_rows(args.limit) if "held-out" in sets else []
    free = {name: free_rows(args.limit, FREE_SETS[name][0]) for name in sets if name in FREE_SETS}
    generator = llm.load_generator(adapter=args.adapter)
    models = ROOT / "models" / "scoring"
    scorer = Scorer.load(models / "readability", models / "autoencoder")
    # One warm-up prompt so the first timing does not include lazy initialisation.
    generate_candidates("a 3-4-2 MLP", args.count, generator=generator, seed=0)

    table, kept = [], []
    if held_out:
        records = run_model(held_out, args.count, generator, scorer, 1)
        table.append(summarise("held-out r500-r699", records))
        kept += records
    for name, rows in free.items():
        _, title, seed = FREE_SETS[name]
        records = run_model(rows, args.count, generator, scorer, seed)
        table.append(summarise(title, records))
        kept += records
    if args.records:
        Path(args.records).write_text("".join(json.dumps(r) + "\n" for r in kept))
    if held_out:
        table.append(summarise("baseline: template parser, held-out", run_baseline(held_out)))
    text = markdown(table, command_line(args))
    print(text)
    if args.write:
        with open(ROOT / "docs" / "benchmarks.md", "a", encoding="utf-8") as out:
            out.write("\n" + text)


if __name__ == "__main__":
    main()
