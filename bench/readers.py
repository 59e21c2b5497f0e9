"""Coverage and precision of the prompt readers, without the model (run by hand).

    .venv/bin/python bench/readers.py [--synthetic 6000] [--seeds 5,99,7] [--skip-sets NAMES]

The readers decide structure for the decoder, so a wrong reading is drawn:
- networks in words (`layer_list.list_order`, with `layer_blocks`): of the
  prompts in words of the layer sets, how many are read and how many of
  those have the expected layer types (an input said only in a title may
  be left out); of synthetic examples, how many networks are read and how
  many differ from their plan's types or write a number the step does not
  allow; how many process and free prompts are read as networks (none
  should be);
- drafted numbers (`LayerRules.drafts`, held by `_drafted_numbers`): of the
  layer sets' steps with a draft, how many drafts have the expected numbers,
  and how many the expected activation (held where the draft has one);
- inputs (`LayerRules.input_required`): of the layer sets' prompts that may
  write an input line, how many expect one, how many must write one, and
  how many of those expect it;
- processes (`flow_reader.read_flow`, as `StructureChecker` uses it): of the
  hand-written flow prompts (free sets and process sets), how many are read
  and how many of those draw the expected labelled edges; of synthetic
  processes, how many are read and how many differ from their plan line for
  line; how many reference-template prompts are read (none should be);
  and of the hand-written prompts read in part (`read_flow_in_part`), how
  many edges their lines draw and how many of those the set's graph has;
- output lists and put-only stores (`coordination.ListRules`,
  `prose_names.put_only`): of hand-written flow prompts, synthetic
  processes and reference prompts, how many have an output list or a store
  data is only put into, and how many expected plans break such a rule (a
  listed output written without its mates on its step's line, a put-only
  store written as a processor);
- names (`constrain.prompt_spans`, with `prose_names.is_name_span`): of the
  names the expected plans of hand-written flow prompts and synthetic
  processes write, how many the decoder does not offer (none should be).
No model runs and nothing is scored for judging; still, sets not yet scored
are left out (`--skip-sets`), so that no check is ever run on a fresh set.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generation import FREE_SETS, free_rows  # noqa: E402
from bench.layers import SETS as LAYER_SETS  # noqa: E402
from ranking.diagrams import labelled, nodelist  # noqa: E402
from ranking.diagrams.data import load_reference_pairs  # noqa: E402
from ranking.generation.constrain import LayerRules, StructureChecker, prompt_spans  # noqa: E402
from ranking.generation.flowgraph import name_key  # noqa: E402
from ranking.generation.layer_list import list_order  # noqa: E402
from ranking.generation.layerplan import parse_layer_line  # noqa: E402
from ranking.generation.layout import layout_plan  # noqa: E402
from ranking.generation.plan import parse_plan  # noqa: E402
from ranking.generation.prose_names import data_only  # noqa: E402
from ranking.generation.synth import generate_examples  # noqa: E402

STYLE = "\nstyle: auto mixed arrow muted labels medium"
# (`flow` is read with getattr so that the script also runs on a checkout from
# before the flow reader, for a before/after comparison.)


def _category(kind: str) -> str:
    return "dense" if kind == "linear" else kind


def _expected(row: dict) -> list | None:
    """Return a layer row's expected specs, or None for sets written as (type, numbers)."""
    if not all(isinstance(layer, str) for layer in row["layers"]):
        return None
    return [parse_layer_line(layer) for layer in row["layers"]]


def _without_title_input(expected: list, steps: tuple) -> list:
    """Drop an expected input the reading leaves to its title (the decoder allows one)."""
    if expected and expected[0].kind == "input" and "input" not in steps[0].kinds:
        return expected[1:]
    return expected


def _types_match(expected: list, steps: tuple) -> bool:
    return len(expected) == len(steps) and all(
        spec.kind in step.kinds or _category(spec.kind) in {_category(k) for k in step.kinds}
        for spec, step in zip(expected, steps, strict=True)
    )


def layer_rows(names: list[str]) -> list[dict]:
    """Return the rows of the layer sets `names`."""
    rows = []
    for name in names:
        path = ROOT / "bench" / LAYER_SETS[name][0]
        rows += [json.loads(line) for line in path.read_text().splitlines()]
    return rows


def _expected_kinds(row: dict) -> list[str]:
    """Return a layer row's expected types, from plan lines or (type, numbers) pairs."""
    specs = _expected(row)
    return [spec.kind for spec in specs] if specs else [layer[0] for layer in row["layers"]]


