"""`code_order`: the layers a Keras or PyTorch listing builds, in order."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial

from ranking.generation.layerplan import RECURRENT
from ranking.generation.pasted_code.numbers import named_numbers, with_numbers
from ranking.generation.pasted_code.steps import Step, activation_step, fold_activations
from ranking.generation.pasted_code.text import (
    Unreadable,
    call_arguments,
    split_statements,
    strip_comments,
    top_level_arguments,
    unroll_loops,
)
from ranking.generation.pasted_code.vocabulary import (
    ACTIVATION,
    ACTIVATIONS,
    BIDIRECTIONAL,
    CALL,
    CLASSES,
    CODE,
    FLATTEN_CALLS,
    FUNCTIONAL,
    NEVER_TWICE,
    NOT_LAYER_MODULES,
    NOT_LAYERS,
    PLUS,
    SKIPPED,
    UNREADABLE,
    is_torch,
)


def code_order(prompt: str) -> tuple[Step, ...] | None:
    """Return the layers, in order, that the code pasted in `prompt` builds; or None.

    None when the prompt holds no Keras or PyTorch listing, or one whose
    order cannot be read for certain. The order starts with `input` only
    where the code declares an input (`input_shape=`, `keras.Input`).
    """
    code = strip_comments(prompt)
    if not CODE.search(code):
        return None
    code = _shapes_named(code)
    try:
        if re.search(r"\bdef\s+(?:forward|call)\s*\(", code):
            steps = _forward_order(code)
        else:
            code = unroll_loops(code)
            if UNREADABLE.search(code):
                return None
            steps = _calls_order(code)
    except Unreadable:
        return None
    steps = fold_activations(steps)
    # One input, and only first.
    steps = [s for i, s in enumerate(steps) if s.kinds != {"input"} or i == 0]
    names = named_numbers(code)
    torch = is_torch(code)
    order: list[Step] = []
    for step in (with_numbers(s, names, torch) for s in steps):
        # Two dropouts in a row are one line (the decoder refuses a second).
        if order and step.kinds == order[-1].kinds and step.kinds <= NEVER_TWICE:
            continue
        order.append(step)
    if torch and order and order[0].kinds != {"input"}:
        shaped = shape_comment(prompt, conv1d=any("conv1d" in s.kinds for s in order))
        order[:0] = [shaped] if shaped else []
    return tuple(order) if len(order) >= 2 else None


# `INPUT_SHAPE = (64, 64, 3)`: a shape the listing names once and passes on.
_SHAPE_ASSIGNMENT = re.compile(
    r"^[ \t]*([A-Za-z_]\w*)[ \t]*=[ \t]*(\([\d_ \t,]+\)|\[[\d_ \t,]+\])[ \t]*$", re.MULTILINE
)


def _shapes_named(code: str) -> str:
    """Return `code` with `input_shape=INPUT_SHAPE` (and `shape=`) written as the tuple named."""
    for name, shape in _SHAPE_ASSIGNMENT.findall(code):
        code = re.sub(rf"\b((?:batch_)?(?:input_)?shape\s*=\s*){name}\b", rf"\g<1>{shape}", code)
    return code


# A PyTorch input's shape, as a comment or docstring gives it with the batch
# first: "x: (B, 1, 28, 28)", "shaped (N, 3, 32, 32)", "tokens: (batch, 64)".
_SHAPE = re.compile(
    r"\(\s*(?:n|b|bs|batch|batch_size)\s*,\s*(\d+(?:\s*,\s*\d+){0,2})\s*\)", re.IGNORECASE
)


def shape_comment(prompt: str, conv1d: bool) -> Step | None:
    """Return the input step a PyTorch listing's shape comment states, or None.

    PyTorch puts channels first: (N, C, H, W) is drawn `input HxWxC`, and
    (N, C, L) before a Conv1d `input LxC`; (N, L, F) of a batch-first
    recurrent model stays `input LxF`, and (N, L) is `input L`.
    """
    found = _SHAPE.search(prompt)
    if not found:
        return None
    dims = [d.strip() for d in found.group(1).split(",")]
    if len(dims) == 3:
        dims = [dims[1], dims[2], dims[0]]
    elif len(dims) == 2 and conv1d:
        dims = [dims[1], dims[0]]
    return Step(frozenset({"input"}), numbers=frozenset(dims), written=tuple(dims), call="input")


def _calls_order(code: str) -> list[Step]:
    """Return the steps of a listing read statement by statement, as `_ordered` reads one."""
    steps: list[Step] = []
    for statement in split_statements(code):
        steps += _ordered(statement, _layer_call)
    return steps


def _layer_call(statement: str, match: re.Match) -> list[Step]:
    """Return the steps of one call in a listing: a layer class, or nothing."""
    qualifier, name = match.group(1), match.group(2)
    key = name.lower().replace("_", "")
    if key == "add" and not (name == "Add" or qualifier.endswith("layers.")):
        return []  # model.add(...): the Sequential's own method
    if key in ACTIVATIONS or key == "activation":
        return activation_step(key, call_arguments(statement, match.end()))
    kinds = CLASSES.get(key)
    if kinds is None:
        if (
            qualifier.endswith(NOT_LAYER_MODULES)
            or key in SKIPPED
            or key in NOT_LAYERS
            or key.endswith(("normal", "uniform", "initializer"))  # HeNormal(), GlorotUniform()
        ):
            return []
        if name[0].isupper() and key != "bidirectional":
            raise Unreadable(f"{name}: a block of its own")
        return []
    arguments = call_arguments(statement, match.end())
    shape = re.search(r"\b(?:batch_)?input_shape\s*=\s*(\([^()]*\)|\[[^\[\]]*\])", arguments)
    if shape is None and "embedding" not in kinds:
        # `Dense(64, input_dim=n_inputs)`: a flat input (an Embedding's is its vocabulary).
        shape = re.search(r"\binput_dim\s*=\s*([\w.]+)", arguments)
    own = arguments.replace(shape.group(0), "") if shape else arguments
    steps = [_class_step(key, own)]
    if shape and "input" not in kinds:
        dims = shape.group(1) if shape.group(1).startswith(("(", "[")) else f"({shape.group(1)},)"
        steps.insert(0, Step(frozenset({"input"}), arguments=dims))
    return steps


def _class_step(key: str, arguments: str) -> Step:
    """Return the step of a layer class `key` of CLASSES called with `arguments`.

    PyTorch says `bidirectional=True` where Keras wraps the layer (`_ordered`).
    """
    kinds = CLASSES[key]
    if "bidirectional=true" in arguments.replace(" ", "").lower():
        kinds = {BIDIRECTIONAL.get(k, k) for k in kinds}
    return Step(frozenset(kinds), arguments=arguments, call=key)


def _ordered(statement: str, resolve, skips: bool = False) -> list[Step]:
    """Return one statement's steps: calls deepest first, then left to right.

    `Dense(4)(GlobalAveragePooling2D()(x))` pools first; a recurrent layer
    inside `Bidirectional(...)` is bidirectional. With `skips`, a `+`
    between two names is an `add` at the depth where it stands:
    `self.norm(x + h)` adds before the norm, `out = out + identity` after
    the calls left of it.
    """
    depths = []
    depth = 0
    for ch in statement:
        depth += ch == "("
        depth -= ch == ")"
        depths.append(depth)
    wrapped = [
        (m.end(), m.end() + len(call_arguments(statement, m.end())))
        for m in re.finditer(r"\bBidirectional\(", statement)
    ]
    events = []
    for match in CALL.finditer(statement):
        steps = resolve(statement, match)
        at = -depths[match.start()]
        if steps and any(start <= match.start() < end for start, end in wrapped):
            # The wrapper's parentheses are not an application: the layer
            # stands where the wrapper stands.
            steps = [
                replace(s, kinds=frozenset(BIDIRECTIONAL.get(k, k) for k in s.kinds)) for s in steps
            ]
            at += 1
        if steps:
            events.append((at, match.start(), steps))
    if skips:
        for match in PLUS.finditer(statement):
            # The sum is made once its right operand is: after `self.fc2(h)` in `x + self.fc2(h)`.
            depth = depths[match.start()]
            end = next((i for i in range(match.end(), len(statement)) if depths[i] < depth), None)
            events.append((-depth, end or len(statement), [Step(frozenset({"add"}))]))
    events.sort(key=lambda event: (event[0], event[1]))
    return [step for _, _, steps in events for step in steps]


def _forward_order(code: str) -> list[Step]:
    """Return the steps of a module: its forward's (Keras: call's) calls, innermost first."""
    head, _, forward = re.split(r"(\bdef\s+(?:forward|call)\s*\()", code, maxsplit=1)
    modules = _modules(head)
    forward = re.split(r"\n\s*(?:def|class)\s", forward, maxsplit=1)[0]
    if UNREADABLE.search(forward):
        raise Unreadable("a loop or condition in forward")
    head, _, body = forward.partition(")")
    # Each name's place: the layer lines before the statement that last set it.
    placed = {name: 0 for name in re.findall(r"\b(?!self\b)[A-Za-z_]\w*", head)}
    steps: list[Step] = []
    for statement in split_statements(body if body else forward):
        new = _ordered(statement, partial(_forward_call, modules), skips=True)
        steps += _skip_lengths(statement, new, steps, placed)
    return steps


def _skip_lengths(statement: str, new: list[Step], before: list[Step], placed: dict) -> list[Step]:
    """Return `new` with its `add`'s length read, and note the name `statement` sets.

    In `x = out + identity`, with `identity = x` set after the stem, the skip
    goes around every layer line between that place and the `+`: `add 4` for
    two convs and two norms; in `self.fc2(h) + x` from x's place. A length it
    cannot count (a repeated layer, two calls, a name set outside forward, the
    forward's input) is left to the model.
    """
    lines = _lines(before)
    target = re.match(r"\s*([A-Za-z_]\w*)\s*(?:,\s*\w+\s*)*\+?=(?!=)\s*", statement)
    adds = [i for i, step in enumerate(new) if step.kinds == {"add"}]
    starts = [placed.get(name) for name in _plain_operands(statement)]
    around = _lines(new[: adds[0]]) if len(adds) == 1 else None
    if starts and None not in starts and lines is not None and around is not None:
        length = lines + around - min(starts)
        # A skip from the forward's own input (place 0) has no line to start from.
        if length > 0 and min(starts) > 0:
            new = list(new)
            new[adds[0]] = replace(
                new[adds[0]], numbers=frozenset({str(length)}), written=(str(length),)
            )
    if target:
        rest = statement[target.end() :].strip()
        added = _lines(new)
        if rest in placed and not new:
            placed[target.group(1)] = placed[rest]  # `identity = x`
        elif lines is not None and added is not None:
            placed[target.group(1)] = lines + added
        else:
            placed.pop(target.group(1), None)
    return new


def _plain_operands(statement: str) -> list[str]:
    """Return the plain names beside the statement's one `+` (a call beside it is newest)."""
    pluses = list(PLUS.finditer(statement))
    if len(pluses) != 1:
        return []
    left = re.search(r"(?<![.\w])([A-Za-z_]\w*)$", statement[: pluses[0].start()])
    right = re.match(r"([A-Za-z_]\w*)\b(?!\s*[.(\[])", statement[pluses[0].end() :])
    return [match.group(1) for match in (left, right) if match]


def _lines(steps: list[Step]) -> int | None:
    """Return how many layer lines `steps` write, or None where one may repeat."""
    if any(step.repeat for step in steps):
        return None
    return sum(step.kinds != {ACTIVATION} for step in steps)


def _modules(init: str) -> dict[str, list[Step]]:
    """Return what each `self.name = ...` of a module's __init__ holds, as steps."""
    modules = {}
    for match in re.finditer(r"self\.(\w+)\s*=\s*([\w.]+)\s*\(", init):
        name = match.group(1)
        call = match.group(2).split(".")[-1].lower().replace("_", "")
        arguments = call_arguments(init, match.end())
        if UNREADABLE.search(call):
            raise Unreadable(call)
        if call == "sequential":
            if UNREADABLE.search(arguments):
                raise Unreadable("a Sequential the plan cannot draw")
            modules[name] = _calls_order(arguments)
        elif call == "transformerencoder":
            modules[name] = _encoder_steps(init, arguments)
        elif call in CLASSES:
            modules[name] = _stacked(init, _class_step(call, arguments))
        elif call in ACTIVATIONS:
            modules[name] = activation_step(call, arguments)
        elif call in SKIPPED:
            modules[name] = []
        else:
            modules[name] = None  # something of its own: unreadable if forward calls it
    return modules


def _encoder_steps(code: str, arguments: str) -> list[Step]:
    """Return a TransformerEncoder's blocks: `num_layers` of them where the code says how many.

    `num_layers=3`, or a name the code sets or defaults to a number
    (`num_layers=3` in a signature, `N_LAYERS = 3`); else one or more.
    Each block has the heads of the layer it stacks (`enc_layer =
    nn.TransformerEncoderLayer(d_model, nhead=4)` then
    `nn.TransformerEncoder(enc_layer, num_layers=2)`).
    """
    block = arguments
    stacked = re.match(r"\s*(?:encoder_layer\s*=\s*)?([A-Za-z_]\w*)\s*(?:,|$)", arguments)
    if stacked:
        built = re.search(
            rf"\b{re.escape(stacked.group(1))}\s*=\s*(?:nn\.)?TransformerEncoderLayer\s*\(", code
        )
        if built:
            block = call_arguments(code, built.end())
    return _layers_of(code, arguments, Step(frozenset({"transformer"}), arguments=block))


def _stacked(code: str, step: Step) -> list[Step]:
    """Return a recurrent layer's stack: `nn.GRU(64, 256, num_layers=2)` is two GRU layers."""
    if not step.kinds & set(RECURRENT) or not re.search(r"\bnum_layers\s*=", step.arguments):
        return [step]
    return _layers_of(code, step.arguments, step)


def _layers_of(code: str, arguments: str, block: Step) -> list[Step]:
    found = re.search(r"num_layers\s*=\s*(\w+)", arguments)
    count = found.group(1) if found else ""
    if count and not count.isdigit():
        value = re.search(rf"\b{re.escape(count)}\s*(?::\s*int\s*)?=\s*(\d+)\b", code)
        count = value.group(1) if value else ""
    if count.isdigit() and 1 <= int(count) <= 12:
        return [block] * int(count)
    return [replace(block, repeat=True)]


def _forward_call(modules, statement: str, match: re.Match) -> list[Step]:
    """Return the steps of one call in a forward: a module of __init__, a function, a flatten."""
    qualifier, name = match.group(1), match.group(2)
    if name == "cat" and "self." in call_arguments(statement, match.end()):
        raise Unreadable("a concatenation of layers' outputs")
    if qualifier == "self.":
        if name not in modules or modules[name] is None:
            raise Unreadable(f"self.{name}")
        return modules[name]
    if name in FLATTEN_CALLS:
        return [Step(frozenset({"flatten"}))]
    if qualifier in ("F.", "nn.functional.", "torch.nn.functional.", "torch."):
        kinds = FUNCTIONAL.get(name)
        if kinds:
            # The first argument is the tensor: `F.dropout(x, 0.3)`, `F.max_pool2d(x, 2)`.
            arguments = top_level_arguments(call_arguments(statement, match.end()))[1:]
            return [Step(frozenset(kinds), arguments=",".join(arguments), call=name)]
        return activation_step(name.lower().replace("_", ""), "")
    key = name.lower().replace("_", "")
    if key in CLASSES:
        return [Step(frozenset(CLASSES[key]))]
    return []
