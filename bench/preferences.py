"""Simulated users teach the generator through the real services (run by hand, not in CI).

    .venv/bin/python bench/preferences.py [--users 6] [--jobs-per-user 6] [--new-prompts 16]
        [--steps 60] [--method orpo] [--eval-limit 10] [--write]

Everything goes through the product's own code on a fresh SQLite database
(var/bench/preferences.sqlite3; versions under var/bench/preferences-learning/):
`services.submit_job` and the worker's `runner.run_job` with the shipped
LLM and scorer, `services.rate_diagram`,
`revisions.create_revision` (the plan editor's save), then the staff path:
`runs.create_run` + `runs.execute_run` (what the "Learn from users" page
starts) and `runs.activate`. Nothing is written to the tables directly.

1. Style taste: a population of users shares a taste (orientation right,
   box shapes, muted palette; each user's weights jittered, each rating
   noisy) and rates every candidate of its jobs (synthetic prompts).
   Before and after tuning, new prompts (never rated) are run as jobs and
   the share of shown candidates carrying the preferred style is counted
   (all three attributes, and each alone), with the top candidate's
   readability.
2. Corrections: prompts of blind process set 5 that the model misreads
   (labelled-edge F1 < 1 on the top candidate) get their correct plan saved
   through the plan editor; after tuning, paraphrases of those prompts
   (bench/process_blind5_paraphrases.jsonl, never trained on) are run as
   jobs and scored with labelled-edge F1, before and after.
3. The run's own report: held-out preference accuracy, structure on the
   templated held-out split and blind process set 6 (before/after), and
   seconds per step; with --serving, jobs are timed while the run trains.
`--timing-pairs N` instead times one epoch on N synthetic style pairs (no
evaluation; with --serving, jobs are timed before and while it trains);
`--timing-steps K` runs only K of its steps and extrapolates.
`--write` appends the results to docs/benchmarks.md with date and machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"

# The population's shared taste: weight of each preferred style value.
TASTE = {"orient": ("right", 2.0), "shape": ("box", 2.0), "palette": ("muted", 2.0)}
USER_JITTER = 0.4  # per-user spread of each weight
RATING_NOISE = 0.5  # per-rating noise, in points
PARAPHRASES = "process_blind5_paraphrases.jsonl"


def setup_django(name: str) -> None:
    """Point Django at a new bench database and learning directory named `name`; migrate it.

    Each mode has its own, so a timing run never touches a running bench, and
    a new run never resumes an old run's checkpoint.
    """
    import shutil

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    db_path = BENCH_DIR / f"{name}.sqlite3"
    if db_path.exists():
        db_path.unlink()
    shutil.rmtree(BENCH_DIR / f"{name}-learning", ignore_errors=True)
    os.environ["SQLITE_PATH"] = str(db_path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diagramsite.settings")
    os.environ["WORKER_MODE"] = "off"  # this script is the worker: it calls run_job itself
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.LEARNING_DIR = str(BENCH_DIR / f"{name}-learning")
    call_command("migrate", verbosity=0)


# ---------------------------------------------------------------- simulated users


def style_of(plan: str) -> dict:
    from ranking.generation.plan import PlanError, parse_style

    line = (plan or "").strip().splitlines()[-1:] or [""]
    try:
        return parse_style(line[0].strip())
    except PlanError:
        return {}


def make_taste(rng: random.Random) -> dict:
    """Return one user's weights: the shared taste with individual jitter."""
    return {
        key: (value, weight + rng.gauss(0, USER_JITTER)) for key, (value, weight) in TASTE.items()
    }


def rating_for(taste: dict, plan: str, rng: random.Random) -> int:
    """Return a 0-5 rating: 0.5 plus the weights of the preferred values present, plus noise."""
    style = style_of(plan)
    points = 0.5 + sum(w for key, (value, w) in taste.items() if style.get(key) == value)
    return max(0, min(5, round(points + rng.gauss(0, RATING_NOISE))))


def preferred(plan: str) -> dict:
    style = style_of(plan)
    hits = {key: style.get(key) == value for key, (value, _) in TASTE.items()}
    hits["all"] = all(hits.values())
    return hits


def run_job(user, prompt: str, count: int):
    """Submit and run one job as the product does; return it (None when it failed)."""
    from ranking import runner, services

    job = services.submit_job(user, prompt, count=count, recommend=min(3, count))
    runner.run_job(job.pk)
    job.refresh_from_db()
    return job if job.status == "done" else None


def synthetic_prompts(n: int, seed: int) -> list[str]:
    from ranking.generation import synth

    return [example.prompt for example in synth.generate_examples(n, seed)]


