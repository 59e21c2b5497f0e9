"""The staff "Learn from users" page: what there is to learn, runs, reports, activation.

Every view is staff-only (`staff_member_required`: anyone else is sent to the
admin log-in). Starting, activating and rolling back are POSTs with CSRF.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ranking.learning import runs
from ranking.learning.forms import LLMRunForm, ScorerRunForm
from ranking.learning.models import Activation, Kind, TrainingRun
from ranking.learning.report import comparison_rows
from ranking.models import LLMConfig, ScorerVersion


@staff_member_required
def learning_page(request, llm_form=None, scorer_form=None):
    """Show counts since the active versions were trained, the run in flight, reports."""
    finished = TrainingRun.objects.finished().select_related("llm_config", "scorer")
    compare = None
    if request.GET.get("compare"):
        compare = finished.filter(pk=request.GET["compare"]).first()
    active_llm, active_scorer = LLMConfig.objects.active(), ScorerVersion.objects.active()
    context = {
        "title": "Learn from users",
        "llm_counts": runs.new_data_counts(Kind.LLM),
        "scorer_counts": runs.new_data_counts(Kind.SCORER),
        "active_llm": active_llm,
        "active_scorer": active_scorer,
        "in_flight": TrainingRun.objects.in_flight().first(),
        "recent_failures": TrainingRun.objects.filter(status=TrainingRun.Status.FAILED)[:3],
        "finished": finished[:30],
        "compare": compare,
        "comparison": comparison_rows(compare, _active_run(compare)) if compare else [],
        "llm_form": llm_form or LLMRunForm(),
        "scorer_form": scorer_form or ScorerRunForm(),
        "can_roll_back": {
            kind: Activation.objects.filter(kind=kind).exists() for kind in (Kind.LLM, Kind.SCORER)
        },
    }
    return render(request, "learning/page.html", context)


def _active_run(run: TrainingRun) -> TrainingRun | None:
    """Return the training run of the version now active of `run`'s kind (None: shipped)."""
    active = (LLMConfig if run.kind == Kind.LLM else ScorerVersion).objects.active()
    return getattr(active, "training_run", None) if active is not None else None


@staff_member_required
def run_status(request):
    """Return the run in flight (or the latest) as JSON for the page's progress bar."""
    run = TrainingRun.objects.in_flight().first() or TrainingRun.objects.first()
    if run is None:
        return JsonResponse({"run": None})
    return JsonResponse(
        {
            "run": {
                "id": run.pk,
                "name": run.name,
                "kind": run.kind,
                "status": run.status,
                "progress": run.progress,
                "error": run.error,
            }
        }
    )


@staff_member_required
@require_POST
def start_run(request, kind):
    """Queue a run from the posted form and hand it to a worker once committed."""
    if kind not in (Kind.LLM, Kind.SCORER):
        raise Http404("no such kind of run")
    form = (LLMRunForm if kind == Kind.LLM else ScorerRunForm)(request.POST)
    if not form.is_valid():
        forms = {"llm_form": form} if kind == Kind.LLM else {"scorer_form": form}
        return learning_page(request, **forms)
    data = form.cleaned_data
    if kind == Kind.LLM:
        options = {
            "eval_limit": data["eval_limit"],
            "readability": data["readability"],
            "threads": data["threads"],
        }
        method, steps = data["method"], data["steps"]
    else:
        options, method, steps = {"epochs": data["epochs"]}, "", 0
    try:
        with transaction.atomic():
            run = runs.create_run(
                request.user, kind, data["name"], method=method, steps=steps, options=options
            )
            transaction.on_commit(lambda: runs.dispatch_run(run.pk))
    except runs.RunRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Started {run.name}; progress below.")
    return redirect("learning-page")


@staff_member_required
@require_POST
def activate_run(request, run_id):
    """Activate the version a finished run registered."""
    run = get_object_or_404(TrainingRun.objects.finished(), pk=run_id)
    if run.version is None:
        messages.error(request, f"{run.name}'s version was deleted.")
    else:
        runs.activate(request.user, run.version)
        messages.success(request, f"{run.name} is now active; the next job uses it.")
    return redirect("learning-page")


@staff_member_required
@require_POST
def roll_back(request, kind):
    """Activate the version that was active before the latest activation of `kind`."""
    if kind not in (Kind.LLM, Kind.SCORER):
        raise Http404("no such kind")
    try:
        activation = runs.roll_back(request.user, kind)
    except runs.RunRefused as exc:
        messages.error(request, str(exc))
    else:
        now = activation.llm_config if kind == Kind.LLM else activation.scorer
        messages.success(request, f"Rolled back: {now.name} is active again.")
    return redirect("learning-page")
