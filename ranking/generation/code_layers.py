"""The order of layers a pasted Keras or PyTorch listing spells out, for the decoder.

The model reads pasted code itself (nothing is run), and reads it well
for numbers and activations, but on a long listing it drops a layer,
merges two or invents a dense layer. The order of layer types, though,
is plain text: `layers.Conv2D(...)` after `layers.Conv2D(...)`, or the
calls of a PyTorch `forward`, innermost first. `code_order` reads that
order so the constrained decoder can hold each layer line to it
(`constrain.LayerRules`), the way flow items are held to the prompt's
words. Whatever it cannot read for certain (loops, concatenations, layer
types the plan language has no line for, a `self.x` it cannot find) gives
None, and the decoder leaves the order to the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import partial

# Class names (lower case, no underscores) -> the plan's layer types they may be written as.
_CLASSES = {
    "dense": {"dense", "linear"},
    "linear": {"linear", "dense"},
    "conv1d": {"conv1d"},
    "conv2d": {"conv2d"},
    "maxpooling1d": {"maxpool"},
    "maxpooling2d": {"maxpool"},
    "maxpool1d": {"maxpool"},
    "maxpool2d": {"maxpool"},
    "averagepooling1d": {"avgpool"},
    "averagepooling2d": {"avgpool"},
    "avgpool1d": {"avgpool"},
    "avgpool2d": {"avgpool"},
    "globalaveragepooling1d": {"globalavgpool"},
    "globalaveragepooling2d": {"globalavgpool"},
    "globalavgpool1d": {"globalavgpool"},
    "globalavgpool2d": {"globalavgpool"},
    "adaptiveavgpool1d": {"globalavgpool"},
    "adaptiveavgpool2d": {"globalavgpool"},
    "globalmaxpooling1d": {"globalmaxpool"},
    "globalmaxpooling2d": {"globalmaxpool"},
    "globalmaxpool1d": {"globalmaxpool"},
    "globalmaxpool2d": {"globalmaxpool"},
    "adaptivemaxpool1d": {"globalmaxpool"},
    "adaptivemaxpool2d": {"globalmaxpool"},
    "flatten": {"flatten"},
    "dropout": {"dropout"},
    "spatialdropout1d": {"dropout"},
    "spatialdropout2d": {"dropout"},
    "dropout1d": {"dropout"},
    "dropout2d": {"dropout"},
    "batchnormalization": {"batchnorm"},
    "batchnorm1d": {"batchnorm"},
    "batchnorm2d": {"batchnorm"},
    "layernormalization": {"layernorm"},
    "layernorm": {"layernorm"},
    "embedding": {"embedding"},
    "lstm": {"lstm"},
    "gru": {"gru"},
    "simplernn": {"rnn"},
    "rnn": {"rnn"},
    "multiheadattention": {"attention"},
    "attention": {"attention"},
    "transformerencoderlayer": {"transformer"},
    "add": {"add"},
    "input": {"input"},
    "inputlayer": {"input"},
}
_BIDIRECTIONAL = {"lstm": "bilstm", "gru": "bigru", "rnn": "birnn"}
# Part of the layer before them ("Dense 64, relu"), or not a layer at all.
_SKIPPED = {
    "relu", "relu6", "leakyrelu", "prelu", "elu", "selu", "gelu", "silu", "swish",
    "mish", "sigmoid", "tanh", "softmax", "logsoftmax", "softplus", "hardswish",
    "activation", "sequential", "model", "module", "identity",
}  # fmt: skip
# Activation calls -> the plan's activation word (part of the layer before).
_ACTIVATIONS = {
    "relu": "relu", "relu6": "relu", "leakyrelu": "leakyrelu", "prelu": "prelu", "elu": "elu",
    "selu": "selu", "gelu": "gelu", "silu": "silu", "swish": "swish", "mish": "mish",
    "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax", "logsoftmax": "softmax",
    "softplus": "softplus",
}  # fmt: skip
_ACTIVATION = "activation"  # the kind of a marker step, folded away by `_fold_activations`
_CARRY_ACTIVATION = frozenset(
    {"dense", "linear", "conv1d", "conv2d", "lstm", "gru", "rnn", "bilstm", "bigru", "birnn"}
)
_PASSED_BY_ACTIVATION = frozenset({"batchnorm", "layernorm", "maxpool", "avgpool", "dropout"})
# Layers the plan language has no line for, and code whose order is not a
# line of calls: reading these would hold the model to a wrong order.
_UNREADABLE = re.compile(
    r"conv3d|conv\w*transpose|upsampl|concatenate|zeropadding|cropping|timedistributed"
    r"|repeatvector|pixelshuffle|separable|depthwise|groupnorm|instancenorm"
    r"|modulelist|moduledict|transformerdecoder"
    r"|^[ \t]*(?:for|while|if)\b[^\n]*:[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# Classes a listing calls that build no layer (models, optimisers, losses,
# callbacks); any other class it calls that is not a known layer may be a
# block of its own, whose layers the listing does not show.
_NOT_LAYERS = {
    "adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
    "crossentropyloss", "bceloss", "bcewithlogitsloss", "mseloss", "nllloss", "l1loss",
    "sparsecategoricalcrossentropy", "categoricalcrossentropy", "binarycrossentropy",
    "meansquarederror", "accuracy", "earlystopping", "modelcheckpoint", "dataloader",
    "tensor", "variable", "tensordataset", "compose", "totensor", "normalize",
    "ordereddict", "huber",
}  # fmt: skip
# `x.view(...)`, `torch.flatten(x, 1)`, `out.flatten(1)`: a flatten in a forward.
_FLATTEN_CALLS = {"view", "flatten", "reshape"}
_FUNCTIONAL = {
    "max_pool1d": {"maxpool"},
    "max_pool2d": {"maxpool"},
    "avg_pool1d": {"avgpool"},
    "avg_pool2d": {"avgpool"},
    "adaptive_avg_pool1d": {"globalavgpool"},
    "adaptive_avg_pool2d": {"globalavgpool"},
    "adaptive_max_pool1d": {"globalmaxpool"},
    "adaptive_max_pool2d": {"globalmaxpool"},
    "dropout": {"dropout"},
}
_NOT_LAYER_MODULES = (
    "losses.", "optimizers.", "metrics.", "callbacks.", "optim.", "initializers.",
    "regularizers.", "constraints.", "init.",
)  # fmt: skip
_TORCH = re.compile(r"\bnn\.[A-Z]|\bimport torch|\bfrom torch")
_KERAS = re.compile(r"keras|\blayers\.[A-Z]")
_CODE = re.compile(r"\bnn\.[A-Z]|\blayers\.[A-Z]|Sequential\(|\.add\([A-Z]|keras\.")
_CALL = re.compile(r"((?:\b[A-Za-z_]\w*\.)*)([A-Za-z_]\w*)\(")
# `x + h`, `out += identity`: a skip connection in a forward (not `n + 1`).
_PLUS = re.compile(r"(?<=[\w)\]])\s*\+=?\s*(?=[A-Za-z_])")
_NEVER_TWICE = {"flatten", "globalmaxpool", "globalavgpool", "batchnorm", "layernorm", "dropout"}


@dataclass(frozen=True)
class Step:
    """One place in the order: the types its line may have; `repeat`: one or more lines.

    `numbers`: the numbers its line may write, those of its own call (names
    resolved to the numbers the code gives them); None where the call's
    numbers cannot all be read, and the prompt's numbers apply.
    """

    kinds: frozenset[str]
    repeat: bool = False
    numbers: frozenset[str] | None = None
    arguments: str = field(default="", compare=False)  # the call's text, for `numbers`
    # For the decoder's draft of the line (llm speculation): the call's
    # numbers in the order written, and the activation the code applies.
    written: tuple[str, ...] = field(default=(), compare=False)
    activation: str = field(default="", compare=False)
    call: str = field(default="", compare=False)  # the class or function, lower case


class _Unreadable(Exception):
    """The listing's order cannot be read for certain."""


