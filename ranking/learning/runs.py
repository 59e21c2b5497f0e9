"""Training runs from users' data: start one (one at a time), run it on a worker, activate.

An LLM run tunes the active adapter on preference pairs (ORPO or DPO),
evaluates it against the active one, and registers a new, inactive
LLMConfig whose adapter lives under var/learning/llm/<name>/. A scorer run
retrains the readability ensemble on the reference labels plus the app's
own ratings into a new, inactive ScorerVersion. The report of each is
stored on its TrainingRun and as report.json beside the weights.

The management command and the staff page go through the same functions:
`create_run` then `execute_run` (the command in the foreground; the page
hands the run to a worker with `dispatch_run`).
"""

from __future__ import annotations

import inspect
import json
import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from ranking.learning import evaluate, preference
from ranking.learning import pairs as pairs_mod
from ranking.learning.models import Activation, Kind, TrainingRun
from ranking.models import Correction, LLMConfig, Rating, ScorerVersion

log = logging.getLogger(__name__)

DEFAULT_EVAL_LIMIT = 20
# A running run that has not reported for this long lost its worker; the next
# start marks it failed (its checkpoint stays: a run with the same name resumes).
RUN_STALE_SECONDS = 20 * 60


class RunRefused(Exception):
    """A run cannot start (one is in flight, the name is taken, nothing to learn from)."""


