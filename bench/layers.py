"""Benchmark sequential networks (pasted Keras / PyTorch code and words) (run by hand).

    .venv/bin/python bench/layers.py [--sets layers_blind1] [--count 5] [--limit N] [--write]

For each prompt of a blind set (bench/layers_blind1.jsonl: 15 pasted code
listings, 15 descriptions, each with the exact layer sequence it asks for,
written by someone who never saw the generator), the top-ranked candidate's
plan is read back as a layer sequence and compared:
- type sequence exact: the layer types in order equal the expected ones
  (PyTorch's `linear` counts as `dense`; a `net` plan reads as input + dense
  layers, a `cnn` plan as input + conv/pool + dense);
- numbers right: the share of expected layers, aligned by type, whose
  numbers (units, filters and kernel, pool size, rate, vocabulary and
  dimension, heads) equal the expected ones (a pool's single size k counts
  as k x k: `nn.MaxPool2d(2)` is a 2x2 pool);
- failed: no valid candidate; seconds per prompt for `count` candidates end
  to end, and to the first finished candidate.
`--write` appends the table to docs/benchmarks.md with date and machine.
"""

from __future__ import annotations

import argparse
import difflib
import json
import statistics
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generation import cpu_name, draw_top  # noqa: E402
from ranking.generation import llm  # noqa: E402
from ranking.generation.layerplan import parse_layer_line  # noqa: E402
from ranking.generation.pipeline import generate_candidates  # noqa: E402
from ranking.generation.plan import parse_plan  # noqa: E402
from ranking.scoring.ranker import Scorer  # noqa: E402