def code_order(prompt: str) -> tuple[Step, ...] | None:
    """Return the layers, in order, that the code pasted in `prompt` builds; or None.

    None when the prompt holds no Keras or PyTorch listing, or one whose
    order cannot be read for certain. The order starts with `input` only
    where the code declares an input (`input_shape=`, `keras.Input`).
    """
    code = _strip_comments(prompt)
    if not _CODE.search(code):
        return None
    try:
        if re.search(r"\bdef\s+(?:forward|call)\s*\(", code):
            steps = _forward_order(code)
        else:
            code = _unroll_loops(code)
            if _UNREADABLE.search(code):
                return None
            steps = _calls_order(code)
    except _Unreadable:
        return None
    steps = _fold_activations(steps)
    # One input, and only first.
    steps = [s for i, s in enumerate(steps) if s.kinds != {"input"} or i == 0]
    names = _named_numbers(code)
    torch = bool(_TORCH.search(code)) and not _KERAS.search(code)
    order: list[Step] = []
    for step in (_with_numbers(s, names, torch) for s in steps):
        # Two dropouts in a row are one line (the decoder refuses a second).
        if order and step.kinds == order[-1].kinds and step.kinds <= _NEVER_TWICE:
            continue
        order.append(step)
    return tuple(order) if len(order) >= 2 else None