def networks_in_words(rows: list[dict]) -> str:
    words = [row for row in rows if row.get("kind") == "words"]
    read = right = 0
    for row in words:
        steps = list_order(row["prompt"])
        if steps is None:
            continue
        read += 1
        expected = _expected_kinds(row)
        if expected[0] == "input" and "input" not in steps[0].kinds:
            expected = expected[1:]
        right += len(expected) == len(steps) and all(
            _category(kind) in {_category(k) for k in step.kinds}
            for kind, step in zip(expected, steps, strict=True)
        )
    return f"networks in words, layer sets: {len(words)} prompts, read {read}, right {right}"


def synthetic_networks(count: int, flow_sets: list[str]) -> str:
    read = wrong = 0
    for example in generate_examples(count, seed=4242):
        steps = list_order(example.prompt)
        if steps is None:
            continue
        read += 1
        lines = example.plan.split("\nstyle:")[0].split("\n")
        if lines[0] != "layers":
            wrong += 1
            continue
        expected = _without_title_input([parse_layer_line(line) for line in lines[1:]], steps)
        if len(steps) > len(lines) - 1:
            wrong += 1
            continue
        numbers_ok = all(
            step.numbers is None
            or {p for w in line.split(" ")[1:] for p in w.split("x") if p[:1].isdigit()}
            <= step.numbers
            for line, step in zip(lines[len(lines) - len(steps) :], steps, strict=True)
        )
        wrong += not (_types_match(expected, steps) and numbers_ok)
    others = sum(
        list_order(row["prompt"]) is not None
        for name in flow_sets
        for row in free_rows(None, FREE_SETS[name][0])
    )
    return (
        f"networks, {count} synthetic examples: read {read}, wrong {wrong}; "
        f"process and free prompts read as networks: {others}"
    )


def drafts(rows: list[dict]) -> str:
    right = wrong = activations = 0
    for row in rows:
        rules = LayerRules.for_prompt(row["prompt"])
        expected = _expected(row)
        if rules.order is None or expected is None:
            continue
        expected = _without_title_input(expected, rules.order)
        if len(expected) != len(rules.order):
            continue
        for spec, draft in zip(expected, rules.drafts, strict=True):
            if not draft:
                continue
            got = parse_layer_line(draft.strip())
            if _category(got.kind) != _category(spec.kind):
                continue
            if tuple(got.numbers) == tuple(spec.numbers):
                right += 1
            else:
                wrong += 1
            activations += got.activation == spec.activation
    return (
        f"drafted layer lines, layer sets: {right} with the expected numbers, {wrong} without; "
        f"{activations} of {right + wrong} with the expected activation"
    )


def required_inputs(rows: list[dict]) -> str:
    """Of prompts whose read order has no input: inputs required, and how many are right."""
    optional = required = right = expected = 0
    for row in rows:
        rules = LayerRules.for_prompt(row["prompt"])
        if not rules.input_optional:
            continue
        optional += 1
        first = row["layers"][0]
        wants = (first if isinstance(first, str) else str(first[0])).startswith("input")
        expected += wants
        required += rules.input_required
        right += rules.input_required and wants
    return (
        f"layer inputs, layer sets: {optional} prompts may write one, {expected} expect one; "
        f"required {required}, of which expected {right}"
    )


def hand_written_flows(flow_sets: list[str]) -> str:
    read = exact = total = in_part = edges = expected = 0
    for name in flow_sets:
        for row in free_rows(None, FREE_SETS[name][0]):
            if row["task"] != "flowchart":
                continue
            total += 1
            checker = StructureChecker.for_prompt(row["prompt"])
            if checker.in_part is not None:
                # Read in part: how many of the lines' edges the set's graph has.
                in_part += 1
                plan = parse_plan("\n".join(["flow", *checker.in_part.lines]) + STYLE)
                drawn = labelled.labelled_graph(nodelist.dumps(layout_plan(plan)))[1]
                edges += len(drawn)
                expected += len(drawn & labelled.labelled_graph(row["node_list"])[1])
            if checker.flow is None:
                continue
            read += 1
            plan = parse_plan("\n".join(["flow", *checker.flow]) + STYLE)
            drawn = nodelist.dumps(layout_plan(plan))
            exact += labelled.edge_f1(drawn, row["node_list"]) == 1.0
    return (
        f"processes, hand-written flow prompts: {total}, read {read}, expected edges {exact}; "
        f"read in part {in_part}: {edges} edges, {expected} of them expected"
    )


