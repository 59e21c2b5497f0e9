"""Check a plan a person typed: lay it out, or say what is wrong and on which line.

Plain Python over the plan parser and layout engine (no database), shared
by the live preview and by saving a revision so both accept the same plans.
Errors are `{"line": n or None, "message": "..."}` in the words a person
editing the plan needs ("line 3: a step needs 'inputs > processor >
outputs'"); the parser's own message is kept when there is no plainer one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

from ranking.diagrams import nodelist, render
from ranking.diagrams.model import Diagram
from ranking.generation.layerplan import LAYERS, parse_layer_line
from ranking.generation.layout import LayoutError, layout_plan
from ranking.generation.plan import (
    FLOW,
    MAX_FLOW_LINES,
    NET_FAMILIES,
    STYLE_CHOICES,
    Plan,
    PlanError,
    parse_plan,
    parse_step,
    parse_style,
)

# (pattern of the parser's message, plainer message); the first match wins.
_PLAIN = [
    (
        r"a flow line needs two '>'.*",
        "a step needs 'inputs > processor > outputs' (write '-' where there is none)",
    ),
    (
        r"a line without processor needs inputs and outputs.*",
        "a step with '-' as processor needs inputs and outputs ('a > - > b')",
    ),
    (r"one processor per line.*", "a step has one processor (between the two '>')"),
    (r"empty (\w+).*", r"an empty \1: write '-' where there is none"),
    (
        r"bad (\w+) (.*)",
        r"\1 \2: a name is up to 40 letters, digits, spaces or . _ + # ' / & ( ) -",
    ),
    (
        r"the last line must start with 'style:'.*",
        "the last line is the style line: 'style:' then one word per style choice",
    ),
    (r"unknown style value (.*)", r"unknown style word \1"),
]


class PlanInvalid(ValueError):
    """A plan that cannot be drawn: `errors` are [{"line", "message"}]."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(e["message"] for e in errors))


@dataclass
class Checked:
    """A plan that parses and lays out: the plan, its diagram and node list."""

    plan: Plan
    diagram: Diagram
    node_list: str

    @property
    def text(self) -> str:
        """Return the canonical plan text (what a revision stores)."""
        return self.plan.to_text()

    def svg(self) -> str:
        return render.render_svg(self.diagram)


def plain_message(message: str) -> str:
    """Return the parser's message in plainer words when there are some."""
    for pattern, plain in _PLAIN:
        match = re.fullmatch(pattern, message, re.DOTALL)
        if match:
            return match.expand(plain)
    return message


def _numbered(text: str) -> list[tuple[int, str]]:
    """Return (1-based number, stripped text) of the non-blank lines, as the parser reads them."""
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def error_line(text: str, error: PlanError) -> int | None:
    """Return the line of `text` that `error` is about (None for the plan as a whole).

    Re-runs the parser's own line readers on each line to find the first
    one that fails; a parser that tags its errors with `line` is believed.
    """
    line = getattr(error, "line", None)
    if isinstance(line, int):
        return line
    numbered = _numbered(text)
    if len(numbered) < 2:
        return numbered[0][0] if numbered else None
    try:
        parse_style(numbered[-1][1])
    except PlanError:
        return numbered[-1][0]
    head_number, head = numbered[0]
    body = numbered[1:-1]
    if head == FLOW:
        for number, line_text in body:
            try:
                parse_step(line_text)
            except PlanError:
                return number
        if len(body) > MAX_FLOW_LINES:
            return body[MAX_FLOW_LINES][0]
    elif head == LAYERS:
        for number, line_text in body:
            try:
                parse_layer_line(line_text)
            except ValueError:
                return number
    elif head.split()[0] in NET_FAMILIES and body:
        return body[0][0]
    return head_number


def _errors(line: int | None, message: str) -> list[dict]:
    prefix = f"line {line}: " if line else ""
    return [{"line": line, "message": prefix + message}]


def check_plan(text) -> Checked:
    """Return the laid-out plan; raise PlanInvalid with located, plain errors."""
    if not isinstance(text, str) or not text.strip():
        raise PlanInvalid(_errors(None, "write a plan: its structure lines, then a style line"))
    limit = settings.MAX_PROMPT_LENGTH
    if len(text) > limit:
        raise PlanInvalid(
            _errors(None, f"keep the plan under {limit} characters (this one has {len(text)})")
        )
    try:
        plan = parse_plan(text)
    except PlanError as exc:
        raise PlanInvalid(_errors(error_line(text, exc), plain_message(str(exc)))) from exc
    try:
        diagram = layout_plan(plan)
    except LayoutError as exc:
        raise PlanInvalid(_errors(None, f"this plan cannot be drawn readably: {exc}")) from exc
    return Checked(plan, diagram, nodelist.dumps(diagram))


def style_words(text: str) -> dict[str, str]:
    """Return the style choices written on a plan's style line (defaults for the rest)."""
    numbered = _numbered(text or "")
    try:
        return parse_style(numbered[-1][1]) if numbered else parse_style("style:")
    except PlanError:
        return parse_style("style:")


def style_controls(text: str) -> list[dict]:
    """Return the editor's style form controls: key, label, choices and the current one."""
    current = style_words(text)
    labels = {
        "orient": "Orientation",
        "shape": "Shapes",
        "line": "Lines",
        "palette": "Palette",
        "labels": "Labels",
        "size": "Size",
    }
    return [
        {"key": key, "label": labels.get(key, key), "choices": values, "value": current[key]}
        for key, values in STYLE_CHOICES.items()
    ]
