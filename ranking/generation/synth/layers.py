"""Any sequential network as a layer plan: pasted Keras / PyTorch code and free words.

An architecture is drawn first (image CNN, 1D conv, recurrent text model,
transformer encoder, MLP with dropout/batch norm), then written in one of
three ways: Keras (`Sequential([...])`, `.add(...)`, `keras.Input`),
PyTorch (`nn.Sequential(...)` or a module class with a `forward`), or words.
The plan is the same in every case: one `layerplan` line per layer, the
activations folded into their layer, repeated blocks unrolled.
"""

from __future__ import annotations

import random

from ranking.generation.layerplan import LayerSpec
from ranking.generation.layerplan import number_text as _n
from ranking.generation.plan import Plan
from ranking.generation.synth.common import Example, finish, number_words
from ranking.generation.synth.layer_prose import prose

# ---------------------------------------------------------------- architectures


def _act(rng: random.Random, usual: str = "relu") -> str:
    return rng.choices((usual, "gelu", "tanh", "elu", "leakyrelu", ""), (12, 2, 1, 1, 1, 2))[0]


def _head(rng: random.Random) -> list[LayerSpec]:
    """Dense hidden layers with dropout, then the output layer."""
    specs = []
    for _ in range(rng.choice((0, 1, 1, 2))):
        specs.append(LayerSpec("dense", (rng.choice((64, 128, 256, 512, 1024)),), _act(rng)))
        if rng.random() < 0.5:
            specs.append(LayerSpec("dropout", (rng.choice((0.1, 0.2, 0.25, 0.3, 0.4, 0.5)),)))
    classes = rng.choice((1, 2, 3, 5, 10, 10, 10, 20, 100, 1000))
    out_act = "sigmoid" if classes == 1 else rng.choice(("softmax", "softmax", "softmax", ""))
    specs.append(LayerSpec("dense", (classes,), out_act))
    return specs


def _image_cnn(rng: random.Random) -> tuple[list[LayerSpec], list[LayerSpec] | None, int]:
    """Return (layers, the repeated block or None, its repeat count)."""
    side = rng.choice((28, 32, 64, 96, 128, 224))
    channels = 1 if side == 28 else rng.choice((1, 3, 3))
    specs = [LayerSpec("input", (side, side, channels))] if rng.random() < 0.75 else []
    filters = rng.choice((8, 16, 32, 32, 64))
    kernel = rng.choice((3, 3, 3, 5, 1, 7))
    repeat = rng.random() < 0.35
    # Blocks alike but for their filters ("three blocks with 32, 64 and 128
    # filters"): prose states them once; the words form lists each layer.
    grow = repeat and rng.random() < 0.5
    block = None
    times = rng.choice((2, 3, 4)) if repeat else rng.choice((1, 2, 2, 3))
    for b in range(times):
        conv = LayerSpec(
            "conv2d", (filters, kernel, kernel), _act(rng) if b == 0 or not repeat else ""
        )
        if repeat and block is not None:
            if grow:
                filters = min(filters * 2, 512)
            specs.extend(_with_filters(s, filters) if grow else s for s in block)
            continue
        part = [conv]
        if rng.random() < 0.3:
            part.append(LayerSpec("batchnorm"))
        if rng.random() < 0.35:
            part.append(LayerSpec("conv2d", (filters, kernel, kernel), conv.activation))
            if not repeat and rng.random() < 0.4 and specs:
                part.append(LayerSpec("add", (len(part),)))
        pool = rng.choice(("maxpool", "maxpool", "avgpool"))
        part.append(LayerSpec(pool, (2, 2) if rng.random() < 0.85 else (3, 3)))
        if rng.random() < 0.15:
            part.append(LayerSpec("dropout", (rng.choice((0.25, 0.2, 0.3)),)))
        specs.extend(part)
        if repeat:
            block = part
        else:
            filters = min(filters * rng.choice((1, 2, 2)), 512)
    specs.append(LayerSpec(rng.choice(("flatten", "flatten", "globalavgpool", "globalmaxpool"))))
    specs.extend(_head(rng))
    if grow:
        return specs, None, 0
    return specs, block, times if repeat else 0


def _with_filters(spec: LayerSpec, filters: int) -> LayerSpec:
    if spec.kind in ("conv2d", "conv1d"):
        return LayerSpec(spec.kind, (filters, *spec.numbers[1:]), spec.activation)
    return spec


