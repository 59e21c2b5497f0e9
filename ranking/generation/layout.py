"""Lay out a Plan as a Diagram on the 1000 x 600 canvas, deterministically.

Nodes sit in a grid of cells (one row or column per layer / flow depth), each
shape smaller than its cell, so shapes never overlap and never leave the
canvas. A plan whose cells would be too small to draw raises LayoutError.
"""

from __future__ import annotations

from ranking.diagrams.model import CANVAS_HEIGHT, CANVAS_WIDTH, Diagram, Node
from ranking.generation.flowgraph import FlowNode, depths, expand_flow, label
from ranking.generation.layerplan import LAYERS, skip_source
from ranking.generation.plan import FLOW, Layer, Plan

MARGIN = 12
# A shape fills at most this share of its cell, so neighbours keep a gap.
FILL = {"small": 0.55, "medium": 0.7, "large": 0.85}
MIN_SHAPE = 8  # px; below this a shape is unreadable, so refuse the plan
MAX_NODES = 120
# Reference convention: per neuron only when no adjacent pair has > 45 weights.
MAX_NEURON_WEIGHTS = 45
# Reference convention: more than 8 layers go left to right.
MAX_VERTICAL_LAYERS = 8
# Layer plans carry long labels ("Conv2D 32, 3x3, relu"): a stack of wide
# boxes reads best, so they go top to bottom up to this many lines.
MAX_VERTICAL_LAYER_LINES = 16
# A residual block steps aside by this share of the cross span, so the
# straight skip edge passes beside its layers instead of through them.
SKIP_SHIFT = 0.28

LINES = {"arrow": "solid arrow", "line": "solid line", "dashed": "dashed line"}

# Palettes: role -> (fill, stroke). Roles: input, hidden, output, conv, pool,
# data, model, func, process.
_PALETTE_BASE = {
    "muted": ((224, 224, 232), (192, 208, 200), (232, 216, 208), (64, 64, 80)),
    "grey": ((240, 240, 240), (208, 208, 208), (176, 176, 176), (48, 48, 48)),
    "bright": ((255, 214, 102), (120, 200, 255), (255, 140, 140), (20, 20, 20)),
    "blue": ((222, 235, 250), (176, 206, 240), (120, 166, 222), (24, 48, 96)),
    "green": ((226, 244, 228), (184, 226, 190), (136, 204, 148), (24, 72, 40)),
    "warm": ((255, 236, 214), (252, 208, 168), (244, 170, 130), (96, 48, 24)),
    "pastel": ((232, 222, 248), (214, 240, 232), (250, 224, 236), (96, 96, 112)),
    "mono": ((255, 255, 255), (255, 255, 255), (255, 255, 255), (0, 0, 0)),
}
_ROLE_TONE = {
    "input": 0,
    "hidden": 1,
    "output": 2,
    "conv": 1,
    "pool": 0,
    "data": 0,
    "model": 1,
    "func": 2,
    "process": 2,
}
# Default shapes per role when the style says "mixed" (the references mix them).
_MIXED_SHAPE = {
    "input": "round rectangle",
    "hidden": "rectangle",
    "output": "round rectangle",
    "neuron": "circle",
    "conv": "rectangle",
    "pool": "round rectangle",
    "data": "circle",
    "model": "round rectangle",
    "func": "rectangle",
    "process": "rectangle",
}
_STYLE_SHAPE = {"circle": "circle", "box": "rectangle", "round": "round rectangle"}


class LayoutError(ValueError):
    """A plan the layout engine cannot draw readably."""


