"""Show the plan the model writes next to the plan a free-phrasing prompt asks for.

    .venv/bin/python bench/plan_misses.py [--adapter DIR] [--sets blind2,blind3] [IDS ...]

One sampled candidate per prompt (seed 0), for reading a benchmark's misses;
without IDS every prompt of the sets is shown, with "ok" where the plans
agree line for line. Flowchart rows also show the candidate's label recall
and labelled-edge F1 against the expected plan's names (METRICS.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generation import FREE_SETS, free_rows  # noqa: E402
from ranking.diagrams import labelled  # noqa: E402
from ranking.generation import llm  # noqa: E402
from ranking.generation.pipeline import GenerationError, generate_candidates  # noqa: E402


def structure(plan_text: str) -> str:
    """Return a plan without its style line, one line, for printing."""
    return " | ".join(line for line in plan_text.splitlines() if not line.startswith("style:"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*", help="prompt ids (default: all)")
    parser.add_argument("--adapter", default=str(llm.default_adapter_dir()))
    parser.add_argument("--sets", default=",".join(FREE_SETS))
    args = parser.parse_args()
    generator = llm.load_generator(adapter=args.adapter)
    for name in args.sets.split(","):
        for row in free_rows(None, FREE_SETS[name][0]):
            if args.ids and row["id"] not in args.ids:
                continue
            node_list = None
            try:
                result = generate_candidates(row["prompt"], 1, generator=generator, seed=0)
                got = structure(result.candidates[0].plan)
                node_list = result.candidates[0].node_list
            except GenerationError as error:
                got = f"failed: {error}"
            want = structure(row["plan"])
            names = ""
            if row["named"]:
                recall = labelled.label_recall(node_list, row["node_list"])
                f1 = labelled.edge_f1(node_list, row["node_list"])
                names = f" [labels {recall:.2f}, edges F1 {f1:.2f}]"
            print(f"{row['id']} {'ok' if got == want else 'MISS'}{names}: {row['prompt']}")
            if got != want:
                print(f"    want: {want}\n    got:  {got}")


if __name__ == "__main__":
    main()
