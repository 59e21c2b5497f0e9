"""Pages: new diagram, a job's live progress and results, history, one diagram.

Views are thin: access goes through `ranking.access`, writes through
`ranking.services`, presentation helpers live in `ranking.presenters`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ranking import revisions, services
from ranking.access import get_diagram_for_user, get_job_for_user
from ranking.diagrams.nodelist import parse
from ranking.diagrams.render import render_svg
from ranking.examples import EXAMPLES
from ranking.forms import HistoryFilterForm, JobForm, RatingForm
from ranking.models import Diagram, Job, Rating, plan_structure
from ranking.plan_check import PlanInvalid, style_controls
from ranking.presenters import (
    STAGES,
    group_by_job,
    progress_summary,
    stage_table,
    with_my_rating,
    with_score_out_of_5,
)

HISTORY_PAGE_SIZE = 24


def _initial_job_fields(request) -> dict:
    """Return the new-job form's initial values from ?example=N or ?from=<job id>."""
    initial = {"count": 5, "recommend": 3}
    example = request.GET.get("example", "")
    if example.isdigit() and int(example) < len(EXAMPLES):
        initial["prompt"] = EXAMPLES[int(example)].prompt
    source = request.GET.get("from", "")
    if source:
        job = get_job_for_user(request.user, source)
        initial.update(prompt=job.prompt, count=job.count, recommend=job.recommend)
    return initial


@require_http_methods(["GET", "POST"])
def home(request):
    """Show the new-diagram form; a valid POST submits a job and goes to its page.

    Over the in-flight limit the form comes back with the prompt kept and a 429.
    """
    status, busy = 200, False
    if request.method == "POST":
        form = JobForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = services.submit_job(
                    request.user, data["prompt"], data["count"], data["recommend"]
                )
            except services.JobLimitExceeded:
                status, busy = 429, True
            else:
                return redirect("ranking-job-detail", job.pk)
        else:
            status = 400
    else:
        form = JobForm(initial=_initial_job_fields(request))
    context = {
        "form": form,
        "busy": busy,
        "max_in_flight": settings.MAX_JOBS_IN_FLIGHT,
        "max_prompt_length": settings.MAX_PROMPT_LENGTH,
        "examples": EXAMPLES,
        "recent_jobs": Job.objects.for_user(request.user)[:6],
    }
    return render(request, "home.html", context, status=status)


def _results_context(request, job: Job) -> dict:
    """Return the finished job's diagrams split into recommended and the rest."""
    diagrams = list(
        with_my_rating(
            job.diagrams.select_related("job", "parent").prefetch_related("revisions"),
            request.user,
        ).order_by("rank")
    )
    return {
        "job": job,
        "recommended": [d for d in diagrams if d.recommended],
        "others": [d for d in diagrams if not d.recommended and d.parent_id is None],
        # The user's own edits of this job's diagrams, scored like the candidates.
        "edits": [d for d in diagrams if d.parent_id is not None],
        # The message is about this ranking: were the user's ratings part of it?
        "personalised": bool((job.progress or {}).get("personalised"))
        or any(d.user_score is not None for d in diagrams),
    }


@require_GET
def job_detail(request, job_id):
    """Show a job: live progress while it runs (job.js), its ranked diagrams when done."""
    job = get_job_for_user(request.user, job_id)
    context = {
        "job": job,
        "progress": progress_summary(job),
        "stages": STAGES,
        "stage_table": stage_table(),
        "finished": job.is_finished,
        "candidates": _candidates(job),
        # One preview URL per candidate slot, so job.js never builds URLs from strings.
        "candidate_urls": [
            reverse("ranking-job-candidate-svg", args=[job.pk, index]) for index in range(job.count)
        ],
    }
    if job.status == Job.Status.DONE:
        context.update(_results_context(request, job))
    return render(request, "ranking/job.html", context)


@require_GET
def job_results(request, job_id):
    """Return the results section alone, for job.js to swap in when the job finishes."""
    job = get_job_for_user(request.user, job_id)
    if job.status != Job.Status.DONE:
        return HttpResponse(status=204)
    return render(request, "ranking/_results.html", _results_context(request, job))


def _candidates(job: Job) -> list[dict]:
    """Return the finished-but-unranked candidates stored in the job's progress."""
    if job.is_finished or not isinstance(job.progress, dict):
        return []
    rows = job.progress.get("candidates") or []
    found = [
        {
            "index": row.get("index", i),
            "number": row.get("index", i) + 1,
            "plan": plan_structure(str(row.get("plan") or "")),
            "structure_rank": row.get("structure_rank") or 0,
        }
        for i, row in enumerate(rows)
        if isinstance(row, dict) and row.get("node_list") and isinstance(row.get("index", i), int)
    ]
    return sorted(found, key=lambda c: c["index"])