def _conv1d(rng: random.Random) -> list[LayerSpec]:
    specs = []
    if rng.random() < 0.5:
        specs.append(
            LayerSpec(
                "input",
                (rng.choice((96, 100, 128, 200, 500, 1000, 2048)), rng.choice((1, 3, 12, 40))),
            )
        )
    elif rng.random() < 0.6:
        specs.append(
            LayerSpec("embedding", (rng.choice((5000, 10000, 20000)), rng.choice((64, 100, 128))))
        )
    filters, width = rng.choice((16, 32, 64, 128)), rng.choice((3, 5, 7))
    norm = rng.random() < 0.35
    pool = rng.random() < 0.6
    for _ in range(rng.choice((1, 2, 3, 4))):
        specs.append(LayerSpec("conv1d", (filters, width), _act(rng)))
        if norm:
            specs.append(LayerSpec("batchnorm"))
        if pool:
            specs.append(LayerSpec(rng.choice(("maxpool", "maxpool", "avgpool")), (2,)))
        filters = min(filters * rng.choice((1, 2, 2)), 512)
    specs.append(LayerSpec(rng.choice(("globalmaxpool", "globalavgpool", "flatten"))))
    return specs + _head(rng)


def _recurrent(rng: random.Random) -> list[LayerSpec]:
    specs = []
    if rng.random() < 0.8:
        specs.append(
            LayerSpec(
                "embedding",
                (
                    rng.choice((1000, 5000, 10000, 20000, 50000)),
                    rng.choice((32, 64, 100, 128, 256, 300)),
                ),
            )
        )
    else:
        specs.append(LayerSpec("input", (rng.choice((50, 100, 200)), rng.choice((1, 8, 16)))))
    cell = rng.choice(("lstm", "lstm", "gru", "rnn"))
    for _ in range(rng.choice((1, 1, 2))):
        kind = ("bi" + cell) if rng.random() < 0.4 else cell
        specs.append(LayerSpec(kind, (rng.choice((32, 64, 128, 256)),)))
        if rng.random() < 0.4:
            specs.append(LayerSpec("dropout", (rng.choice((0.2, 0.3, 0.5)),)))
    if rng.random() < 0.25:
        specs.append(
            LayerSpec("attention", (rng.choice((1, 2, 4, 8)),) if rng.random() < 0.6 else ())
        )
    return specs + _head(rng)


def _transformer(rng: random.Random) -> list[LayerSpec]:
    specs = [
        LayerSpec(
            "embedding", (rng.choice((8000, 10000, 30000, 32000)), rng.choice((64, 128, 256, 512)))
        )
    ]
    heads = rng.choice((2, 4, 8, 8, 12))
    kind = rng.choice(("transformer", "attention"))
    for _ in range(rng.choice((1, 2, 3, 4))):
        specs.append(LayerSpec(kind, (heads,) if rng.random() < 0.8 else ()))
        if kind == "attention" and rng.random() < 0.5:
            specs.append(LayerSpec("layernorm"))
    specs.append(LayerSpec(rng.choice(("globalavgpool", "globalmaxpool", "flatten"))))
    if rng.random() < 0.5:
        specs.append(LayerSpec("dropout", (rng.choice((0.1, 0.2)),)))
    return specs + _head(rng)


def _mlp(rng: random.Random) -> list[LayerSpec]:
    specs = (
        [LayerSpec("input", (rng.choice((8, 20, 30, 64, 100, 784, 1024)),))]
        if rng.random() < 0.8
        else []
    )
    # Half the time every hidden layer has the same followers ("each followed
    # by batch norm and dropout of 0.3"), as real MLPs usually do.
    shared = rng.random() < 0.5
    norm, rate = rng.random() < 0.4, rng.choice((0.1, 0.2, 0.3, 0.5))
    drop, act = rng.random() < 0.6, _act(rng)
    norm_kind = rng.choice(("batchnorm", "batchnorm", "layernorm"))
    for _ in range(rng.choice((1, 2, 3))):
        if not shared:
            norm, drop, act = rng.random() < 0.4, rng.random() < 0.6, _act(rng)
            rate = rng.choice((0.1, 0.2, 0.3, 0.5))
        specs.append(LayerSpec("dense", (rng.choice((32, 64, 128, 256, 512, 1024)),), act))
        if norm:
            specs.append(LayerSpec(norm_kind))
        if drop:
            specs.append(LayerSpec("dropout", (rate,)))
    classes = rng.choice((1, 2, 3, 10))
    specs.append(
        LayerSpec("dense", (classes,), "sigmoid" if classes == 1 else rng.choice(("softmax", "")))
    )
    return specs