def style_shares(jobs) -> dict:
    """Return the share of shown candidates with each preferred value, and top readability."""
    plans, tops = [], []
    for job in jobs:
        diagrams = list(job.diagrams.filter(parent__isnull=True).order_by("rank"))
        plans += [d.plan for d in diagrams]
        if diagrams:
            tops.append(diagrams[0].readability)
    counts = {key: 0 for key in [*TASTE, "all"]}
    for plan in plans:
        for key, hit in preferred(plan).items():
            counts[key] += hit
    n = max(1, len(plans))
    return {
        "candidates": len(plans),
        **{key: round(value / n, 4) for key, value in counts.items()},
        "top_readability": round(statistics.mean(tops), 4) if tops else None,
    }


# ---------------------------------------------------------------- corrections


def top_f1(job, row) -> float:
    from ranking.diagrams import labelled

    if job is None:
        return 0.0
    top = job.diagrams.filter(parent__isnull=True).order_by("rank").first()
    return labelled.edge_f1(top.node_list if top else None, row["node_list"])


def correct_misreads(user, rows, count: int, log) -> tuple[list[str], dict]:
    """Run blind-5 prompts; save the correct plan of each misread one; return ids and F1s."""
    from ranking import revisions

    corrected, f1 = [], {}
    for row in rows:
        job = run_job(user, row["prompt"], count)
        f1[row["id"]] = top_f1(job, row)
        if job is None or f1[row["id"]] >= 1.0:
            continue
        top = job.diagrams.order_by("rank").first()
        # The user keeps the style they got and fixes the structure.
        style_line = (top.plan.strip().splitlines() or ["style: auto"])[-1]
        revisions.create_revision(user, top, row["plan"].strip() + "\n" + style_line)
        corrected.append(row["id"])
        log(f"corrected {row['id']} (edge F1 {f1[row['id']]:.2f})")
    return corrected, f1


def paraphrase_rows(ids: set[str]) -> list[dict]:
    from bench import generation

    path = ROOT / "bench" / PARAPHRASES
    if not path.exists():
        return []
    rows = generation.free_rows(None, PARAPHRASES)
    return [row for row in rows if row["source"] in ids]


# ---------------------------------------------------------------- training


def train(admin, name: str, method: str, steps: int, options: dict, log) -> object:
    from ranking.learning import runs

    run = runs.create_run(admin, "llm", name, method=method, steps=steps, options=options)
    last = [0.0]

    def on_progress(progress):
        if time.monotonic() - last[0] > 30:
            last[0] = time.monotonic()
            log(f"  {progress}")

    run = runs.execute_run(run.pk, on_progress=on_progress)
    if run.status != "done":
        raise SystemExit(f"training failed: {run.error}")
    return run


def train_while_serving(admin, name, method, steps, options, log, user, prompts, count):
    """Return (run, seconds the run took, {"idle": [s], "training": [s]}).

    `prompts` are timed as jobs before the run and while it trains; no
    prompts: the run alone, and an empty dict.
    """
    box = {}

    def run_it():
        started = time.monotonic()
        box["run"] = train(admin, name, method, steps, options, log)
        box["seconds"] = time.monotonic() - started

    if not prompts:
        run_it()
        return box["run"], box["seconds"], {}
    serving = {"idle": timed_jobs(user, prompts, count)}
    worker = threading.Thread(target=run_it)
    worker.start()
    time.sleep(60)  # past model loading: time jobs while steps run
    serving["training"] = timed_jobs(user, prompts, count)
    worker.join()
    if "run" not in box:
        raise SystemExit("training failed (see the log above)")
    return box["run"], box["seconds"], serving


