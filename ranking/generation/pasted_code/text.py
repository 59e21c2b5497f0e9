"""Reading a listing as text: arguments of a call, statements, comments, literal loops."""

from __future__ import annotations

import re


class Unreadable(Exception):
    """The listing's order cannot be read for certain."""


_LOOP = re.compile(
    r"^([ \t]*)for[ \t]+(\w+)[ \t]+in[ \t]+"
    r"(\[[^\[\]\n]*\]|\([^()\n]*\)|range\(\s*(\d+)\s*\))[ \t]*:[ \t]*\n"
    r"((?:\1[ \t]+\S[^\n]*\n?|[ \t]*\n)+)",
    re.MULTILINE,
)


def unroll_loops(code: str) -> str:
    """Return `code` with each loop over a literal list or `range(N)` written out.

    `for filters in [32, 64]:` and an `.add(Conv2D(filters, 3))` body become
    two calls with 32 and 64; a loop over anything else stays, and the
    listing is then unreadable.
    """
    for _ in range(8):  # nested loops: the outer one first, then its copies
        match = _LOOP.search(code)
        if match is None:
            return code
        indent, name, values, count, body = match.groups()
        if count is not None:
            items = [str(i) for i in range(min(int(count), 16))]
        else:
            items = [v.strip() for v in values[1:-1].split(",") if v.strip()]
        lines = [line for line in body.splitlines() if line.strip()]
        extra = min(len(line) - len(line.lstrip()) for line in lines)
        body = "\n".join(indent + line[extra:] for line in lines)
        copies = "".join(re.sub(rf"\b{name}\b", item, body) + "\n" for item in items)
        code = code[: match.start()] + copies + code[match.end() :]
    return code


def strip_comments(text: str) -> str:
    text = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'', "", text)
    return re.sub(r"#[^\n]*", "", text)


def call_arguments(code: str, start: int) -> str:
    """Return the text from `start` (just after an opening parenthesis) to its closing one."""
    depth = 1
    for i in range(start, len(code)):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return code[start:i]
    raise Unreadable("unbalanced parentheses")


def split_statements(body: str) -> list[str]:
    """Return the statements of a listing or a forward, lines joined while a parenthesis is open."""
    statements, current, depth = [], "", 0
    for line in body.splitlines():
        current += " " + line.strip()
        depth += line.count("(") - line.count(")")
        if depth <= 0 and current.strip():
            statements.append(current.strip())
            current, depth = "", 0
    if current.strip():
        statements.append(current.strip())
    return statements


def top_level_arguments(arguments: str) -> list[str]:
    """Return a call's arguments split at the commas outside any bracket."""
    pieces, depth, current = [], 0, ""
    for ch in arguments:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            pieces.append(current)
            current = ""
        else:
            current += ch
    return [*pieces, current]