_LOOP = re.compile(
    r"^([ \t]*)for[ \t]+(\w+)[ \t]+in[ \t]+"
    r"(\[[^\[\]\n]*\]|\([^()\n]*\)|range\(\s*(\d+)\s*\))[ \t]*:[ \t]*\n"
    r"((?:\1[ \t]+\S[^\n]*\n?|[ \t]*\n)+)",
    re.MULTILINE,
)


def _unroll_loops(code: str) -> str:
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


def _activation_step(key: str, arguments: str) -> list[Step]:
    """Return a marker for an activation call (folded into the layer before it), or []."""
    if key == "activation":  # Keras `Activation("relu")`
        named = re.search(r"[\"'](\w+)[\"']", arguments)
        key = named.group(1).lower() if named else ""
    name = _ACTIVATIONS.get(key)
    return [Step(frozenset({_ACTIVATION}), activation=name)] if name else []


def _fold_activations(steps: list[Step]) -> list[Step]:
    """Return `steps` with each activation marker set on its layer, and dropped.

    Its layer is the last one before it that a line can give an activation
    (dense, conv, recurrent), past norms, pools and dropout: conv, batch
    norm, ReLU is drawn `conv2d ... relu`, then `batchnorm`.
    """
    folded: list[Step] = []
    for step in steps:
        if step.kinds != {_ACTIVATION}:
            folded.append(step)
            continue
        for i in range(len(folded) - 1, -1, -1):
            if folded[i].kinds & _CARRY_ACTIVATION:
                if not folded[i].activation:
                    folded[i] = replace(folded[i], activation=step.activation)
                break
            if not folded[i].kinds <= _PASSED_BY_ACTIVATION:
                break
    return folded


def draft_lines(order: tuple[Step, ...], prompt: str) -> tuple[str, ...]:
    """Return, per step, the layer line the code most plainly reads as ("" where unsure).

    A guess for speculative decoding only: the model checks every token of
    it and writes its own line where they differ.
    """
    torch = bool(_TORCH.search(prompt)) and not _KERAS.search(prompt)
    return tuple(_draft(step, torch) for step in order)


def _draft(step: Step, torch: bool) -> str:
    kinds = step.kinds
    if kinds == {"dense", "linear"}:
        kind = "linear" if torch else "dense"
    elif len(kinds) == 1:
        (kind,) = kinds
    else:
        return ""
    n = step.written
    if kind in ("flatten", "batchnorm", "layernorm", "globalmaxpool", "globalavgpool"):
        return kind + "\n"
    if not n:
        return ""
    if kind == "input":
        args = ["x".join(n)]
    elif kind == "conv2d":
        args = [n[0], f"{n[1]}x{n[1]}"] if len(n) > 1 else []
    elif kind in ("conv1d", "embedding"):
        args = list(n[:2]) if len(n) > 1 else []
    elif kind in ("maxpool", "avgpool"):
        args = [n[0] if "1d" in step.call else f"{n[0]}x{n[0]}"]
    else:
        args = [n[0]]
    if not args:
        return ""
    keras = re.search(r"activation\s*=\s*[\"'](\w+)[\"']", step.arguments)
    activation = step.activation or (_ACTIVATIONS.get(keras.group(1).lower(), "") if keras else "")
    return " ".join([kind, *args, *([activation] if activation else [])]) + "\n"