SETS = {
    "layers_blind1": ("layers_blind1.jsonl", "networks, blind set 1 (layers)", 8000),
    # Descriptions in prose; judges stage 6.
    "layers_blind2": ("layers_blind2.jsonl", "networks, blind set 2 (layers)", 9000),
    # Written (1a29b58) for the round after stage 6, layers as plan lines; judges stage 7.
    "layers_blind3": ("layers_blind3.jsonl", "networks, blind set 3 (layers)", 10000),
    # Written for the round after stage 7; unscored.
    "layers_blind4": ("layers_blind4.jsonl", "networks, blind set 4 (layers)", 11000),
    # Written (a40ed12) for the round after set 4 is spent; judged the code-order decoder.
    "layers_blind5": ("layers_blind5.jsonl", "networks, blind set 5 (layers)", 12000),
    # Written (55c4cdd) after set 5 was scored; judged the decoder as of 30cfe95 (spent).
    "layers_blind6": ("layers_blind6.jsonl", "networks, blind set 6 (layers)", 13000),
    # Written (967bc1f); its code half went through a development check of the
    # listing reader once. Its prose half judged the list reader as of 36d044b (spent).
    "layers_blind7": ("layers_blind7.jsonl", "networks, blind set 7 (layers)", 14000),
    # Written (9a27ab5) blind; judged the list reader and decoder as of 3b127a6 (spent).
    "layers_blind8": ("layers_blind8.jsonl", "networks, blind set 8 (layers)", 15000),
    # Written (9f37ad5) blind; judged the block reader as of 02204fe, then used for fixes (spent).
    "layers_blind9": ("layers_blind9.jsonl", "networks, blind set 9 (layers)", 16000),
    # Written (56b6911) blind; judged the list reader as of 36d044b (spent).
    "layers_blind10": ("layers_blind10.jsonl", "networks, blind set 10 (layers)", 17000),
    # Written (5ade4be) blind; judged the decoder as of 8220487 (whole-listing drafts; spent).
    "layers_blind11": ("layers_blind11.jsonl", "networks, blind set 11 (layers)", 18000),
    # Written (1a18637) blind; judged the readers as of 04f12ca (spent).
    "layers_blind12": ("layers_blind12.jsonl", "networks, blind set 12 (layers)", 19000),
    # Written (7e46355) blind; judged drafted numbers held, as of f13241d (spent).
    "layers_blind13": ("layers_blind13.jsonl", "networks, blind set 13 (layers)", 20000),
    # Written (ea20e3d) blind for the round after set 13; unscored.
    "layers_blind14": ("layers_blind14.jsonl", "networks, blind set 14 (layers)", 21000),
    # Written (1150229) blind for the round after set 14; unscored.
    "layers_blind15": ("layers_blind15.jsonl", "networks, blind set 15 (layers)", 22000),
    # Written (8f53353) blind for the round after set 15; unscored.
    "layers_blind16": ("layers_blind16.jsonl", "networks, blind set 16 (layers)", 23000),
    # Written (1a5e3da) blind for the round after set 16; judged 2026-12-05, spent.
    "layers_blind17": ("layers_blind17.jsonl", "networks, blind set 17 (layers)", 24000),
    # Written (34a85af) blind for the round after set 17; judged 2026-12-05, spent.
    "layers_blind18": ("layers_blind18.jsonl", "networks, blind set 18 (layers)", 25000),
    # Written (ad6bd88) blind for the round after set 18; judged 2026-12-05 (4d08aed), spent.
    "layers_blind19": ("layers_blind19.jsonl", "networks, blind set 19 (layers)", 26000),
    # Written (abd9ed3) blind for the round after set 19; judged 2026-12-05 (6acd442), spent.
    "layers_blind20": ("layers_blind20.jsonl", "networks, blind set 20 (layers)", 27000),
    # Written (f9ee23d) blind for the round after set 20; judged 2026-12-05 (3dab369), spent.
    "layers_blind21": ("layers_blind21.jsonl", "networks, blind set 21 (layers)", 28000),
    # Written (3dab369) blind for the round after set 21; judged 2026-12-05 (26351aa), spent.
    "layers_blind22": ("layers_blind22.jsonl", "networks, blind set 22 (layers)", 29000),
    # Written (c918d18) blind for the round after set 22; judged 2026-12-05 (4da41d1), spent.
    "layers_blind23": ("layers_blind23.jsonl", "networks, blind set 23 (layers)", 30000),
    # Written (35b801a) blind for the round after set 23; judged 2026-12-05 (ff63a83), spent.
    "layers_blind24": ("layers_blind24.jsonl", "networks, blind set 24 (layers)", 31000),
    # Written (ee50e74) blind for the round after set 24; judged 2026-12-05 (17d99ea), spent.
    "layers_blind25": ("layers_blind25.jsonl", "networks, blind set 25 (layers)", 32000),
    # Written (7af4be6) blind for the round after set 25; judged 2026-12-05 (730e510), spent.
    "layers_blind26": ("layers_blind26.jsonl", "networks, blind set 26 (layers)", 33000),
    # Written (598bf1f) blind for the round after set 26; judged 2026-12-06 (5533d20), spent.
    "layers_blind27": ("layers_blind27.jsonl", "networks, blind set 27 (layers)", 34000),
    # Written (96799d7) blind for the round after set 27; judged 2026-12-06 (92aa78c), spent.
    "layers_blind28": ("layers_blind28.jsonl", "networks, blind set 28 (layers)", 35000),
    # Written (5450d24) blind for the round after set 28; judged 2026-12-06 (74cdf24), spent.
    "layers_blind29": ("layers_blind29.jsonl", "networks, blind set 29 (layers)", 36000),
    # Written (99c7091) blind for the round after set 29; judged 2026-12-06 (454d086), spent.
    "layers_blind30": ("layers_blind30.jsonl", "networks, blind set 30 (layers)", 37000),
    # Written (f8279c9) blind for the round after set 30; judged 2026-12-06 (48fe4ab), spent.
    "layers_blind31": ("layers_blind31.jsonl", "networks, blind set 31 (layers)", 38000),
    # Written (c649ba8) blind for the round after set 31; its expected layers were printed
    # by a development script before it was scored (2026-12-06): not blind, never judge with it.
    "layers_blind32": ("layers_blind32.jsonl", "networks, set 32 (layers; seen, not blind)", 39000),
    # Written (b7b79f9) blind for the round after set 31, in place of set 32; judged
    # 2026-12-06 (d9883ac), spent.
    "layers_blind33": ("layers_blind33.jsonl", "networks, blind set 33 (layers)", 40000),
    # Written (4bea642) blind for the round after set 33; judged 2026-12-06 (733a131), spent.
    "layers_blind34": ("layers_blind34.jsonl", "networks, blind set 34 (layers)", 41000),
    # Written (15a8bd2) blind for the round after set 34; unscored.
    "layers_blind35": ("layers_blind35.jsonl", "networks, blind set 35 (layers)", 42000),
}
POOLS = ("maxpool", "avgpool")