def timed_jobs(user, prompts, count) -> list[float]:
    seconds = []
    for prompt in prompts:
        started = time.monotonic()
        run_job(user, prompt, count)
        seconds.append(time.monotonic() - started)
    return seconds


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=6)
    parser.add_argument("--jobs-per-user", type=int, default=6)
    parser.add_argument("--count", type=int, default=5, help="candidates per job")
    parser.add_argument("--new-prompts", type=int, default=16)
    parser.add_argument("--corrections", type=int, default=30, help="blind-5 prompts tried")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--method", choices=["orpo", "dpo"], default="orpo")
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--eval-limit", type=int, default=10)
    parser.add_argument("--serving", type=int, default=0, help="jobs timed during training")
    parser.add_argument(
        "--unrated-jobs", type=int, default=0, help="jobs nobody rates (readability pairs)"
    )
    parser.add_argument("--readability", action="store_true", help="train on readability pairs")
    parser.add_argument("--anchors-per-step", type=int, default=None)
    parser.add_argument(
        "--reference-anchors", type=float, default=None, help="share of anchors from references"
    )
    parser.add_argument("--autocast", choices=["auto", "bf16", "off"], default=None)
    parser.add_argument("--correction-repeats", type=int, default=None)
    parser.add_argument(
        "--pair-layers", type=int, default=None, help="pairs train the top N layers only (0: all)"
    )
    parser.add_argument(
        "--whole-pairs", action="store_true", help="style pairs scored on the whole plan"
    )
    parser.add_argument(
        "--mixed-pairs",
        choices=["style", "whole"],
        default=None,
        help="pairs differing in structure and style: a style pair (default) or whole",
    )
    parser.add_argument(
        "--frozen-context",
        choices=["on", "off"],
        default=None,
        help="style pairs' context without gradients (default: the config's)",
    )
    parser.add_argument(
        "--style-head",
        choices=["on", "off"],
        default=None,
        help="style pairs train the style head (default: the config's) or the adapter",
    )
    parser.add_argument(
        "--correction-lambda",
        type=float,
        default=None,
        help="ORPO odds-ratio weight of corrections (default: the config's, as other pairs)",
    )
    parser.add_argument("--timing-pairs", type=int, default=0)
    parser.add_argument(
        "--timing-steps", type=int, default=0, help="with --timing-pairs: only this many steps"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--tag", default="", help="suffix of this run's database and result files (parallel runs)"
    )
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()

    def log(text):
        print(f"[{time.monotonic() - started:7.0f}s] {text}", file=sys.stderr, flush=True)

    setup_django(("timing" if args.timing_pairs else "preferences") + args.tag)
    if args.timing_pairs:
        return timing_run(args, log)
    import torch
    from django.contrib.auth.models import User

    from ranking.learning import pairs as pairs_mod
    from ranking.learning import runs
    from ranking.models import LLMConfig

    rng = random.Random(args.seed)
    admin = User.objects.create_superuser("staff", password="bench-password-1")
    users = [
        User.objects.create_user(f"user{i}", password="bench-password-1") for i in range(args.users)
    ]
    tastes = [make_taste(rng) for _ in users]
    train_prompts = synthetic_prompts(args.users * args.jobs_per_user, 9_100_000 + args.seed)
    new_prompts = synthetic_prompts(args.new_prompts, 9_200_000 + args.seed)
    shipped = LLMConfig.objects.active()

    log(f"rating {len(train_prompts)} jobs by {len(users)} simulated users")
    for i, prompt in enumerate(train_prompts):
        user, taste = users[i % len(users)], tastes[i % len(users)]
        job = run_job(user, prompt, args.count)
        if job is None:
            continue
        from ranking import services

        for diagram in job.diagrams.all():
            services.rate_diagram(user, diagram, rating_for(taste, diagram.plan, rng))

    from bench import generation

    blind5 = generation.free_rows(args.corrections, "process_blind5.jsonl")
    corrector = users[0]
    log(f"correcting misread prompts of blind set 5 ({len(blind5)} tried)")
    corrected, blind5_f1 = correct_misreads(corrector, blind5, args.count, log)
    paraphrases = paraphrase_rows(set(corrected))

    def measure(tag):
        torch.manual_seed(1234)
        viewer = User.objects.create_user(f"viewer-{tag}", password="bench-password-1")
        jobs = [run_job(viewer, p, args.count) for p in new_prompts]
        shares = style_shares([j for j in jobs if j is not None])
        f1 = [top_f1(run_job(viewer, row["prompt"], args.count), row) for row in paraphrases]
        return shares, (round(statistics.mean(f1), 4) if f1 else None)

    if args.unrated_jobs:
        log(f"{args.unrated_jobs} jobs nobody rates")
        passive = User.objects.create_user("passive", password="bench-password-1")
        for prompt in synthetic_prompts(args.unrated_jobs, 9_400_000 + args.seed):
            run_job(passive, prompt, args.count)
    # Jobs timed for serving use prompts of their own: the new prompts are
    # measured only after the run has built its pairs, so no job on them
    # can become a readability pair.
    serving_prompts = synthetic_prompts(args.serving, 9_500_000 + args.seed)
    found = pairs_mod.build_pairs(include_readability=args.readability)
    counts = pairs_mod.counts_by_source(found)
    log(f"{len(found)} pairs: {counts}")

    options = {
        "eval_limit": args.eval_limit,
        "threads": args.threads,
        "readability": args.readability,
    }
    if args.lr:
        options["lr"] = args.lr
    keys = ("anchors_per_step", "correction_repeats", "pair_layers", "reference_anchors")
    for key in (*keys, "autocast"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    options |= _pair_switches(args)
    run, _, serving = train_while_serving(
        admin, "bench-tuned", args.method, args.steps, options, log,
        users[1], serving_prompts, args.count,
    )  # fmt: skip
    # The tuned version is registered inactive: the shipped one still serves.
    log("measuring before tuning")
    before_shares, before_f1 = measure("before")
    runs.activate(admin, run.llm_config)
    log("measuring after tuning")
    after_shares, after_f1 = measure("after")

    result = {
        "args": vars(args),
        "started_from": shipped.name,
        "pairs": counts,
        "corrected": corrected,
        "blind5_f1_before": round(statistics.mean(blind5_f1.values()), 4) if blind5_f1 else None,
        "paraphrases": len(paraphrases),
        "style": {"before": before_shares, "after": after_shares},
        "paraphrase_f1": {"before": before_f1, "after": after_f1},
        "report": run.report,
        "serving": {k: round(statistics.median(v), 2) for k, v in serving.items()},
        "seconds": round(time.monotonic() - started),
    }
    (BENCH_DIR / f"preferences{args.tag}_result.json").write_text(
        json.dumps(result, indent=2) + "\n"
    )
    text = markdown(result, command_line(args))
    print(text)
    if args.write:
        with open(ROOT / "docs" / "benchmarks.md", "a", encoding="utf-8") as out:
            out.write("\n" + text)


def timing_run(args, log) -> None:
    """Time one epoch of preference tuning on N synthetic style pairs (no evaluation)."""
    import math

    from django.contrib.auth.models import User

    from ranking.generation import plan as plan_mod
    from ranking.generation import synth
    from ranking.learning import pairs as pairs_mod

    rng = random.Random(args.seed)
    rows = []
    for example in synth.generate_examples(args.timing_pairs, 9_300_000 + args.seed):
        plan = plan_mod.parse_plan(example.plan)
        liked = {**plan.style, **{key: value for key, (value, _) in TASTE.items()}}
        rows.append(
            pairs_mod.PreferencePair(
                example.prompt,
                plan.with_style(liked).to_text(),
                plan.with_style(plan_mod.random_style(rng)).to_text(),
                "rating",
                1.0,
            )
        )
    data = BENCH_DIR / f"timing{args.tag}_pairs.jsonl"
    pairs_mod.write_jsonl(rows, data)
    epoch = math.ceil(0.8 * len(rows) / 4)  # one epoch of the 80% trained on, 4 pairs a step
    steps = min(epoch, args.timing_steps) if args.timing_steps else epoch
    admin = User.objects.create_superuser("staff", password="bench-password-1")
    user = User.objects.create_user("user0", password="bench-password-1")
    options = {"data": str(data), "eval_limit": 0, "threads": args.threads} | {
        key: getattr(args, key)
        for key in ("anchors_per_step", "pair_layers", "reference_anchors", "autocast")
        if getattr(args, key) is not None
    }
    options |= _pair_switches(args)
    prompts = synthetic_prompts(args.serving, 9_500_000 + args.seed)
    if prompts:
        run_job(user, prompts[0], args.count)  # load the serving model before timing
    run, seconds, serving = train_while_serving(
        admin, "bench-timing", args.method, steps, options, log, user, prompts, args.count
    )
    training = run.report["training"]
    per_step = training["seconds_per_step"] or 0.0  # no adapter step: style pairs alone
    head = training.get("style_head") or {}
    to_head = ""
    if head:
        to_head = f", {head['pairs']} style pairs to the style head in {head['seconds']} s"
    whole = (
        f"{seconds / 60:.1f} min in all"
        if steps == epoch
        else f"{steps} of the epoch's {epoch} steps run; the epoch at this rate: "
        f"{per_step * epoch / 60:.1f} min of steps (extrapolated)"
    )
    text = (
        f"## Preference tuning speed ({date.today().isoformat()}, {cpu()})\n\n"
        f"`{command_line(args)}`: {len(rows)} pairs ({run.report['data']['train']} trained on, "
        f"{run.report['data']['held_out']} held out), {steps} {args.method.upper()} steps of 4 "
        f"pairs planned, {training['steps']} taken by the adapter"
        + to_head
        + f", {args.threads} torch thread(s): "
        f"{whole}, {per_step} s per adapter step (load, style head and accuracy passes: "
        f"{seconds - per_step * training['steps']:.0f} s); held-out preference accuracy "
        f"{run.report['preference_accuracy']['before']['accuracy']} -> "
        f"{run.report['preference_accuracy']['after']['accuracy']}.\n"
    )
    if serving:
        idle, busy = (statistics.median(serving[k]) for k in ("idle", "training"))
        text += (
            f"\nServing meanwhile ({len(prompts)} jobs of {args.count} candidates, same process): "
            f"median {idle:.2f} s a job idle, {busy:.2f} s while the run trained "
            f"({busy / idle:.1f}x).\n"
        )
    print(text)
    if args.write:
        with open(ROOT / "docs" / "benchmarks.md", "a", encoding="utf-8") as out:
            out.write("\n" + text)


def cpu() -> str:
    from bench import generation

    return generation.cpu_name()


def _pair_switches(args) -> dict:
    """Return the run options the pair switches set (`--whole-pairs`, `--frozen-context`, ...)."""
    options = {}
    if args.whole_pairs:
        options["style_only"] = False
    if args.frozen_context:
        options["frozen_context"] = args.frozen_context == "on"
    if args.mixed_pairs:
        options["mixed_as_style"] = args.mixed_pairs == "style"
    if args.style_head:
        options["style_head"] = args.style_head == "on"
    if args.correction_lambda is not None:
        options["correction_lambda"] = args.correction_lambda
    return options


def command_line(args) -> str:
    defaults = {
        "users": 6, "jobs_per_user": 6, "count": 5, "new_prompts": 16, "corrections": 30,
        "steps": 60, "method": "orpo", "lr": None, "eval_limit": 10, "serving": 0,
        "unrated_jobs": 0, "readability": False, "anchors_per_step": None,
        "correction_repeats": None, "pair_layers": None, "whole_pairs": False,
        "frozen_context": None, "mixed_pairs": None, "reference_anchors": None, "autocast": None,
        "style_head": None, "correction_lambda": None,
        "timing_pairs": 0, "timing_steps": 0, "threads": 1, "seed": 0, "tag": "", "write": False,
    }  # fmt: skip
    # The core it ran on, as `taskset -c N` pins it (both cores: no pin).
    cores = sorted(os.sched_getaffinity(0))
    pin = f"taskset -c {','.join(map(str, cores))} " if len(cores) < os.cpu_count() else ""
    parts = [f"{pin}.venv/bin/python bench/preferences.py"]
    for key, default in defaults.items():
        value = getattr(args, key)
        if value != default:
            flag = "--" + key.replace("_", "-")
            parts.append(flag if value is True else f"{flag} {value}")
    return " ".join(parts)


def _n(value, digits=3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def markdown(result: dict, command: str) -> str:
    before, after = result["style"]["before"], result["style"]["after"]
    report = result["report"]
    evaluation = report.get("evaluation", {})
    lines = [
        f"## Learning from users: simulated users ({date.today().isoformat()}, {cpu()})",
        "",
        f"`{command}`; {result['seconds'] / 60:.0f} min in all on one core. Pairs: "
        + ", ".join(f"{k} {v}" for k, v in result["pairs"].items())
        + f"; {report['training']['steps']} {report['training']['method'].upper()} steps, "
        f"{report['training']['seconds_per_step']} s per step.",
        "",
        "| measure | before | after |",
        "|---|---|---|",
        f"| share of shown candidates: right + box + muted | {_n(before['all'])} | "
        f"{_n(after['all'])} |",
    ]
    for key, (value, _) in TASTE.items():
        lines.append(f"| share: {key} {value} | {_n(before[key])} | {_n(after[key])} |")
    lines += [
        f"| top-candidate readability (new prompts) | {_n(before['top_readability'])} | "
        f"{_n(after['top_readability'])} |",
        f"| labelled-edge F1, paraphrases of {len(result['corrected'])} corrected prompts "
        f"({result['paraphrases']} paraphrases) | {_n(result['paraphrase_f1']['before'])} | "
        f"{_n(result['paraphrase_f1']['after'])} |",
        f"| held-out preference accuracy | "
        f"{_n(report['preference_accuracy']['before']['accuracy'])} | "
        f"{_n(report['preference_accuracy']['after']['accuracy'])} |",
    ]
    for name, row in (evaluation.get("before") or {}).items():
        new = evaluation["after"][name]
        lines.append(
            f"| structure, {name} (first {row['prompts']}) | {_n(row['structure'])} | "
            f"{_n(new['structure'])} |"
        )
        for task, value in row.get("by_task", {}).items():
            lines.append(
                f"| structure, {name}, {task} | {_n(value)} | {_n(new['by_task'].get(task))} |"
            )
    if result["serving"]:
        lines.append(
            f"| median seconds per job (idle / while training) | "
            f"{result['serving'].get('idle', '-')} | {result['serving'].get('training', '-')} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