def _strip_comments(text: str) -> str:
    text = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'', "", text)
    return re.sub(r"#[^\n]*", "", text)


def _calls_order(code: str) -> list[Step]:
    """Return the steps of a listing read statement by statement, as `_ordered` reads one."""
    steps: list[Step] = []
    for statement in _statements(code):
        steps += _ordered(statement, _layer_call)
    return steps


def _layer_call(statement: str, match: re.Match) -> list[Step]:
    """Return the steps of one call in a listing: a layer class, or nothing."""
    qualifier, name = match.group(1), match.group(2)
    key = name.lower().replace("_", "")
    if key == "add" and not (name == "Add" or qualifier.endswith("layers.")):
        return []  # model.add(...): the Sequential's own method
    if key in _ACTIVATIONS or key == "activation":
        return _activation_step(key, _arguments(statement, match.end()))
    kinds = _CLASSES.get(key)
    if kinds is None:
        if (
            qualifier.endswith(_NOT_LAYER_MODULES)
            or key in _SKIPPED
            or key in _NOT_LAYERS
            or key.endswith(("normal", "uniform", "initializer"))  # HeNormal(), GlorotUniform()
        ):
            return []
        if name[0].isupper() and key != "bidirectional":
            raise _Unreadable(f"{name}: a block of its own")
        return []
    arguments = _arguments(statement, match.end())
    if "bidirectional=true" in arguments.replace(" ", "").lower():
        kinds = {_BIDIRECTIONAL.get(k, k) for k in kinds}
    shape = re.search(r"\b(?:batch_)?input_shape\s*=\s*(\([^()]*\)|\[[^\[\]]*\])", arguments)
    own = arguments.replace(shape.group(0), "") if shape else arguments
    steps = [Step(frozenset(kinds), arguments=own, call=key)]
    if shape and "input" not in kinds:
        steps.insert(0, Step(frozenset({"input"}), arguments=shape.group(1)))
    return steps


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
        (m.end(), m.end() + len(_arguments(statement, m.end())))
        for m in re.finditer(r"\bBidirectional\(", statement)
    ]
    events = []
    for match in _CALL.finditer(statement):
        steps = resolve(statement, match)
        at = -depths[match.start()]
        if steps and any(start <= match.start() < end for start, end in wrapped):
            # The wrapper's parentheses are not an application: the layer
            # stands where the wrapper stands.
            steps = [
                replace(s, kinds=frozenset(_BIDIRECTIONAL.get(k, k) for k in s.kinds))
                for s in steps
            ]
            at += 1
        if steps:
            events.append((at, match.start(), steps))
    if skips:
        for match in _PLUS.finditer(statement):
            events.append((-depths[match.start()], match.start(), [Step(frozenset({"add"}))]))
    events.sort(key=lambda event: (event[0], event[1]))
    return [step for _, _, steps in events for step in steps]


def _arguments(code: str, start: int) -> str:
    """Return the text from `start` (just after an opening parenthesis) to its closing one."""
    depth = 1
    for i in range(start, len(code)):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return code[start:i]
    raise _Unreadable("unbalanced parentheses")


def _forward_order(code: str) -> list[Step]:
    """Return the steps of a module: its forward's (Keras: call's) calls, innermost first."""
    head, _, forward = re.split(r"(\bdef\s+(?:forward|call)\s*\()", code, maxsplit=1)
    modules = _modules(head)
    forward = re.split(r"\n\s*(?:def|class)\s", forward, maxsplit=1)[0]
    if _UNREADABLE.search(forward):
        raise _Unreadable("a loop or condition in forward")
    steps: list[Step] = []
    for statement in _statements(forward.split(")", 1)[1] if ")" in forward else forward):
        steps += _ordered(statement, partial(_forward_call, modules), skips=True)
    return steps


