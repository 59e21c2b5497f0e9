"""Flowchart vocabulary: the phrases of the reference prompts and their node kinds.

The plan copies a prompt's noun phrases verbatim ("python code", "DB");
`kind_of` maps such a phrase to the node kind the reference generator used,
for shapes and colours and for matching a later mention of "png file" with an
earlier picture node.
"""

from __future__ import annotations

# Data kinds and the phrases the reference prompts use for each.
DATA_PHRASES: dict[str, tuple[str, ...]] = {
    "numeric": (
        "pytorch tensor",
        "tensorflow tensor",
        "tensor",
        "tensors",
        "buffer",
        "buffers",
        "numeric values",
        "matrix",
        "matrices",
        "numpy array",
    ),
    "str": ("sentence", "text", "tokens", "string", "pandas dataframe"),
    "db": ("database", "DB", "data store", "data storage"),
    "chart": ("table", "graph", "chart", "histogram", "line chart", "experiment result"),
    "picture": ("png file", "jpg file", "picture", "figure"),
}

# Processor kinds and their phrases.
PROC_PHRASES: dict[str, tuple[str, ...]] = {
    "model": (
        "NN",
        "CNN model",
        "LLM",
        "AI model",
        "neural network",
        "language model",
        "deep learning model",
        "machine learning model",
        "model",
    ),
    "func": ("python code", "python file", "code file", "function"),
    "process": ("PCA", "feature engineering", "pre-processing", "processing", "process"),
}

# Extra phrases a user might type, used by the synthetic generator for variety.
EXTRA_DATA_PHRASES: dict[str, tuple[str, ...]] = {
    "numeric": ("embeddings", "feature vectors", "array", "weights", "scores"),
    "str": ("json file", "csv file", "documents", "prompt", "labels", "log file"),
    "db": ("SQL database", "data lake", "vector store", "cache", "S3 bucket"),
    "chart": ("bar chart", "scatter plot", "report", "dashboard", "confusion matrix"),
    "picture": ("image", "images", "photo", "heatmap", "screenshot"),
}
EXTRA_PROC_PHRASES: dict[str, tuple[str, ...]] = {
    "model": ("transformer", "random forest", "XGBoost model", "classifier", "GPT model"),
    "func": ("python script", "SQL query", "shell script", "notebook"),
    "process": ("tokenizer", "normalization", "clustering", "data cleaning", "augmentation"),
}

DATA_KINDS = tuple(DATA_PHRASES)
PROC_KINDS = tuple(PROC_PHRASES)


def to_word(phrase: str) -> str:
    """Return the lookup key of a phrase ("Png  File" -> "png file")."""
    return " ".join(phrase.lower().split())


def _build_kinds() -> dict[str, str]:
    kinds: dict[str, str] = {}
    for table in (DATA_PHRASES, EXTRA_DATA_PHRASES, PROC_PHRASES, EXTRA_PROC_PHRASES):
        for kind, phrases in table.items():
            for phrase in phrases:
                kinds.setdefault(to_word(phrase), kind)
    return kinds


WORD_KINDS = _build_kinds()


def kind_of(word: str, as_processor: bool) -> str:
    """Return the node kind of a plan phrase; unknown phrases get a generic kind."""
    kind = WORD_KINDS.get(to_word(word))
    if kind is None:
        return "process" if as_processor else "data"
    return kind
