"""Readability invariants: clean diagrams score >= 4, their broken twins <= 2 and below them.

    .venv/bin/python bench/readability_invariants.py [--layouts 200] [--hand 100]
        [--weights models/scoring/readability-v2]

Clean diagrams: layouts of the shipped layout engine (the scorer corpus's
random plans and styles) and hand-placed layered diagrams of 2 to 40 shapes
(evenly spaced rows, each shape joined to its nearest shapes in the next row,
short labels or none). Each gets four broken twins (ranking.scoring.twins):
piled on the centre, slid off the canvas, shrunk to 4 px specks, and its
shapes traded so the edges cross as much as they can (when any placement
crosses). Reports, per scorer, the share of clean diagrams scoring >= 4, of
twins scoring <= 2 and below their clean original, and of twins whose
reasons name the defect. Layout-engine diagrams with a measured defect of
their own (a crossing, a line through a shape, a label cut off) are counted
apart: the engine drew them, but they are not clean.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scoring_speed import cpu_name  # noqa: E402
from ranking.diagrams.model import CANVAS_HEIGHT, CANVAS_WIDTH, Diagram, Node  # noqa: E402
from ranking.scoring import aesthetics, twins  # noqa: E402
from ranking.scoring.corpus import styled_diagrams  # noqa: E402
from ranking.scoring.ranker import MODELS_DIR  # noqa: E402
from ranking.scoring.readability import ReadabilityEnsemble  # noqa: E402

# A measured cost above this is a defect: the diagram is not clean.
DEFECT_COST = 0.3
SHAPES = ("rectangle", "round rectangle", "circle")


def hand_placed(n: int, rng: random.Random) -> Diagram:
    """Return a clean layered diagram of `n` shapes placed by hand (evenly spaced rows)."""
    rows = max(1, min(n, round(rng.uniform(1.0, 2.0) * np.sqrt(n)))) if n > 2 else n
    sizes = [n // rows + (1 if i < n % rows else 0) for i in range(rows)]
    down = rng.random() < 0.5
    along, across = (CANVAS_HEIGHT, CANVAS_WIDTH) if down else (CANVAS_WIDTH, CANVAS_HEIGHT)
    nodes, layers, ident = [], [], 0
    for r, count in enumerate(sizes):
        layer = []
        for k in range(count):
            a = along * (r + 0.5) / rows
            c = across * (k + 0.5) / count
            side = 0.5 * min(along / rows, across / max(sizes))
            x, y = (c, a) if down else (a, c)
            label = rng.choice([None, f"step {ident}", f"L{ident}"])
            nodes.append(Node(ident, x, y, rng.choice(SHAPES), side * 1.4, side, label=label))
            layer.append(nodes[-1])
            ident += 1
        layers.append(layer)
    for upper, lower in zip(layers, layers[1:], strict=False):
        for k, node in enumerate(upper):
            # The nearest shapes of the next row by relative position: no crossings.
            share = (k + 0.5) / len(upper)
            near = min(len(lower) - 1, int(share * len(lower)))
            node.targets.append(lower[near].id)
        for k, node in enumerate(lower):
            if not any(node.id in u.targets for u in upper):
                upper[min(len(upper) - 1, int((k + 0.5) / len(lower) * len(upper)))].targets.append(
                    node.id
                )
    return Diagram(nodes)


def is_clean(diagram: Diagram) -> bool:
    """Return whether no measured factor costs more than DEFECT_COST."""
    return max(aesthetics.costs(aesthetics.measure(diagram)).values()) <= DEFECT_COST


def check(model: ReadabilityEnsemble, clean: list[Diagram]) -> dict:
    """Return the invariant shares for one scorer over these clean diagrams."""
    scores, _ = model.assess(clean)
    out = {"clean": len(clean), "clean >= 4": float((scores >= 4).mean()), "twins": {}}
    for name, (make, factor) in twins.TWINS.items():
        pairs = [(i, make(d)) for i, d in enumerate(clean)]
        pairs = [(i, t) for i, t in pairs if t is not None]
        if not pairs:
            continue
        twin_scores, _ = model.assess([t for _, t in pairs])
        named = [factor in aesthetics.costliest(aesthetics.measure(t), limit=3) for _, t in pairs]
        original = scores[[i for i, _ in pairs]]
        out["twins"][name] = {
            "n": len(pairs),
            "<= 2": float((twin_scores <= 2).mean()),
            "below clean": float((twin_scores < original).mean()),
            "reason named": float(np.mean(named)),
            "max": float(twin_scores.max()),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layouts", type=int, default=200)
    parser.add_argument("--hand", type=int, default=100)
    parser.add_argument(
        "--weights",
        nargs="+",
        default=[
            str(MODELS_DIR / "scoring" / "readability"),
            str(MODELS_DIR / "scoring" / "readability-v2"),
        ],
    )
    args = parser.parse_args()
    rng = random.Random(0)
    engine = [item.diagram for item in styled_diagrams(args.layouts, 11)]
    engine_clean = [d for d in engine if is_clean(d)]
    defects = Counter(
        name
        for d in engine
        if not is_clean(d)
        for name in aesthetics.costliest(aesthetics.measure(d), limit=1)
    )
    hand = [hand_placed(rng.randint(2, 40), rng) for _ in range(args.hand)]
    hand = [d for d in hand if is_clean(d)]
    print(
        f"Readability invariants - {date.today()}, {cpu_name()}, "
        f"`.venv/bin/python bench/readability_invariants.py --layouts {args.layouts} "
        f"--hand {args.hand}`\n"
    )
    print(
        f"Layout-engine diagrams: {len(engine)}, of which {len(engine_clean)} without a measured "
        f"defect; the others' worst defect: {dict(defects)}. Hand-placed clean diagrams "
        f"(2-40 shapes): {len(hand)}.\n"
    )
    print(
        "| scorer | set | clean >= 4 | twin | n | twin <= 2 | below clean "
        "| reason names it | worst twin |"
    )
    print("|---|---|---:|---|---:|---:|---:|---:|---:|")
    for weights in args.weights:
        model = ReadabilityEnsemble.load(Path(weights))
        name = Path(weights).name
        for label, clean in (("layout engine, clean", engine_clean), ("hand-placed", hand)):
            result = check(model, clean)
            for twin, row in result["twins"].items():
                print(
                    f"| {name} | {label} (n={result['clean']}) | {result['clean >= 4']:.0%} | "
                    f"{twin} | {row['n']} | {row['<= 2']:.0%} | {row['below clean']:.0%} | "
                    f"{row['reason named']:.0%} | {row['max']:.2f} |"
                )
        scores, _ = model.assess(engine)
        print(
            f"| {name} | every layout-engine diagram (n={len(engine)}) | "
            f"{(scores >= 4).mean():.0%} | | | | | | |"
        )


if __name__ == "__main__":
    main()