def _modules(init: str) -> dict[str, list[Step]]:
    """Return what each `self.name = ...` of a module's __init__ holds, as steps."""
    modules = {}
    for match in re.finditer(r"self\.(\w+)\s*=\s*([\w.]+)\s*\(", init):
        name, call = match.group(1), match.group(2).split(".")[-1].lower()
        arguments = _arguments(init, match.end())
        if _UNREADABLE.search(call):
            raise _Unreadable(call)
        if call == "sequential":
            if _UNREADABLE.search(arguments):
                raise _Unreadable("a Sequential the plan cannot draw")
            modules[name] = _calls_order(arguments)
        elif call == "transformerencoder":
            modules[name] = _encoder_steps(init, arguments)
        elif call in _CLASSES:
            kinds = _CLASSES[call]
            if "bidirectional=true" in arguments.replace(" ", "").lower():
                kinds = {_BIDIRECTIONAL.get(k, k) for k in kinds}
            modules[name] = [Step(frozenset(kinds), arguments=arguments, call=call)]
        elif call.replace("_", "") in _ACTIVATIONS:
            modules[name] = _activation_step(call.replace("_", ""), arguments)
        elif call.replace("_", "") in _SKIPPED:
            modules[name] = []
        else:
            modules[name] = None  # something of its own: unreadable if forward calls it
    return modules


def _encoder_steps(code: str, arguments: str) -> list[Step]:
    """Return a TransformerEncoder's blocks: `num_layers` of them where the code says how many.

    `num_layers=3`, or a name the code sets or defaults to a number
    (`num_layers=3` in a signature, `N_LAYERS = 3`); else one or more.
    """
    block = Step(frozenset({"transformer"}), arguments=arguments)
    found = re.search(r"num_layers\s*=\s*(\w+)", arguments)
    count = found.group(1) if found else ""
    if count and not count.isdigit():
        value = re.search(rf"\b{re.escape(count)}\s*(?::\s*int\s*)?=\s*(\d+)\b", code)
        count = value.group(1) if value else ""
    if count.isdigit() and 1 <= int(count) <= 12:
        return [block] * int(count)
    return [replace(block, repeat=True)]


def _statements(body: str) -> list[str]:
    """Return the forward's statements, lines joined while a parenthesis is open."""
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


def _forward_call(modules, statement: str, match: re.Match) -> list[Step]:
    """Return the steps of one call in a forward: a module of __init__, a function, a flatten."""
    qualifier, name = match.group(1), match.group(2)
    if name == "cat" and "self." in _arguments(statement, match.end()):
        raise _Unreadable("a concatenation of layers' outputs")
    if qualifier == "self.":
        if name not in modules or modules[name] is None:
            raise _Unreadable(f"self.{name}")
        return modules[name]
    if name in _FLATTEN_CALLS:
        return [Step(frozenset({"flatten"}))]
    if qualifier in ("F.", "nn.functional.", "torch.nn.functional.", "torch."):
        kinds = _FUNCTIONAL.get(name)
        if kinds:
            # The first argument is the tensor: `F.dropout(x, 0.3)`, `F.max_pool2d(x, 2)`.
            arguments = _top_level(_arguments(statement, match.end()))[1:]
            return [Step(frozenset(kinds), arguments=",".join(arguments), call=name)]
        return _activation_step(name.lower().replace("_", ""), "")
    key = name.lower().replace("_", "")
    if key in _CLASSES:
        return [Step(frozenset(_CLASSES[key]))]
    return []


# ---------------------------------------------------------------- numbers

