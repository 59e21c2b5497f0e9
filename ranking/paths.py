"""Where the repository keeps trained weights and the cached base model: one definition.

Plain Python (no Django, nothing heavy): settings read the defaults from
here (DIAGRAMSITE_MODELS_DIR and DIAGRAMSITE_MODEL_CACHE override them), and
so does the Django-free pipeline code that needs a default location.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Trained weights: models/generator (LoRA adapter), models/scoring/... (CNN, autoencoder).
MODELS_DIR = REPO_ROOT / "models"
# The base LLM, fetched once by `manage.py fetch_base_model`.
BASE_MODEL_CACHE = REPO_ROOT / "var" / "models" / "smollm2-135m-instruct"
