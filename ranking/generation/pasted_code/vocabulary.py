"""What pasted code calls, and what the plan draws for it: layer classes, activations,
functions, and what cannot be read."""

from __future__ import annotations

import re

# Class names (lower case, no underscores) -> the plan's layer types they may be written as.
CLASSES = {
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

BIDIRECTIONAL = {"lstm": "bilstm", "gru": "bigru", "rnn": "birnn"}

# Calls that draw nothing: containers, and an activation the plan has no word for.
SKIPPED = {"sequential", "model", "module", "identity", "hardswish"}

# Activation calls -> the plan's activation word (part of the layer before).
ACTIVATIONS = {
    "relu": "relu", "relu6": "relu", "leakyrelu": "leakyrelu", "prelu": "prelu", "elu": "elu",
    "selu": "selu", "gelu": "gelu", "silu": "silu", "swish": "swish", "mish": "mish",
    "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax", "logsoftmax": "softmax",
    "softplus": "softplus",
}  # fmt: skip

ACTIVATION = "activation"  # the kind of a marker step, folded away by `fold_activations`

CARRY_ACTIVATION = frozenset(
    {"dense", "linear", "conv1d", "conv2d", "lstm", "gru", "rnn", "bilstm", "bigru", "birnn"}
)

PASSED_BY_ACTIVATION = frozenset({"batchnorm", "layernorm", "maxpool", "avgpool", "dropout"})

# Layers the plan language has no line for, and code whose order is not a
# line of calls: reading these would hold the model to a wrong order.
UNREADABLE = re.compile(
    r"conv3d|conv\w*transpose|upsampl|concatenate|zeropadding|cropping|timedistributed"
    r"|repeatvector|pixelshuffle|separable|depthwise|groupnorm|instancenorm"
    r"|modulelist|moduledict|transformerdecoder"
    r"|^[ \t]*(?:for|while|if)\b[^\n]*:[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)

# Classes a listing calls that build no layer (models, optimisers, losses,
# callbacks); any other class it calls that is not a known layer may be a
# block of its own, whose layers the listing does not show.
NOT_LAYERS = {
    "adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
    "crossentropyloss", "bceloss", "bcewithlogitsloss", "mseloss", "nllloss", "l1loss",
    "sparsecategoricalcrossentropy", "categoricalcrossentropy", "binarycrossentropy",
    "meansquarederror", "accuracy", "earlystopping", "modelcheckpoint", "dataloader",
    "tensor", "variable", "tensordataset", "compose", "totensor", "normalize",
    "ordereddict", "huber",
}  # fmt: skip

# `x.view(...)`, `torch.flatten(x, 1)`, `out.flatten(1)`: a flatten in a forward.
FLATTEN_CALLS = {"view", "flatten", "reshape"}

FUNCTIONAL = {
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

NOT_LAYER_MODULES = (
    "losses.", "optimizers.", "metrics.", "callbacks.", "optim.", "initializers.",
    "regularizers.", "constraints.", "init.", "lr_scheduler.", "schedules.",
)  # fmt: skip

_TORCH = re.compile(r"\bnn\.[A-Z]|\bimport torch|\bfrom torch")
_KERAS = re.compile(r"keras|\blayers\.[A-Z]")


def is_torch(code: str) -> bool:
    """Return whether `code` is PyTorch (and not Keras, whose Dense reads as `dense`)."""
    return bool(_TORCH.search(code)) and not _KERAS.search(code)


CODE = re.compile(r"\bnn\.[A-Z]|\blayers\.[A-Z]|Sequential\(|\.add\([A-Z]|keras\.")

CALL = re.compile(r"((?:\b[A-Za-z_]\w*\.)*)([A-Za-z_]\w*)\(")

# `x + h`, `out += identity`: a skip connection in a forward (not `n + 1`).
PLUS = re.compile(r"(?<=[\w)\]])\s*\+=?\s*(?=[A-Za-z_])")

NEVER_TWICE = {"flatten", "globalmaxpool", "globalavgpool", "batchnorm", "layernorm", "dropout"}

TORCH_INPUT_FIRST = frozenset(
    {"linear", "dense", "conv1d", "conv2d", "lstm", "gru", "rnn", "bilstm", "bigru", "birnn"}
)