def synthetic_flows(count: int, seeds: list[int]) -> str:
    read = differ = 0
    for seed in seeds:
        for example in generate_examples(count, seed=seed):
            if example.source != "processes":
                continue
            lines = getattr(StructureChecker.for_prompt(example.prompt), "flow", None)
            if lines is None:
                continue
            read += 1
            differ += lines != tuple(example.plan.split("\nstyle:")[0].split("\n")[1:])
    references = sum(
        getattr(StructureChecker.for_prompt(row["prompt"]), "flow", None) is not None
        for row in load_reference_pairs()
    )
    return (
        f"processes, {count * len(seeds)} synthetic examples: read {read}, "
        f"differ from their plan {differ}; reference prompts read {references}"
    )


def offered_names(flow_sets: list[str], count: int, seeds: list[int]) -> str:
    """Count the names expected plans write that the decoder does not offer for their prompt."""
    rows = [row for name in flow_sets for row in free_rows(None, FREE_SETS[name][0])]
    hand = [(row["prompt"], row["plan"]) for row in rows if row["task"] == "flowchart"]
    synthetic = [
        (example.prompt, example.plan)
        for seed in seeds
        for example in generate_examples(count, seed=seed)
        if example.source == "processes"
    ]
    parts = []
    for label, pairs in (("hand-written", hand), ("synthetic", synthetic)):
        names = refused = 0
        for prompt, plan in pairs:
            spans = set(prompt_spans(prompt))
            written = {
                item.strip()
                for line in plan.split("\nstyle:")[0].splitlines()[1:]
                for part in line.split(" > ")
                for item in part.split(", ")
            } - {"-", ""}
            names += len(written)
            refused += len(written - spans)
        parts.append(f"{label} {len(pairs)} prompts: {names} names, not offered {refused}")
    return "names of expected plans: " + "; ".join(parts)


def _breaks(prompt: str, plan: str) -> tuple[bool, bool, bool, bool]:
    """Return (has a list, plan breaks one, has a put-only store, plan writes one as a step)."""
    checker = StructureChecker.for_prompt(prompt)
    lists = getattr(checker, "lists", None)
    stores = checker.data_only - data_only(prompt)
    listed, broken, stepped = frozenset(), False, False
    for line in plan.split("\nstyle:")[0].split("\n")[1:]:
        parts = line.split(" > ")
        if len(parts) != 3:
            return bool(lists), False, bool(stores), False
        stepped |= name_key(parts[1]) in stores
        if lists and parts[2] != "-":
            broken |= lists.violates(parts[2].split(", "), parts[1], listed)
            listed |= lists.written_whole(parts, listed)
    return bool(lists), broken, bool(stores), stepped


def lists_and_stores(flow_sets: list[str], count: int, seeds: list[int]) -> str:
    sources = {
        "hand-written": [
            (row["prompt"], row["plan"])
            for name in flow_sets
            for row in free_rows(None, FREE_SETS[name][0])
            if row["task"] == "flowchart" and row.get("plan")
        ],
        f"{count * len(seeds)} synthetic": [
            (e.prompt, e.plan)
            for seed in seeds
            for e in generate_examples(count, seed=seed)
            if e.source == "processes"
        ],
        "reference": [(row["prompt"], "flow") for row in load_reference_pairs()],
    }
    parts = []
    for name, rows in sources.items():
        counts = [0, 0, 0, 0]
        for prompt, plan in rows:
            for i, flag in enumerate(_breaks(prompt, plan)):
                counts[i] += flag
        parts.append(
            f"{name} {len(rows)}: with an output list {counts[0]} (plan breaks it {counts[1]}), "
            f"with a put-only store {counts[2]} (plan makes it a step {counts[3]})"
        )
    return "processes, lists and stores: " + "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--synthetic", type=int, default=6000)
    parser.add_argument("--seeds", default="5,99,7", help="synthetic seeds for processes")
    parser.add_argument(
        "--skip-sets",
        default="layers_blind35,blind34",
        help="sets not yet scored, left out",
    )
    args = parser.parse_args()
    skip = set(args.skip_sets.split(","))
    rows = layer_rows([name for name in LAYER_SETS if name not in skip])
    flow_sets = [name for name in FREE_SETS if name not in skip]
    seeds = [int(seed) for seed in args.seeds.split(",")]
    for line in (
        networks_in_words(rows),
        synthetic_networks(args.synthetic, flow_sets),
        drafts(rows),
        required_inputs(rows),
        hand_written_flows(flow_sets),
        synthetic_flows(args.synthetic, seeds),
        lists_and_stores(flow_sets, args.synthetic, seeds),
        offered_names(flow_sets, args.synthetic, seeds),
    ):
        print(line, flush=True)


if __name__ == "__main__":
    main()
