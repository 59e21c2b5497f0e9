"""Management command: tune the active LLM's adapter on preference pairs into a new version."""

from django.core.management.base import BaseCommand, CommandError

from ranking.learning import runs
from ranking.learning.models import Kind, TrainingRun
from ranking.learning.preference import METHODS, PreferenceConfig


class Command(BaseCommand):
    help = (
        "ORPO (default) or DPO on the active LLM's LoRA adapter, from the database's preference "
        "pairs (or --data FILE from build_preferences); evaluates it against the active version "
        "and registers a new, inactive LLM configuration NAME with its adapter under "
        "var/learning/llm/NAME/. Checkpointed: run it again with the same name to resume."
    )

    def add_arguments(self, parser):
        parser.add_argument("--method", choices=METHODS, default="orpo")
        parser.add_argument("--steps", type=int, required=True)
        parser.add_argument("--name", required=True, help="name of the new LLM configuration")
        parser.add_argument("--data", default=None, help="pairs JSONL (default: the database)")
        parser.add_argument(
            "--eval-limit",
            type=int,
            default=runs.DEFAULT_EVAL_LIMIT,
            help="prompts per evaluation set (0: preference accuracy only)",
        )
        parser.add_argument("--readability", action="store_true", help="add readability pairs")
        parser.add_argument("--batch-pairs", type=int, default=4)
        parser.add_argument("--lr", type=float, default=None)
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument(
            "--correction-repeats",
            type=int,
            default=PreferenceConfig.correction_repeats,
            help="how often each correction comes round in an epoch",
        )
        parser.add_argument(
            "--anchors-per-step",
            type=int,
            default=PreferenceConfig.anchors_per_step,
            help="supervised examples per step, to hold structure (0: none)",
        )
        parser.add_argument(
            "--autocast",
            choices=["auto", "bf16", "off"],
            default=PreferenceConfig.autocast,
            help="bfloat16 autocast (auto: on CUDA only)",
        )
        parser.add_argument(
            "--reference-anchors",
            type=float,
            default=PreferenceConfig.reference_anchors,
            help="share of the anchors that are reference templates (0-1)",
        )
        parser.add_argument(
            "--pair-layers",
            type=int,
            default=PreferenceConfig.pair_layers or 0,
            help="rating and readability pairs train only the top N layers (0: all)",
        )
        parser.add_argument(
            "--whole-pairs",
            action="store_true",
            help="score style-only rating pairs on the whole plan, structure too",
        )
        parser.add_argument(
            "--mixed-pairs",
            choices=["style", "whole"],
            default="style" if PreferenceConfig.mixed_as_style else "whole",
            help="a rating pair differing in structure and style: trained as a style pair "
            "on the chosen structure (style), or on both whole plans (whole)",
        )
        parser.add_argument(
            "--no-style-head",
            action="store_true",
            help="style pairs train the adapter instead of the style head (it can then move "
            "the structure the adapter writes)",
        )
        parser.add_argument(
            "--correction-lambda",
            type=float,
            default=None,
            help="ORPO odds-ratio weight of corrections (default: as other pairs; 0: a "
            "correction is a supervised example only)",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **opts):
        from tqdm import tqdm

        options = {
            "data": opts["data"],
            "eval_limit": opts["eval_limit"],
            "readability": opts["readability"],
            "batch_pairs": opts["batch_pairs"],
            "threads": opts["threads"],
            "correction_repeats": opts["correction_repeats"],
            "anchors_per_step": opts["anchors_per_step"],
            "reference_anchors": opts["reference_anchors"],
            "autocast": opts["autocast"],
            "pair_layers": opts["pair_layers"],
            "style_only": not opts["whole_pairs"],
            "mixed_as_style": opts["mixed_pairs"] == "style",
            "style_head": not opts["no_style_head"],
        }
        if opts["correction_lambda"] is not None:
            options["correction_lambda"] = opts["correction_lambda"]
        if opts["lr"] is not None:
            options["lr"] = opts["lr"]
        try:
            run = runs.create_run(
                None,
                Kind.LLM,
                opts["name"],
                method=opts["method"],
                steps=opts["steps"],
                options=options,
            )
        except runs.RunRefused as exc:
            raise CommandError(str(exc)) from exc
        bar = tqdm(total=opts["steps"], disable=opts["no_progress"], unit="step")

        def on_progress(progress):
            if progress.get("stage") == "training" and "step" in progress:
                # With the style head the adapter takes fewer steps than asked for.
                bar.total = progress.get("steps", bar.total)
                bar.n = progress["step"]
                bar.set_postfix(loss=progress.get("loss"), refresh=False)
                bar.refresh()
            elif progress.get("message"):
                bar.set_description(f"{progress.get('stage')}: {progress['message']}")

        run = runs.execute_run(run.pk, on_progress=on_progress)
        bar.close()
        if run.status != TrainingRun.Status.DONE:
            raise CommandError(f"training failed: {run.error}")
        accuracy = run.report["preference_accuracy"]
        evaluation = run.report["evaluation"]
        regressions = evaluation.get("regressions") or []
        return (
            f"registered {run.name} (inactive) with {run.llm_config.adapter_path}; held-out "
            f"preference accuracy {accuracy['before']['accuracy']} -> "
            f"{accuracy['after']['accuracy']}"
            + (f"; structure regressions: {'; '.join(regressions)}" if regressions else "")
        )
