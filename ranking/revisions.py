"""Edit a diagram's plan: save it as a scored revision and keep the edit as a correction.

A revision is a new Diagram of the same user and job (so it keeps the
prompt), linked to the diagram it was edited from by `parent`. It is scored
exactly as the worker scores candidates (readability CNN, the user's own
k-NN, final score) with the active scorer. The edited diagram never
changes. Every save also stores a `Correction`: the prompt, the plan the
model wrote, the plan the user saved.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from ranking.models import Correction, Diagram, ScorerVersion, plan_structure
from ranking.plan_check import Checked, PlanInvalid, check_plan
from ranking.presenters import with_score_out_of_5

# How far up a lineage the pages follow `parent` (a revision of a revision of ...).
MAX_LINEAGE = 50


class NoScorer(RuntimeError):
    """No scorer version is active, so a revision cannot be scored."""


def model_plan_of(diagram: Diagram) -> str:
    """Return the plan the model wrote for `diagram`'s lineage (its own plan for a candidate)."""
    if diagram.parent_id is None:
        return diagram.plan
    # A revision's correction remembers the model's plan even if ancestors were deleted.
    earlier = Correction.objects.filter(diagram=diagram).values_list("model_plan", flat=True)
    for plan in earlier[:1]:
        return plan
    lineage = ancestors(diagram)
    return lineage[-1].plan if lineage else diagram.plan


def ancestors(diagram: Diagram) -> list[Diagram]:
    """Return the diagrams `diagram` was edited from, nearest first (the model's candidate last)."""
    found, seen = [], {diagram.pk}
    current = diagram
    while current.parent_id is not None and len(found) < MAX_LINEAGE:
        parent = Diagram.objects.filter(pk=current.parent_id, user_id=diagram.user_id).first()
        if parent is None or parent.pk in seen:
            break
        found.append(parent)
        seen.add(parent.pk)
        current = parent
    return found


def score(user_id: int, diagram) -> dict:
    """Return the fields a candidate's scores fill, for one laid-out diagram of this user."""
    from ranking import drawrank, engines
    from ranking.runner import user_ratings

    version = ScorerVersion.objects.active()
    if version is None:
        raise NoScorer("No scorer version is active: staff must activate one in the admin.")
    scorer = engines.scorer_for(version)
    rated_latents, ratings = user_ratings(user_id, version, scorer)
    ranked = drawrank.rank(scorer, [diagram], rated_latents, ratings, recommend=1, k=version.knn_k)
    return {
        "readability": float(ranked.readability[0]),
        "user_score": None if ranked.user_scores is None else float(ranked.user_scores[0]),
        "final_score": float(ranked.final[0]),
        "latent": Diagram.pack_latent(ranked.latents[0]),
        "latent_scorer": version,
    }


def create_revision(user, source: Diagram, plan_text) -> Diagram:
    """Save `plan_text` as a new scored diagram edited from `source`; store the correction.

    Raises PlanInvalid for a plan that does not parse or lay out, or is the
    source's plan unchanged; PermissionError for someone else's diagram;
    NoScorer without an active scorer. Nothing is written unless all succeeds.
    """
    if source.user_id != user.pk:
        raise PermissionError("users revise only their own diagrams")
    checked: Checked = check_plan(plan_text)
    if source.plan and checked.text == _canonical(source.plan):
        raise PlanInvalid([{"line": None, "message": "nothing changed: edit the plan first"}])
    scores = score(user.pk, checked.diagram)
    model_plan = model_plan_of(source)
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _store(user, source, checked, scores, model_plan)
        except IntegrityError:
            # Two saves into one job took the same rank; the next try takes the next one.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _canonical(plan: str) -> str:
    try:
        return check_plan(plan).text
    except PlanInvalid:
        return plan.strip()


def _store(user, source: Diagram, checked: Checked, scores: dict, model_plan: str) -> Diagram:
    last = Diagram.objects.filter(job_id=source.job_id).aggregate(last=Max("rank"))["last"] or 0
    revision = Diagram.objects.create(
        job_id=source.job_id,
        user=user,
        parent=source,
        rank=last + 1,
        recommended=False,
        node_list=checked.node_list,
        plan=checked.text,
        structure_rank=0,  # the user's own reading now, not one of the model's
        created_at=timezone.now(),
        **scores,
    )
    Correction.objects.create(
        user=user,
        diagram=revision,
        source_diagram=source,
        prompt=source.job.prompt,
        model_plan=model_plan,
        saved_plan=checked.text,
        structure_changed=plan_structure(checked.text) != plan_structure(model_plan),
    )
    return revision


def place_in_job(diagram: Diagram) -> tuple[int, int]:
    """Return (place by final score among the job's diagrams, how many there are).

    Compared on the pages' 0-5 scale: a revision scored after the user's
    first ratings (readability + predicted rating, 0-10) must not outrank
    candidates scored by readability alone just by its scale.
    """
    scores = list(
        with_score_out_of_5(Diagram.objects.filter(job_id=diagram.job_id)).values_list(
            "score_out_of_5", flat=True
        )
    )
    better = sum(1 for value in scores if value > diagram.final_out_of_5)
    return better + 1, len(scores)
