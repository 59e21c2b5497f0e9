"""Default model registrations, so a fresh database can run jobs at once.

Shared by the data migration and `manage.py seed_models`; both take the model
classes as arguments so the migration can pass its historical models.
"""

from ranking.scoring import knn

DEFAULT_LLM = {
    "name": "smollm2-135m-plan",
    "base_model": "",  # empty: the cache made by `manage.py fetch_base_model`
    "adapter_path": "generator",
    "output_format": "plan",
    "generation_settings": {"max_new_tokens": 200, "temperature": 0.9, "top_p": 0.95},
    "device": "auto",
}

DEFAULT_SCORER = {
    "name": "default-scorer",
    "readability_path": "scoring/readability",
    "autoencoder_path": "scoring/autoencoder",
    "knn_k": knn.DEFAULT_K,  # the reference rule's K=3 ranks worse (docs/benchmarks.md)
}


def seed_defaults(llm_model, scorer_model) -> list[str]:
    """Register the default LLM and scorer, activating each kind that has no active row.

    Returns what it did, one phrase per change. Existing rows are updated to
    the default paths only when they carry the default name.
    """
    done = []
    for model, values in ((llm_model, DEFAULT_LLM), (scorer_model, DEFAULT_SCORER)):
        fields = {key: value for key, value in values.items() if key != "name"}
        row, created = model.objects.update_or_create(name=values["name"], defaults=fields)
        done.append(f"{'registered' if created else 'updated'} {row.name}")
        if not model.objects.filter(is_active=True).exists():
            model.objects.filter(pk=row.pk).update(is_active=True)
            done.append(f"activated {row.name}")
    return done