# ---------------------------------------------------------------- numbers in text


def _kernel_code(rng: random.Random, k: float, pytorch: bool = False) -> str:
    k = _n(k)
    if pytorch:
        return rng.choice((k, k, f"({k}, {k})", f"kernel_size={k}"))
    return rng.choice((f"({k}, {k})", k, f"kernel_size=({k}, {k})", f"kernel_size={k}"))


# ---------------------------------------------------------------- Keras


_KERAS_ACT = {"leakyrelu": "leaky_relu"}
# Layers whose Keras call we write with `input_shape=` (the others get a keras.Input).
_TAKES_INPUT_SHAPE = ("dense", "conv1d", "conv2d", "flatten", "embedding", "lstm", "gru", "rnn")


def _keras_layer(rng: random.Random, spec: LayerSpec, prefix: str, first_shape: str) -> list[str]:
    """Return the Keras call(s) for one layer (an activation may become its own call)."""
    kw_act = ""
    separate_act = ""
    if spec.activation:
        act = _KERAS_ACT.get(spec.activation, spec.activation)
        q = rng.choice(("'", '"'))
        if spec.kind not in ("dense", "conv1d", "conv2d") or rng.random() < 0.15:
            separate_act = f"{prefix}Activation({q}{act}{q})"
        else:
            kw_act = f", activation={q}{act}{q}"
    nums = spec.numbers
    k = spec.kind
    if k in ("dense", "linear"):
        call = f"Dense({'units=' if rng.random() < 0.2 else ''}{_n(nums[0])}{kw_act}{first_shape})"
    elif k == "conv2d":
        filt = f"filters={_n(nums[0])}" if rng.random() < 0.25 else _n(nums[0])
        pad = rng.choice(("", "", ", padding='same'", ', padding="valid"'))
        call = f"Conv2D({filt}, {_kernel_code(rng, nums[1])}{kw_act}{pad}{first_shape})"
    elif k == "conv1d":
        call = f"Conv1D({_n(nums[0])}, {_n(nums[1])}{kw_act}{first_shape})"
    elif k in ("maxpool", "avgpool"):
        name = "MaxPooling" if k == "maxpool" else "AveragePooling"
        if len(nums) == 2:
            size = rng.choice(
                (f"({_n(nums[0])}, {_n(nums[1])})", f"pool_size=({_n(nums[0])}, {_n(nums[1])})")
            )
            if nums[0] == nums[1] and rng.random() < 0.3:
                size = _n(nums[0])
            call = f"{name}2D({size})"
        else:
            call = f"{name}1D({_n(nums[0])})"
    elif k in ("globalmaxpool", "globalavgpool"):
        name = "GlobalMaxPooling" if k == "globalmaxpool" else "GlobalAveragePooling"
        call = f"{name}{rng.choice(('1D', '2D'))}()"
    elif k == "flatten":
        call = f"Flatten({first_shape.lstrip(', ')})"
    elif k == "batchnorm":
        call = "BatchNormalization()"
    elif k == "layernorm":
        call = "LayerNormalization()"
    elif k == "dropout":
        call = f"Dropout({'rate=' if rng.random() < 0.2 else ''}{_n(nums[0])})"
    elif k == "embedding":
        if rng.random() < 0.4:
            call = f"Embedding(input_dim={_n(nums[0])}, output_dim={_n(nums[1])}{first_shape})"
        else:
            call = f"Embedding({_n(nums[0])}, {_n(nums[1])}{first_shape})"
    elif k in ("lstm", "gru", "rnn", "bilstm", "bigru", "birnn"):
        base = {"lstm": "LSTM", "gru": "GRU", "rnn": "SimpleRNN"}[k.removeprefix("bi")]
        seq = ", return_sequences=True" if rng.random() < 0.3 else ""
        inner = f"{base}({_n(nums[0])}{seq})"
        call = f"Bidirectional({prefix}{inner})" if k.startswith("bi") else inner
        call = call[:-1] + f"{first_shape})" if first_shape and not k.startswith("bi") else call
    elif k == "attention":
        if not nums:
            raise ValueError("Keras attention always states its heads")
        heads = _n(nums[0])
        call = f"MultiHeadAttention(num_heads={heads}, key_dim={rng.choice((16, 32, 64))})"
    elif k == "transformer":
        heads = _n(nums[0]) if nums else str(rng.choice((2, 4)))
        dim = rng.choice((64, 128))
        ff = rng.choice((128, 256))
        call = f"TransformerBlock(embed_dim={dim}, num_heads={heads}, ff_dim={ff})"
        if not nums:
            raise ValueError("a Keras transformer block always states its heads")
    else:
        raise ValueError(f"no Keras form for {k}")
    calls = [call if call.startswith(prefix) or k == "transformer" else prefix + call]
    if separate_act:
        calls.append(separate_act)
    return calls