def _as_layer(spec) -> tuple[str, tuple[float, ...]]:
    return spec.category, tuple(spec.numbers)


def expected_layers(row: dict) -> list[tuple[str, tuple[float, ...]]]:
    """Return a row's expected layers as (type, numbers): pairs, or plan lines (set 3 on)."""
    return [
        _as_layer(parse_layer_line(layer))
        if isinstance(layer, str)
        else (layer[0], tuple(layer[1]))
        for layer in row["layers"]
    ]


def _numbers(kind: str, numbers: tuple) -> tuple[float, ...]:
    # `nn.MaxPool2d(2)` is a 2x2 pool: "maxpool 2" and "maxpool 2x2" say the same.
    values = tuple(float(v) for v in numbers)
    return values * 2 if kind in POOLS and len(values) == 1 else values


def plan_layers(plan_text: str) -> list[tuple[str, tuple[float, ...]]]:
    """Return a plan's layers as (type, numbers), in the blind sets' vocabulary."""
    plan = parse_plan(plan_text)
    if plan.family == "layers":
        return [_as_layer(spec) for spec in plan.specs]
    if plan.family == "net":
        sizes = plan.dense_sizes
        return [("input", (sizes[0],))] + [("dense", (size,)) for size in sizes[1:]]
    if plan.family == "cnn":
        out = []
        for layer in plan.layers:
            if layer.kind == "input":
                out.append(("input", (layer.size, layer.size)))
            elif layer.kind == "conv":
                out.append(("conv2d", (layer.size, layer.size) if layer.size else ()))
            elif layer.kind == "pool":
                kind = "avgpool" if layer.detail == "avg" else "maxpool"
                out.append((kind, (layer.size, layer.size) if layer.size else ()))
            else:
                out.append(("dense", (layer.size,)))
        return out
    return []


def compare(got: list[tuple], expected: list[tuple]) -> dict:
    """Return type-sequence exactness and how many expected layers have the right numbers."""
    got_types = [kind for kind, _ in got]
    want_types = [kind for kind, _ in expected]
    matcher = difflib.SequenceMatcher(a=want_types, b=got_types, autojunk=False)
    right = 0
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            kind = want_types[block.a + k]
            want = _numbers(kind, expected[block.a + k][1])
            have = _numbers(kind, got[block.b + k][1])
            right += want == have
    return {"types_exact": got_types == want_types, "numbers_right": right, "layers": len(expected)}


def run(rows: list[dict], count: int, generator, scorer, seed: int) -> list[dict]:
    """Generate, rank and compare the top candidate for every row."""
    records = []
    for i, row in enumerate(rows):
        expected = expected_layers(row)
        top = draw_top(row["prompt"], count, generator, scorer, seed + i)
        base = {"id": row["id"], "kind": row["kind"], "first_s": top.first_s}
        if top.candidate is None:
            records.append(
                {
                    **base,
                    "failed": True,
                    "types_exact": False,
                    "numbers_right": 0,
                    "layers": len(expected),
                    "seconds": None,
                    "plan": top.error[:200],
                }  # fmt: skip
            )
            print(f"{row['id']}: failed", file=sys.stderr, flush=True)
            continue
        record = compare(plan_layers(top.candidate.plan), expected)
        record.update(base, failed=False, seconds=top.seconds, plan=top.candidate.plan)
        records.append(record)
        print(
            f"{row['id']} ({row['kind']}): types {'ok' if record['types_exact'] else 'WRONG'}, "
            f"numbers {record['numbers_right']}/{record['layers']} in {top.seconds:.1f}s",
            file=sys.stderr,
            flush=True,
        )
    return records