def learning_dir() -> Path:
    """Return where trained versions are written (settings.LEARNING_DIR or var/learning)."""
    configured = getattr(settings, "LEARNING_DIR", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "learning"


def run_dir(kind: str, name: str) -> Path:
    return learning_dir() / kind / name


# ---------------------------------------------------------------- what there is to learn


def active_trained_at(kind: str):
    """Return when the active version's training run started (None: shipped, never trained here)."""
    active = (LLMConfig if kind == Kind.LLM else ScorerVersion).objects.active()
    run = getattr(active, "training_run", None) if active is not None else None
    return run.started_at if run is not None else None


def new_data_counts(kind: str = Kind.LLM) -> dict:
    """Return ratings, corrections and pairs newer than the active version's training."""
    since = active_trained_at(kind)
    ratings = Rating.objects.all()
    corrections = Correction.objects.all()
    if since is not None:
        ratings = ratings.filter(updated_at__gt=since)
        corrections = corrections.filter(created_at__gt=since)
    found = pairs_mod.build_pairs(since=since, include_readability=True)
    return {
        "since": since.isoformat() if since else None,
        "ratings": ratings.count(),
        "corrections": corrections.count(),
        "pairs": pairs_mod.counts_by_source(found),
    }


# ---------------------------------------------------------------- starting


def create_run(
    user, kind: str, name: str, *, method: str = "orpo", steps: int = 0, options=None
) -> TrainingRun:
    """Store a queued run after checking it may start; raise RunRefused with the reason."""
    name = (name or "").strip()
    if not name:
        raise RunRefused("Give the new version a name.")
    model = LLMConfig if kind == Kind.LLM else ScorerVersion
    if model.objects.filter(name=name).exists():
        raise RunRefused(f"A version named {name!r} exists already; choose another name.")
    if kind == Kind.LLM and method not in preference.METHODS:
        raise RunRefused(f"Method must be one of {', '.join(preference.METHODS)}.")
    if kind == Kind.LLM and steps < 1:
        raise RunRefused("Train for at least one step.")
    fail_stale_runs()
    active = model.objects.active()
    if active is None:
        raise RunRefused("No active version to start from; activate one first.")
    try:
        with transaction.atomic():
            run = TrainingRun.objects.create(
                kind=kind,
                name=name,
                method=method if kind == Kind.LLM else "",
                steps=steps,
                options=dict(options or {}),
                requested_by=user if getattr(user, "is_authenticated", False) else None,
                started_from_llm=active if kind == Kind.LLM else None,
                started_from_scorer=active if kind == Kind.SCORER else None,
                progress={"stage": "queued"},
            )
    except IntegrityError as exc:
        # The partial unique index: another run is queued or running.
        busy = TrainingRun.objects.in_flight().first()
        raise RunRefused(f"{busy or 'Another run'} is in progress; one run at a time.") from exc
    return run


def fail_stale_runs() -> int:
    """Mark runs whose worker has been silent for RUN_STALE_SECONDS failed; return how many."""
    cutoff = timezone.now() - timedelta(seconds=RUN_STALE_SECONDS)
    stale = TrainingRun.objects.filter(status=TrainingRun.Status.RUNNING, heartbeat_at__lt=cutoff)
    count = 0
    for run in stale:
        run.fail("the worker running it stopped; start it again with the same name to resume")
        count += 1
    return count


def dispatch_run(run_id: int) -> None:
    """Hand a queued run to a worker: a thread beside the job worker, or a Celery task.

    A thread of its own, not the job worker's, so generation jobs keep being
    served while it trains (they share the CPU; docs/benchmarks.md has the slowdown).
    """
    mode = settings.WORKER_MODE
    if mode == "thread":
        threading.Thread(
            target=_run_in_thread, args=(run_id,), name=f"learning-{run_id}", daemon=True
        ).start()
    elif mode == "celery":
        from ranking.learning.tasks import run_training_task

        run_training_task.apply_async(args=[run_id])


def _run_in_thread(run_id: int) -> None:
    try:
        execute_run(run_id)
    finally:
        close_old_connections()


# ---------------------------------------------------------------- running


def execute_run(run_id: int, on_progress=None) -> TrainingRun:
    """Claim and run a queued run to its end; a failure is stored on the run with its reason."""
    run = TrainingRun.objects.get(pk=run_id)
    if not run.claim():
        return run

    def report(**values):
        run.set_progress(**values)
        if on_progress is not None:
            on_progress(dict(run.progress))

    try:
        if run.kind == Kind.LLM:
            version, result = train_llm_version(run, report)
        else:
            version, result = train_scorer_version(run, report)
    except Exception as exc:
        log.exception("training run %s failed", run.pk)
        run.fail(f"{type(exc).__name__}: {exc}")
        return run
    run.finish(result, version)
    return run


def load_run_pairs(options: dict) -> list:
    """Return the pairs a run learns from: a JSONL file, or the database now."""
    if options.get("data"):
        return pairs_mod.read_jsonl(options["data"])
    return pairs_mod.build_pairs(include_readability=bool(options.get("readability", False)))


def train_llm_version(run: TrainingRun, report) -> tuple[LLMConfig, dict]:
    """Tune the active adapter on the pairs, evaluate, register an inactive LLMConfig."""
    from ranking import engines
    from ranking.generation import llm

    started = time.monotonic()
    options = run.options or {}
    active = run.started_from_llm or LLMConfig.objects.active()
    found = load_run_pairs(options)
    if not found:
        raise RunRefused("there are no preference pairs yet (ratings 2+ apart or corrections)")
    train_pairs, held_out = preference.split_held_out(found, options.get("held_out", 0.2))
    directory = run_dir(Kind.LLM, run.name)
    adapter = active.adapter_location()
    config = preference.PreferenceConfig(
        method=run.method,
        output=str(directory / "adapter"),
        checkpoint_dir=str(directory / "checkpoint"),
        base_path=active.base_model or None,
        init_adapter=str(adapter) if adapter else None,
        steps=run.steps,
        batch_pairs=int(options.get("batch_pairs", 4)),
        lr=float(options.get("lr", preference.PreferenceConfig.lr)),
        threads=int(options.get("threads", 1)),
        seed=int(options.get("seed", 1)),
        correction_repeats=int(
            options.get("correction_repeats", preference.PreferenceConfig.correction_repeats)
        ),
        anchors_per_step=int(
            options.get("anchors_per_step", preference.PreferenceConfig.anchors_per_step)
        ),
        autocast=str(options.get("autocast", preference.PreferenceConfig.autocast)),
        reference_anchors=float(
            options.get("reference_anchors", preference.PreferenceConfig.reference_anchors)
        ),
        # 0 (or absent with no default) trains every layer's adapter.
        pair_layers=int(options.get("pair_layers", preference.PreferenceConfig.pair_layers or 0))
        or None,
        style_only=bool(options.get("style_only", preference.PreferenceConfig.style_only)),
        mixed_as_style=bool(
            options.get("mixed_as_style", preference.PreferenceConfig.mixed_as_style)
        ),
        frozen_context=bool(
            options.get("frozen_context", preference.PreferenceConfig.frozen_context)
        ),
        style_head=bool(options.get("style_head", preference.PreferenceConfig.style_head)),
        correction_lambda=options.get("correction_lambda"),
    )
    resume = (Path(config.checkpoint_dir) / "trainer_state.pt").exists()
    clock = preference.Progress(total=run.steps)
    report(stage="training", step=0, steps=run.steps, message="loading the model")

    def on_step(record):
        report(stage="training", message="", **clock.update(record))

    summary = preference.train(
        config, train_pairs, held_out, resume=resume, progress=on_step, log=log.info
    )

    limit = int(options.get("eval_limit", DEFAULT_EVAL_LIMIT))
    sets = tuple(options.get("eval_sets", evaluate.DEFAULT_SETS))
    evaluation = {"limit": limit, "sets": list(sets)}
    if limit > 0:
        scorer = engines.scorer_for(ScorerVersion.objects.active())
        settings_ = dict(active.generation_settings or {})
        report(stage="evaluating", message="the active version")
        before = _previous_evaluation(active, limit, sets)
        if before is None:
            generator = llm.load_generator(
                base=active.base_model_location(),
                adapter=adapter,
                generation_settings=settings_,
                device=active.device,
            )
            before = evaluate.evaluate_generator(generator, scorer, limit, sets)
        report(stage="evaluating", message="the new version")
        generator = llm.load_generator(
            base=active.base_model_location(),
            adapter=config.output,
            generation_settings=settings_,
            device=active.device,
        )
        after = evaluate.evaluate_generator(generator, scorer, limit, sets)
        evaluation.update(
            before=before,
            after=after,
            regressions=evaluate.regressions(before, after),
            top_readability={
                "before": evaluate.mean_top_readability(before),
                "after": evaluate.mean_top_readability(after),
            },
        )

    version = LLMConfig.objects.create(
        name=run.name,
        base_model=active.base_model,
        adapter_path=str(Path(config.output).resolve()),
        output_format=active.output_format,
        generation_settings=active.generation_settings,
        device=active.device,
        is_active=False,
    )
    result = {
        "kind": "llm",
        "started_from": active.name,
        "data": _data_report(found, train_pairs, held_out, options),
        "training": {
            key: summary[key]
            for key in (
                "method",
                "steps",
                "planned_steps",
                "resumed_from",
                "loss_curve",
                "seconds_per_step",
                "training_pairs",
                "held_out_pairs",
                "style_head",
            )
        },
        "preference_accuracy": summary["preference_accuracy"],
        "train_preference_accuracy": summary["train_preference_accuracy"],
        "evaluation": evaluation,
        "seconds": round(time.monotonic() - started, 1),
    }
    _write_report(Path(config.output), result)
    return version, result


def _previous_evaluation(active: LLMConfig, limit: int, sets) -> dict | None:
    """Return the active version's own 'after' figures when they were measured the same way."""
    run = getattr(active, "training_run", None)
    evaluation = (run.report or {}).get("evaluation", {}) if run else {}
    if evaluation.get("limit") == limit and evaluation.get("sets") == list(sets):
        return evaluation.get("after")
    return None


def _data_report(found, train_pairs, held_out, options) -> dict:
    span = pairs_mod.date_range(found)
    return {
        "file": options.get("data") or None,
        "pairs": len(found),
        "by_source": pairs_mod.counts_by_source(found),
        "train": len(train_pairs),
        "held_out": len(held_out),
        "train_by_source": pairs_mod.counts_by_source(train_pairs),
        "first": span[0] if span else None,
        "last": span[1] if span else None,
    }


def _write_report(directory: Path, report: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(json.dumps(report, indent=2) + "\n")


# ---------------------------------------------------------------- the readability ensemble


def app_rating_labels() -> list[dict]:
    """Return the app's own ratings as readability labels (owners' ratings of their diagrams)."""
    from django.db.models import F

    ratings = Rating.objects.filter(user_id=F("diagram__user_id")).select_related("diagram")
    return [
        {
            "id": f"a{rating.diagram_id}",
            "node_list": rating.diagram.node_list,
            "score": rating.score,
            "created_at": rating.updated_at.isoformat(),
        }
        for rating in ratings.order_by("diagram_id")
    ]


def train_scorer_version(run: TrainingRun, report) -> tuple[ScorerVersion, dict]:
    """Retrain the readability ensemble (reference labels + app ratings); register it inactive.

    Calls ranking.scoring.train_readability.train as a plain function. Where
    that trainer takes extra labels (`extra_labels`), the app's ratings are
    passed; the report says whether they were used.
    """
    from ranking.scoring import train_readability

    started = time.monotonic()
    options = run.options or {}
    active = run.started_from_scorer or ScorerVersion.objects.active()
    labels = app_rating_labels()
    known = {f.name for f in train_readability.Settings.__dataclass_fields__.values()}
    run_settings = train_readability.Settings(
        **{key: value for key, value in options.items() if key in known and key != "extra"}
    )
    output = run_dir(Kind.SCORER, run.name) / "readability"
    kwargs = {"progress": False}
    takes_labels = "extra_labels" in inspect.signature(train_readability.train).parameters
    if takes_labels:
        kwargs["extra_labels"] = labels
    # No steps to count here: the ETA is the last scorer run's duration.
    last = TrainingRun.objects.finished().filter(kind=Kind.SCORER).first()
    eta = (last.report or {}).get("seconds") if last is not None else None
    report(stage="training", message=f"{len(labels)} app ratings", eta_seconds=eta)
    summary = train_readability.train(output, run_settings, **kwargs)
    before = _read_json(active.readability_location() / "cv.json")
    version = ScorerVersion.objects.create(
        name=run.name,
        readability_path=str(output.resolve()),
        autoencoder_path=str(active.autoencoder_location()),
        knn_k=active.knn_k,
        is_active=False,
    )
    stamps = sorted(label["created_at"] for label in labels)
    result = {
        "kind": "scorer",
        "started_from": active.name,
        "data": {
            "app_ratings": len(labels),
            "app_ratings_used": takes_labels,
            "first": stamps[0] if stamps else None,
            "last": stamps[-1] if stamps else None,
        },
        "settings": {k: v for k, v in vars(run_settings).items() if k != "extra"},
        "cross_validation": {"before": before, "after": _json_safe(summary)},
        "seconds": round(time.monotonic() - started, 1),
    }
    _write_report(output, result)
    return version, result


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _json_safe(value):
    return json.loads(json.dumps(value, default=str))


# ---------------------------------------------------------------- activation


def activate(user, version) -> Activation:
    """Make `version` (an LLMConfig or ScorerVersion) active and record who did it and what was."""
    kind = Kind.LLM if isinstance(version, LLMConfig) else Kind.SCORER
    model = type(version)
    with transaction.atomic():
        previous = model.objects.active()
        version.activate()
        fields = (
            {"llm_config": version, "previous_llm": previous}
            if kind == Kind.LLM
            else {"scorer": version, "previous_scorer": previous}
        )
        return Activation.objects.create(kind=kind, user=user, **fields)


def roll_back(user, kind: str) -> Activation:
    """Activate the version that was active before the latest activation of `kind`."""
    latest = Activation.objects.filter(kind=kind).first()
    previous = None
    if latest is not None:
        previous = latest.previous_llm if kind == Kind.LLM else latest.previous_scorer
    if previous is None:
        raise RunRefused("Nothing to roll back to: no earlier version was recorded.")
    return activate(user, previous)