def _trailing_comment(rng: random.Random, wanted: bool) -> str:
    if wanted and rng.random() < 0.2:
        return "  # " + rng.choice(("block 1", "classifier", "features", "regularise"))
    return ""


def _keras_code(rng: random.Random, specs: list[LayerSpec]) -> str:
    module = rng.choice(("layers.", "layers.", "keras.layers.", "tf.keras.layers.", ""))
    specs = list(specs)
    shape = ""
    input_line = None
    if specs and specs[0].kind == "input":
        dims = ", ".join(_n(v) for v in specs.pop(0).numbers)
        dims = dims + "," if "," not in dims else dims
        takes_shape = specs and specs[0].kind in _TAKES_INPUT_SHAPE
        if rng.random() < 0.5 or not takes_shape:
            input_line = f"keras.Input(shape=({dims}))"
        else:
            shape = f", input_shape=({dims})"
    calls = [input_line] if input_line else []
    for i, spec in enumerate(specs):
        calls.extend(_keras_layer(rng, spec, module, shape if i == 0 else ""))
    comment = rng.random() < 0.3
    imports = rng.choice(
        (
            "from tensorflow import keras\nfrom tensorflow.keras import layers\n\n",
            "import tensorflow as tf\n\n",
            "from keras import layers\nimport keras\n\n",
            "",
        )
    )
    name = rng.choice(("model", "model", "net", "clf", "cnn"))
    if rng.random() < 0.5:
        body = "".join(f"    {call},{_trailing_comment(rng, comment)}\n" for call in calls)
        seq = "keras.Sequential" if rng.random() < 0.6 else "tf.keras.Sequential"
        code = f"{imports}{name} = {seq}([\n{body}])"
        if rng.random() < 0.3:
            code = (
                code[:-2]
                + '], name="'
                + rng.choice(("mnist_cnn", "classifier", "text_model"))
                + '")'
            )
    else:
        lines = [f"{name} = keras.Sequential()"]
        if comment:
            lines.insert(
                0, "# " + rng.choice(("build the model", "simple baseline", "architecture"))
            )
        for call in calls:
            lines.append(f"{name}.add({call})")
        code = imports + "\n".join(lines)
    if rng.random() < 0.3:
        loss = rng.choice(("categorical_crossentropy", "binary_crossentropy", "mse"))
        code += f"\n{name}.compile(optimizer='adam', loss='{loss}')"
    return code


# ---------------------------------------------------------------- PyTorch