@require_GET
def job_candidate_svg(request, job_id, index):
    """Return a preview SVG of a candidate that finished before the job was ranked."""
    job = get_job_for_user(request.user, job_id)
    rows = job.progress.get("candidates") if isinstance(job.progress, dict) else None
    # By the candidate's own index: candidates finish (and are stored) in any order.
    row = next((r for r in rows or [] if isinstance(r, dict) and r.get("index") == index), None)
    if row is None:
        raise Http404("No such candidate.")
    svg = render_svg(parse(str(row.get("node_list", ""))).diagram)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _filtered_history(request, form: HistoryFilterForm):
    """Return the user's diagrams, newest job first, filtered by the valid filters."""
    rated = Rating.objects.filter(diagram=OuterRef("pk"), user=request.user)
    diagrams = with_my_rating(
        Diagram.objects.visible_to(request.user)
        .select_related("job", "parent")
        .prefetch_related("revisions"),
        request.user,
    ).order_by("-job__created_at", "-job_id", "rank")
    if form.is_valid():
        if form.cleaned_data["rated"] == "rated":
            diagrams = diagrams.filter(Exists(rated))
        elif form.cleaned_data["rated"] == "unrated":
            diagrams = diagrams.exclude(Exists(rated))
        if form.cleaned_data["min_score"] is not None:
            diagrams = with_score_out_of_5(diagrams).filter(
                score_out_of_5__gte=form.cleaned_data["min_score"]
            )
    return diagrams


@require_GET
def history(request):
    """Show the user's diagrams grouped by prompt, newest first, paginated and filterable."""
    form = HistoryFilterForm(request.GET)
    page = Paginator(_filtered_history(request, form), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    kept = {k: v for k, v in request.GET.items() if k in form.fields and v}
    context = {
        "filters": form,
        "filtering": bool(kept),
        "page_obj": page,
        "groups": group_by_job(page.object_list),
        "query_prefix": urlencode(kept) + "&" if kept else "",
    }
    return render(request, "ranking/history.html", context)


def _diagram_page(request, diagram: Diagram, plan_text=None, errors=None, status=200):
    """Render the diagram page: picture, scores, lineage and the plan editor."""
    diagram = with_my_rating(
        Diagram.objects.filter(pk=diagram.pk).select_related("job", "parent"), request.user
    ).get()
    plan_text = diagram.plan if plan_text is None else plan_text
    place, total = revisions.place_in_job(diagram)
    context = {
        "d": diagram,
        "node_count": len(parse(diagram.node_list).diagram.nodes),
        "ancestors": revisions.ancestors(diagram),
        "edited_into": diagram.revisions.order_by("rank"),
        "place": place,
        "place_total": total,
        "plan_text": plan_text,
        "plan_errors": errors or [],
        "style_controls": style_controls(plan_text),
        "max_plan_length": settings.MAX_PROMPT_LENGTH,
        "editor_urls": {
            "preview": reverse("ranking-api-preview"),
            "revisions": reverse("ranking-api-diagram-revisions", args=[diagram.pk]),
        },
    }
    return render(request, "ranking/diagram.html", context, status=status)


@require_GET
def diagram_detail(request, diagram_id):
    """Show one diagram large with its scores, rating, downloads, lineage and plan editor."""
    return _diagram_page(request, get_diagram_for_user(request.user, diagram_id))


@require_POST
def diagram_revise(request, diagram_id):
    """Save the editor's plan as a new, scored diagram (the form without JavaScript)."""
    source = get_diagram_for_user(request.user, diagram_id)
    plan_text = request.POST.get("plan", "")
    try:
        revision = revisions.create_revision(request.user, source, plan_text)
    except PlanInvalid as exc:
        return _diagram_page(request, source, plan_text, exc.errors, status=400)
    except revisions.NoScorer as exc:
        errors = [{"line": None, "message": str(exc)}]
        return _diagram_page(request, source, plan_text, errors, status=503)
    return redirect(revision.get_absolute_url())


@require_POST
def diagram_rate(request, diagram_id):
    """Save or clear a rating from the star widget's no-JavaScript form, then go back."""
    diagram = get_diagram_for_user(request.user, diagram_id)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return HttpResponse("A rating is a whole number from 0 to 5.", status=400)
    if form.cleaned_data["clear"]:
        services.clear_rating(request.user, diagram)
    else:
        services.rate_diagram(request.user, diagram, form.cleaned_data["score"])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = diagram.get_absolute_url()
    return redirect(target)