def summarise(name: str, records: list[dict]) -> dict:
    seconds = [r["seconds"] for r in records if r["seconds"] is not None]
    first = [r["first_s"] for r in records if r["first_s"] is not None]
    row = {"name": name, "prompts": len(records)}
    for kind in ("code", "words", None):
        part = [r for r in records if kind is None or r["kind"] == kind]
        label = kind or "all"
        row[label] = {
            "n": len(part),
            "types_exact": sum(r["types_exact"] for r in part),
            "numbers": sum(r["numbers_right"] for r in part)
            / max(1, sum(r["layers"] for r in part)),
            "failed": sum(r["failed"] for r in part),
        }
    row["median_s"] = statistics.median(seconds) if seconds else None
    row["first_s"] = statistics.median(first) if first else None
    return row


def markdown(rows: list[dict], command: str) -> str:
    lines = [
        f"## Sequential networks ({date.today().isoformat()}, {cpu_name()})",
        "",
        f"`{command}`; top-ranked candidate per prompt; types exact = the layer-type sequence "
        "equals the expected one; numbers = share of expected layers (aligned by type) with "
        "the right numbers.",
        "",
        "| set | part | prompts | types exact | numbers right | failed | median s | first s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        for part in ("all", "code", "words"):
            p = r[part]
            share = p["types_exact"] / p["n"] if p["n"] else 0.0
            timing = (
                f"{r['median_s']:.2f} | {r['first_s']:.2f}"
                if part == "all" and r["median_s"] is not None and r["first_s"] is not None
                else "- | -"
            )
            lines.append(
                f"| {r['name']} | {part} | {p['n']} | {p['types_exact']} ({share:.2f}) | "
                f"{p['numbers']:.3f} | {p['failed']} | {timing} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--adapter", default=str(llm.default_adapter_dir()))
    parser.add_argument("--sets", default="layers_blind1", help=f"from: {', '.join(SETS)}")
    parser.add_argument("--set-file", help="another set in the same format (instead of --sets)")
    parser.add_argument("--records", help="write per-prompt records (JSON lines) here")
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    generator = llm.load_generator(adapter=args.adapter)
    models = ROOT / "models" / "scoring"
    scorer = Scorer.load(models / "readability", models / "autoencoder")
    generate_candidates("a 3-4-2 MLP", args.count, generator=generator, seed=0)
    table, all_records = [], []
    chosen = (
        [(Path(args.set_file), args.set_file, 0)]
        if args.set_file
        else [(ROOT / "bench" / SETS[name][0], *SETS[name][1:]) for name in args.sets.split(",")]
    )
    for path, title, seed in chosen:
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        records = run(
            rows[: args.limit] if args.limit else rows, args.count, generator, scorer, seed
        )
        all_records += records
        table.append(summarise(title, records))
    chosen_sets = f"--set-file {args.set_file}" if args.set_file else f"--sets {args.sets}"
    command = f".venv/bin/python bench/layers.py --count {args.count} {chosen_sets}"
    if Path(args.adapter).resolve() != llm.default_adapter_dir().resolve():
        command += f" --adapter {args.adapter}"
    text = markdown(table, command)
    print(text)
    if args.records:
        Path(args.records).write_text("".join(json.dumps(r) + "\n" for r in all_records))
    if args.write:
        with open(ROOT / "docs" / "benchmarks.md", "a", encoding="utf-8") as out:
            out.write("\n" + text)


if __name__ == "__main__":
    main()
