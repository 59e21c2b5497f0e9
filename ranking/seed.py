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

# The first scorer: the CNN ensemble's mean alone. Kept registered on
# databases that had it, so its stored scores keep a name.
FIRST_SCORER = {
    "name": "default-scorer",
    "readability_path": "scoring/readability",
    "autoencoder_path": "scoring/autoencoder",
    "knn_k": knn.DEFAULT_K,  # the reference rule's K=3 ranks worse (docs/benchmarks.md)
}
# Networks retrained with specks among the degradations, their scores kept
# within the floor and ceiling of the measured aesthetics, with reasons
# (docs/benchmarks.md, "Readability you can believe").
DEFAULT_SCORER = {
    **FIRST_SCORER,
    "name": "readability-v2",
    "readability_path": "scoring/readability-v2",
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


def activate_default_scorer(scorer_model) -> list[str]:
    """Register DEFAULT_SCORER and make it active where the first scorer (or none) was.

    A scorer version staff activated by hand stays active.
    """
    fields = {key: value for key, value in DEFAULT_SCORER.items() if key != "name"}
    row, created = scorer_model.objects.update_or_create(
        name=DEFAULT_SCORER["name"], defaults=fields
    )
    done = [f"{'registered' if created else 'updated'} {row.name}"]
    active = scorer_model.objects.filter(is_active=True).first()
    if active is None or active.name == FIRST_SCORER["name"]:
        # One active row at a time (a unique constraint): switch off first.
        scorer_model.objects.filter(is_active=True).update(is_active=False)
        scorer_model.objects.filter(pk=row.pk).update(is_active=True)
        done.append(f"activated {row.name}")
    return done