def _torch_modules(rng: random.Random, specs: list[LayerSpec]) -> list[str]:
    """Return the nn.* constructor calls for the layers, activations as their own modules."""
    calls = []
    channels = rng.choice((1, 3))
    features = rng.choice((128, 256, 512, 1600, 3136, 9216))
    for spec in specs:
        k, nums = spec.kind, spec.numbers
        if k == "input":
            continue
        if k in ("dense", "linear"):
            calls.append(f"nn.Linear({features}, {_n(nums[0])})")
            features = nums[0]
        elif k == "conv2d":
            calls.append(
                f"nn.Conv2d({channels}, {_n(nums[0])}, {_kernel_code(rng, nums[1], True)}"
                + rng.choice(("", "", ", padding=1", ", stride=1"))
                + ")"
            )
            channels = nums[0]
        elif k == "conv1d":
            calls.append(f"nn.Conv1d({channels}, {_n(nums[0])}, {_n(nums[1])})")
            channels = nums[0]
        elif k in ("maxpool", "avgpool"):
            name = "MaxPool" if k == "maxpool" else "AvgPool"
            dim = "2d" if len(nums) == 2 else "1d"
            calls.append(f"nn.{name}{dim}({_n(nums[0])})")
        elif k == "globalavgpool":
            calls.append(
                rng.choice(
                    (
                        "nn.AdaptiveAvgPool2d(1)",
                        "nn.AdaptiveAvgPool2d((1, 1))",
                        "nn.AdaptiveAvgPool1d(1)",
                    )
                )
            )
        elif k == "globalmaxpool":
            calls.append(rng.choice(("nn.AdaptiveMaxPool2d(1)", "nn.AdaptiveMaxPool1d(1)")))
        elif k == "flatten":
            calls.append("nn.Flatten()")
        elif k == "batchnorm":
            calls.append(
                f"nn.BatchNorm{'2d' if channels > 1 and rng.random() < 0.7 else '1d'}"
                f"({_n(channels if channels > 3 else features)})"
            )
        elif k == "layernorm":
            calls.append(f"nn.LayerNorm({_n(features)})")
        elif k == "dropout":
            calls.append(f"nn.Dropout({'p=' if rng.random() < 0.4 else ''}{_n(nums[0])})")
        elif k == "embedding":
            calls.append(f"nn.Embedding({_n(nums[0])}, {_n(nums[1])})")
            features = nums[1]
        elif k in ("lstm", "gru", "rnn", "bilstm", "bigru", "birnn"):
            base = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}[k.removeprefix("bi")]
            extra = ", batch_first=True" if rng.random() < 0.6 else ""
            if k.startswith("bi"):
                extra += ", bidirectional=True"
            calls.append(f"nn.{base}({_n(features)}, {_n(nums[0])}{extra})")
            features = nums[0] * (2 if k.startswith("bi") else 1)
        elif k == "attention":
            if not nums:
                raise ValueError("PyTorch attention always states its heads")
            heads = _n(nums[0])
            calls.append(
                f"nn.MultiheadAttention(embed_dim={_n(features)}, num_heads={heads}"
                + (", batch_first=True" if rng.random() < 0.5 else "")
                + ")"
            )
        elif k == "transformer":
            heads = _n(nums[0]) if nums else "8"
            if not nums:
                raise ValueError("a PyTorch transformer layer always states its heads")
            calls.append(f"nn.TransformerEncoderLayer(d_model={_n(features)}, nhead={heads})")
        else:
            raise ValueError(f"no PyTorch form for {k}")
        if spec.activation:
            act = {
                "relu": "ReLU",
                "gelu": "GELU",
                "tanh": "Tanh",
                "elu": "ELU",
                "leakyrelu": "LeakyReLU",
                "sigmoid": "Sigmoid",
                "softmax": "Softmax(dim=1)",
                "selu": "SELU",
                "silu": "SiLU",
            }.get(spec.activation)
            if act:
                calls.append(f"nn.{act}" + ("" if act.endswith(")") else "()"))
    return calls


_TORCH_ATTR = {
    "linear": "fc",
    "conv2d": "conv",
    "conv1d": "conv",
    "maxpool2d": "pool",
    "maxpool1d": "pool",
    "avgpool2d": "pool",
    "avgpool1d": "pool",
    "batchnorm2d": "bn",
    "batchnorm1d": "bn",
    "multiheadattention": "attn",
    "transformerencoderlayer": "encoder",
}


def _torch_code(rng: random.Random, specs: list[LayerSpec]) -> str:
    calls = _torch_modules(rng, specs)
    imports = rng.choice(
        ("import torch\nimport torch.nn as nn\n\n", "from torch import nn\n\n", "")
    )
    if rng.random() < 0.5:
        name = rng.choice(("model", "net", "encoder", "classifier"))
        body = "".join(f"    {call},\n" for call in calls)
        return f"{imports}{name} = nn.Sequential(\n{body})"
    cls = rng.choice(("Net", "SimpleCNN", "TextClassifier", "MyModel", "Classifier"))
    attrs, forward = [], []
    counts: dict[str, int] = {}
    for call in calls:
        kind = call.split("(")[0].removeprefix("nn.").lower()
        short = _TORCH_ATTR.get(kind, kind)
        counts[short] = counts.get(short, 0) + 1
        attr = f"{short}{counts[short]}"
        attrs.append(f"        self.{attr} = {call}")
        if kind in ("lstm", "gru", "rnn"):
            forward.append(f"        x, _ = self.{attr}(x)")
        elif kind == "multiheadattention":
            forward.append(f"        x, _ = self.{attr}(x, x, x)")
        else:
            forward.append(f"        x = self.{attr}(x)")
    return (
        f"{imports}class {cls}(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        + "\n".join(attrs)
        + "\n\n    def forward(self, x):\n"
        + "\n".join(forward)
        + "\n        return x"
    )