# Keyword arguments that hold a layer's numbers; others (padding, stride,
# num_layers, flags) say nothing a layer line writes.
_NUMERIC_KEYWORDS = {
    "units", "filters", "kernel_size", "pool_size", "rate", "p", "input_dim", "output_dim",
    "num_heads", "key_dim", "nhead", "d_model", "hidden_size", "out_features",
    "out_channels", "num_embeddings", "embedding_dim", "embed_dim", "shape",
    "output_size",
}  # fmt: skip
_TORCH_INPUT_FIRST = frozenset(
    {"linear", "dense", "conv1d", "conv2d", "lstm", "gru", "rnn", "bilstm", "bigru", "birnn"}
)
_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(?!\s*[(.\w])(?!\s*=[^=])")
_LITERAL = re.compile(r"(?<![\w.])(\d[\d_]*(?:\.\d+)?)(?![\w.])")
_NUMBER_OR_NAME = re.compile(f"{_LITERAL.pattern}|{_NAME.pattern}")
_NOT_NAMES = {"True", "False", "None", "self"}
# Numbers a call without any still draws with: the default pool and dropout.
_DEFAULTS = {"maxpool": "2", "avgpool": "2", "dropout": "0.5"}


_TUPLE_ASSIGNMENT = re.compile(
    r"^[ \t]*(\w+(?:[ \t]*,[ \t]*\w+)+)[ \t]*=[ \t]*"
    r"(\(?[\d_.]+(?:[ \t]*,[ \t]*[\d_.]+)+\)?)[ \t]*$",
    re.MULTILINE,
)


def _named_numbers(code: str) -> dict[str, set[str]]:
    """Return the numbers the code gives each name (`EMBED = 64`, `hidden=128` in a signature)."""
    found: dict[str, set[str]] = {}
    for names, values in _TUPLE_ASSIGNMENT.findall(code):  # `n_in, n_out = 9, 6`
        names, values = re.split(r"\s*,\s*", names), re.findall(r"[\d_.]+", values)
        for name, value in zip(names, values, strict=False):
            found.setdefault(name, set()).add(_number(value))
    code = _TUPLE_ASSIGNMENT.sub("", code)
    pattern = r"\b([A-Za-z_]\w*)\s*(?::\s*\w+\s*)?=\s*(\d[\d_]*(?:\.\d+)?)(?![\w.]|\s*[-+*/])"
    for name, value in re.findall(pattern, code):
        found.setdefault(name, set()).add(_number(value))
    return found


def _number(text: str) -> str:
    value = float(text.replace("_", ""))
    return str(int(value)) if value.is_integer() else repr(value)


def _with_numbers(step: Step, names: dict[str, set[str]], torch: bool = False) -> Step:
    """Return `step` with the numbers its call states, or None where a name cannot be read.

    A PyTorch layer's first argument is what flows in (`nn.Linear(128, 10)`
    is a 10-unit layer), never a number of its line.
    """
    if step.numbers is not None:
        return step
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "", step.arguments)
    pieces = _top_level(text)
    if torch and step.kinds & _TORCH_INPUT_FIRST:
        positional = [p for p in pieces if not re.match(r"\s*\w+\s*=(?!=)", p)]
        if positional:
            pieces.remove(positional[0])
    written: list[str] = []
    for piece in pieces:
        keyword = re.match(r"\s*(\w+)\s*=(?!=)", piece)
        if keyword and keyword.group(1) not in _NUMERIC_KEYWORDS:
            continue
        value = piece[keyword.end() :] if keyword else piece
        for literal, name in _NUMBER_OR_NAME.findall(value):
            if literal:
                written.append(_number(literal))
            elif name not in _NOT_NAMES:
                if name not in names:
                    return step  # a number the code does not give: leave it to the prompt's
                written += sorted(names[name])
    values = set(written)
    if not values:
        values = {_DEFAULTS[k] for k in step.kinds if k in _DEFAULTS}
    if "dropout" in step.kinds:
        usable = any(v.startswith("0.") for v in values)
    else:
        usable = any("." not in v and 1 <= int(v) <= 999_999 for v in values)
    if not usable:
        return step
    return replace(step, numbers=frozenset(values), written=tuple(written))


def _top_level(arguments: str) -> list[str]:
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