def colours(palette: str, role: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Return (fill, stroke) for a role in a named palette."""
    base = _PALETTE_BASE[palette]
    return base[_ROLE_TONE.get(role, 0)], base[3]


def per_neuron(plan: Plan) -> bool:
    """Return True when the net is drawn one circle per neuron."""
    if plan.family != "net":
        return False
    if plan.granularity:
        return plan.granularity == "neurons"
    sizes = plan.dense_sizes
    return all(a * b <= MAX_NEURON_WEIGHTS for a, b in zip(sizes, sizes[1:], strict=False))


def _horizontal(plan: Plan, n_layers: int) -> bool:
    orient = plan.style["orient"]
    if orient == "auto" and plan.family == LAYERS:
        return n_layers > MAX_VERTICAL_LAYER_LINES
    if orient == "auto":
        return plan.family == FLOW or n_layers > MAX_VERTICAL_LAYERS
    return orient == "right"


def _layer_label(layer: Layer, index: int, last: int) -> str:
    if layer.kind == "input":
        return f"Input {layer.size}x{layer.size}"
    if layer.kind == "conv":
        if layer.size is None:
            return "Conv"
        return (
            f"Conv out {layer.size}" if layer.detail == "out" else f"Conv {layer.size}x{layer.size}"
        )
    if layer.kind == "pool":
        name = {"max": "Max pool", "avg": "Avg pool"}.get(layer.detail, "Pool")
        return name if layer.size is None else f"{name} {layer.size}x{layer.size}"
    if index == 0:
        return f"Input {layer.size}"
    if index == last:
        return f"Output {layer.size}"
    return f"Dense {layer.size}"


def _layer_role(layer: Layer, index: int, last: int) -> str:
    if layer.kind in ("conv", "pool", "input"):
        return layer.kind
    return "input" if index == 0 else "output" if index == last else "hidden"


def _place_grid(
    groups: list[list[dict]], horizontal: bool, plan: Plan, shape_ratio: float = 1.0
) -> list[Node]:
    """Place groups (layers) as rows/columns of cells and return the nodes.

    Each item is a dict with id, targets, role, label and an optional
    `weight` (relative shape length along the row, 0.3..1).
    """
    n_groups = len(groups)
    widest = max(len(group) for group in groups)
    span_main = (CANVAS_WIDTH if horizontal else CANVAS_HEIGHT) - 2 * MARGIN
    span_cross = (CANVAS_HEIGHT if horizontal else CANVAS_WIDTH) - 2 * MARGIN
    cell_main = span_main / n_groups
    cell_cross = span_cross / widest
    fill = FILL[plan.style["size"]]
    nodes = []
    for g, group in enumerate(groups):
        main = MARGIN + cell_main * (g + 0.5)
        offset = (span_cross - cell_cross * len(group)) / 2
        for k, item in enumerate(group):
            cross = MARGIN + offset + cell_cross * (k + 0.5) + item.get("shift", 0.0) * span_cross
            shape = _shape_for(plan, item["role"])
            size_main = cell_main * fill
            size_cross = cell_cross * fill
            if shape == "circle" or item.get("square"):
                side = min(size_main, size_cross, 90)
                size_main = size_cross = side
            else:
                size_main = min(size_main, 70 if not horizontal else 120)
                size_cross = min(size_cross * item.get("weight", 1.0), 260 if horizontal else 400)
                if item.get("shift") is not None:
                    # Room on both sides for a block that steps aside.
                    size_cross = min(size_cross, span_cross * (0.5 - SKIP_SHIFT) * 2 * 0.9)
            if min(size_main, size_cross) < MIN_SHAPE:
                raise LayoutError("too many shapes to draw readably on the canvas")
            x, y = (main, cross) if horizontal else (cross, main)
            w, h = (size_main, size_cross) if horizontal else (size_cross, size_main)
            fill_rgb, stroke = colours(plan.style["palette"], item["role"])
            nodes.append(
                Node(
                    id=item["id"],
                    x=round(x),
                    y=round(y),
                    shape=shape,
                    width=int(w),
                    height=int(h),
                    line=LINES[plan.style["line"]],
                    fill=fill_rgb,
                    stroke=stroke,
                    targets=list(item["targets"]),
                    label=item["label"] if plan.style["labels"] == "labels" else None,
                )
            )
    nodes.sort(key=lambda node: node.id)
    return nodes


def _shape_for(plan: Plan, role: str) -> str:
    chosen = plan.style["shape"]
    if chosen != "mixed":
        return _STYLE_SHAPE[chosen]
    return _MIXED_SHAPE.get(role, "rectangle")


def _layout_net(plan: Plan) -> list[Node]:
    layers = list(plan.layers)
    last = len(layers) - 1
    horizontal = _horizontal(plan, len(layers))
    groups: list[list[dict]] = []
    next_id = 0
    if per_neuron(plan):
        ids = []
        for layer in layers:
            ids.append(list(range(next_id, next_id + layer.size)))
            next_id += layer.size
        if next_id > MAX_NODES:
            raise LayoutError(f"{next_id} neurons are too many to draw")
        for i, layer in enumerate(layers):
            targets = ids[i + 1] if i < last else []
            role = _layer_role(layer, i, last)
            prefix = {"input": "x", "output": "y"}.get(role, "h")
            shape_role = "neuron" if plan.style["shape"] == "mixed" else role
            groups.append(
                [
                    {
                        "id": nid,
                        "targets": targets,
                        "role": shape_role,
                        "label": f"{prefix}{k + 1}",
                        "square": True,
                        "tone": role,
                    }
                    for k, nid in enumerate(ids[i])
                ]
            )
        nodes = _place_grid(groups, horizontal, plan)
        # Neurons take their layer's colour even though their shape role is "neuron".
        tones = {item["id"]: item["tone"] for group in groups for item in group}
        for node in nodes:
            node.fill, node.stroke = colours(plan.style["palette"], tones[node.id])
        return nodes
    biggest = max((layer.size or 1) for layer in layers)
    for i, layer in enumerate(layers):
        # Longer shapes for bigger layers, as in the references (0.35..1 of the cell).
        weight = (
            0.35 + 0.65 * ((layer.size or 1) / biggest) ** 0.5 if layer.kind == "dense" else 0.8
        )
        groups.append(
            [
                {
                    "id": i,
                    "targets": [i + 1] if i < last else [],
                    "role": _layer_role(layer, i, last),
                    "label": _layer_label(layer, i, last),
                    "weight": weight,
                }
            ]
        )
    return _place_grid(groups, horizontal, plan)


def _layout_layers(plan: Plan) -> list[Node]:
    """One shape per layer line in a chain; skip edges go straight past shifted blocks."""
    specs = plan.specs
    last = len(specs) - 1
    skipped: set[int] = set()
    extra_targets: dict[int, list[int]] = {}
    for i in range(len(specs)):
        source = skip_source(specs, i)
        if source is not None:
            skipped.update(range(source + 1, i))
            extra_targets.setdefault(source, []).append(i)
    has_skip = bool(extra_targets)
    groups = []
    for i, spec in enumerate(specs):
        role = spec.role
        if role == "hidden" and i == last:
            role = "output"
        item = {
            "id": i,
            "targets": ([i + 1] if i < last else []) + extra_targets.get(i, []),
            "role": role,
            "label": spec.label(),
            "weight": 0.8,
        }
        if has_skip:
            item["shift"] = SKIP_SHIFT if i in skipped else 0.0
        groups.append([item])
    return _place_grid(groups, _horizontal(plan, len(specs)), plan)


def _flow_role(node: FlowNode) -> str:
    if node.role == "data":
        return "data"
    return node.kind if node.kind in ("model", "func", "process") else "process"


def _pull_sources(graph: list[FlowNode], depth: list[int]) -> list[int]:
    """Return depths with each source moved next to its nearest target.

    Longest-path layering leaves side inputs ("language model that outputs
    png file") in the first column with long edges; one column before their
    first target is where a reader expects them.
    """
    has_parent = {t for node in graph for t in node.targets}
    moved = list(depth)
    for node in graph:
        if node.id not in has_parent and node.targets:
            moved[node.id] = max(0, min(depth[t] for t in node.targets) - 1)
    return moved


def _order_columns(columns: list[list[int]], graph: list[FlowNode]) -> None:
    """Reorder nodes inside each column to reduce edge crossings (barycentre sweeps)."""
    parents: dict[int, list[int]] = {node.id: [] for node in graph}
    for node in graph:
        for t in node.targets:
            parents[t].append(node.id)

    def centred() -> dict[int, float]:
        return {nid: k - (len(col) - 1) / 2 for col in columns for k, nid in enumerate(col)}

    for sweep in range(4):
        forward = sweep % 2 == 0
        order = range(1, len(columns)) if forward else range(len(columns) - 2, -1, -1)
        for c in order:
            pos = centred()
            column = columns[c]

            def key(nid: int, pos=pos, forward=forward) -> tuple[float, float]:
                near = parents[nid] if forward else graph[nid].targets
                if not near:
                    return (pos[nid], pos[nid])
                return (sum(pos[n] for n in near) / len(near), pos[nid])

            column.sort(key=key)


def _layout_flow(plan: Plan) -> list[Node]:
    graph = expand_flow(plan.steps)
    if len(graph) > MAX_NODES:
        raise LayoutError(f"{len(graph)} flowchart nodes are too many to draw")
    try:
        depth = _pull_sources(graph, depths(graph))
    except ValueError as error:
        raise LayoutError(str(error)) from error
    columns: list[list[int]] = [[] for _ in range(max(depth) + 1)]
    for node in graph:
        columns[depth[node.id]].append(node.id)
    _order_columns(columns, graph)
    groups = [
        [
            {
                "id": nid,
                "targets": graph[nid].targets,
                "role": _flow_role(graph[nid]),
                "label": label(graph[nid].word),
                "square": True,
            }
            for nid in column
        ]
        for column in columns
    ]
    return _place_grid(groups, _horizontal(plan, len(columns)), plan)


def layout_plan(plan: Plan) -> Diagram:
    """Return the diagram for a plan; raise LayoutError if it cannot be drawn."""
    if plan.family == FLOW:
        nodes = _layout_flow(plan)
    elif plan.family == LAYERS:
        nodes = _layout_layers(plan)
    else:
        nodes = _layout_net(plan)
    return Diagram(nodes=nodes)