# ---------------------------------------------------------------- words


def _word_layer(rng: random.Random, spec: LayerSpec) -> str:
    k, nums = spec.kind, [_n(v) for v in spec.numbers]
    act = (
        f" {rng.choice(('with', '+', ''))} {spec.activation}".replace("  ", " ")
        if spec.activation
        else ""
    )
    if k == "input":
        return rng.choice(
            (
                f"input {'x'.join(nums)}",
                f"an input of shape {'x'.join(nums)}",
                f"{'x'.join(nums)} input",
            )
        )
    if k in ("dense", "linear"):
        noun = (
            "linear layer"
            if k == "linear"
            else rng.choice(("dense layer", "Dense", "fully connected layer", "FC layer"))
        )
        return rng.choice(
            (
                f"{noun} {nums[0]}{act}",
                f"a {noun} with {nums[0]} units{act}",
                f"{noun} of {nums[0]}{act}",
            )
        )
    if k == "conv2d":
        return rng.choice(
            (
                f"Conv2D {nums[0]} {nums[1]}x{nums[2]}{act}",
                f"a {nums[1]}x{nums[2]} conv with {nums[0]} filters{act}",
                f"conv layer ({nums[0]} filters, {nums[1]}x{nums[2]}){act}",
            )
        )
    if k == "conv1d":
        return rng.choice(
            (
                f"Conv1D {nums[0]} filters kernel {nums[1]}{act}",
                f"a 1D convolution with {nums[0]} filters of size {nums[1]}{act}",
            )
        )
    if k in ("maxpool", "avgpool"):
        name = "max pooling" if k == "maxpool" else "average pooling"
        size = "x".join(nums)
        return rng.choice(
            (
                f"{size} {name}",
                f"{name} {size}",
                f"{'MaxPooling' if k == 'maxpool' else 'AvgPooling'} {size}",
            )
        )
    if k == "globalmaxpool":
        return rng.choice(("global max pooling", "a global max pool"))
    if k == "globalavgpool":
        return rng.choice(("global average pooling", "a global avg pool", "GlobalAveragePooling"))
    if k == "flatten":
        return rng.choice(("flatten", "a flatten layer", "Flatten"))
    if k == "batchnorm":
        return rng.choice(("batch norm", "batch normalization", "BatchNorm"))
    if k == "layernorm":
        return rng.choice(("layer norm", "layer normalization"))
    if k == "dropout":
        return rng.choice(
            (
                f"dropout {nums[0]}",
                f"Dropout({nums[0]})",
                f"{nums[0]} dropout",
                f"dropout of {nums[0]}",
            )
        )
    if k == "embedding":
        return rng.choice(
            (
                f"an embedding layer ({nums[0]} words, {nums[1]} dims)",
                f"Embedding {nums[0]}x{nums[1]}",
                f"embedding of vocab {nums[0]} into {nums[1]} dimensions",
            )
        )
    if k in ("lstm", "gru", "rnn", "bilstm", "bigru", "birnn"):
        base = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}[k.removeprefix("bi")]
        bi = rng.choice(("bidirectional ", "Bidirectional ", "bi-")) if k.startswith("bi") else ""
        return rng.choice(
            (
                f"a {bi}{base} with {nums[0]} units",
                f"{bi}{base} {nums[0]}",
                f"{bi}{base}({nums[0]})",
            )
        )
    if k == "attention":
        heads = f" with {nums[0]} heads" if nums else ""
        return rng.choice(
            (
                f"a self-attention layer{heads}",
                f"multi-head attention{heads}" if nums else "an attention layer",
            )
        )
    if k == "transformer":
        heads = f" with {nums[0]} heads" if nums else ""
        return rng.choice((f"a transformer encoder block{heads}", f"a transformer block{heads}"))
    raise ValueError(f"no words for {k}")


def _words(
    rng: random.Random, specs: list[LayerSpec], block: list[LayerSpec] | None, times: int
) -> str:
    opener = rng.choice(
        (
            "",
            "",
            "Draw ",
            "diagram of ",
            "Can you draw my model: ",
            "Sketch a network: ",
            "My model is ",
        )
    )
    if block and times:
        first = specs.index(block[0])
        before = [_word_layer(rng, s) for s in specs[:first]]
        after = [_word_layer(rng, s) for s in specs[first + len(block) * times :]]
        inner = (
            " and ".join(_word_layer(rng, s) for s in block)
            if len(block) == 2
            else ", ".join(_word_layer(rng, s) for s in block[:-1])
            + " and "
            + _word_layer(rng, block[-1])
        )
        noun = rng.choice(("conv blocks", "blocks", "identical blocks"))
        middle = f"{number_words(times)} {noun}, each {inner}"
        parts = before + [middle] + after
        return opener + rng.choice((", ".join, "; ".join, lambda p: ", then ".join(p)))(parts)
    parts = []
    for i, spec in enumerate(specs):
        if spec.kind == "add":
            k = int(spec.numbers[0])
            around = {
                1: "around the previous layer",
                2: "around the two previous layers",
                3: "around the last three layers",
            }.get(k, f"around the last {k} layers")
            if all(s.kind == "conv2d" for s in specs[i - k : i]) and k in (2, 3):
                around = f"around the {number_words(k)} conv layers"
            parts.append(
                rng.choice((f"with a residual connection {around}", f"a skip connection {around}"))
            )
        else:
            parts.append(_word_layer(rng, spec))
    style = rng.random()
    if style < 0.4:
        return opener + ", ".join(parts)
    if style < 0.55:
        return opener.strip() + "\n" + "\n".join(f"{i + 1}. {p}" for i, p in enumerate(parts))
    if style < 0.7:
        return opener.strip() + "\n" + "\n".join(f"- {p}" for p in parts)
    text = (
        ", then ".join(parts[:-1]) + (", and finally " if len(parts) > 2 else " and ") + parts[-1]
    )
    return opener + rng.choice(("A network with ", "a model: ", "It starts with ", "")) + text


# ---------------------------------------------------------------- examples


def _architecture(rng: random.Random) -> tuple[list[LayerSpec], list[LayerSpec] | None, int]:
    maker = rng.choices(
        (_image_cnn, _conv1d, _recurrent, _transformer, _mlp), (40, 12, 22, 12, 14)
    )[0]
    if maker is _image_cnn:
        return _image_cnn(rng)
    return maker(rng), None, 0


def layers_example(rng: random.Random) -> Example:
    """Return one sequential network as code or words, with its layer plan."""
    for _ in range(20):
        specs, block, times = _architecture(rng)
        roll = rng.random()
        has_add = any(s.kind == "add" for s in specs)
        try:
            if roll < 0.28 and not has_add:
                prompt = _keras_code(rng, specs)
            elif roll < 0.52 and not has_add:
                prompt = _torch_code(rng, specs)
                specs = [s for s in specs if s.kind != "input"]
                specs = [
                    LayerSpec("linear", s.numbers, s.activation) if s.kind == "dense" else s
                    for s in specs
                ]
                block = None
            elif rng.random() < (0.3 if block else 0.7):
                if specs[0].kind == "embedding" and rng.random() < 0.6:
                    # Token inputs stated as a length ("reviews are cut to 120 words").
                    length = rng.choice((50, 64, 100, 120, 128, 150, 200, 256, 400, 512))
                    specs = [LayerSpec("input", (length,)), *specs]
                prompt = prose(rng, specs)
            else:
                prompt = _words(rng, specs, block, times)
        except ValueError:
            continue
        if "\n" in prompt and rng.random() < 0.5:
            prompt = (
                rng.choice(
                    (
                        "Can you draw this?\n",
                        "diagram for this model please\n",
                        "Draw this network:\n",
                        "",
                    )
                )
                + prompt
            )
        plan = Plan("layers", specs=tuple(specs))
        if len(prompt) <= 1900:
            return finish(rng, prompt, plan, "dl_model", "layers", typos=False)
    raise RuntimeError("no layer example fitted the prompt limit")
