"""Management command: fine-tune the plan-writing LoRA adapter (resumable)."""

from django.core.management.base import BaseCommand, CommandError

from ranking.generation.basemodel import BaseModelError
from ranking.generation.training import TrainConfig, train

DEFAULTS = TrainConfig()
REFERENCE = "../shared/data/reference_pairs.jsonl"


class Command(BaseCommand):
    help = (
        "Fine-tune the LoRA adapter that writes plans, on synthetic (prompt, plan) pairs plus "
        "the dense reference pairs r000-r449 (r450-r499 validate; r500+ are never used). "
        "Checkpoints every --checkpoint-every steps; --resume continues from the last one. "
        "Hours on a 2-core CPU: run it in the background."
    )

    def add_arguments(self, parser):
        d = DEFAULTS
        parser.add_argument("--steps", type=int, default=d.steps)
        parser.add_argument("--batch-size", type=int, default=d.batch_size)
        parser.add_argument("--lr", type=float, default=d.lr)
        parser.add_argument("--rank", type=int, default=d.rank, help="LoRA rank (alpha = 2 x rank)")
        parser.add_argument("--examples", type=int, default=d.examples, help="synthetic pairs")
        parser.add_argument("--seed", type=int, default=d.seed)
        parser.add_argument("--output", default=d.output, help="where the final adapter goes")
        parser.add_argument("--checkpoint-dir", default=d.checkpoint_dir)
        parser.add_argument("--checkpoint-every", type=int, default=d.checkpoint_every)
        parser.add_argument("--eval-every", type=int, default=d.eval_every, help="0: no eval")
        parser.add_argument("--eval-size", type=int, default=d.eval_size)
        parser.add_argument("--threads", type=int, default=d.threads)
        parser.add_argument(
            "--max-length", type=int, default=d.max_length, help="longest pair in tokens"
        )
        parser.add_argument("--base", default=None, help="base model dir (default: cached SmolLM2)")
        parser.add_argument("--reference", default=REFERENCE, help="reference_pairs.jsonl")
        parser.add_argument("--autocast", choices=["auto", "bf16", "off"], default=d.autocast)
        parser.add_argument("--time-limit", type=float, default=None, help="minutes; then stop")
        parser.add_argument("--stop-at", type=int, default=None, help="stop after this step")
        parser.add_argument("--resume", action="store_true", help="continue from the checkpoint")
        parser.add_argument(
            "--init-adapter",
            default=None,
            help="start from this trained adapter (its rank and end token) instead of zeros",
        )

    def handle(self, *args, **opts):
        from tqdm import tqdm

        rank = opts["rank"]
        config = TrainConfig(
            output=opts["output"],
            checkpoint_dir=opts["checkpoint_dir"],
            base_path=opts["base"],
            steps=opts["steps"],
            batch_size=opts["batch_size"],
            lr=opts["lr"],
            rank=rank,
            alpha=2 * rank,
            examples=opts["examples"],
            seed=opts["seed"],
            threads=opts["threads"],
            max_length=opts["max_length"],
            checkpoint_every=opts["checkpoint_every"],
            eval_every=opts["eval_every"],
            eval_size=opts["eval_size"],
            reference_path=opts["reference"],
            autocast=opts["autocast"],
            time_limit_minutes=opts["time_limit"],
            stop_at=opts["stop_at"],
            init_adapter=opts["init_adapter"],
        )
        quiet = opts.get("verbosity", 1) == 0
        bar = tqdm(total=config.steps, desc="train_generator", disable=quiet, file=self.stderr)

        def progress(record):
            if bar.n == 0:
                bar.update(record.step - 1)  # a resumed run starts part-way
            bar.update(1)
            bar.set_postfix(loss=f"{record.loss:.3f}", s=f"{record.seconds:.1f}")
            if record.extra.get("eval"):
                log(f"step {record.step} eval {record.extra['eval']}")

        def log(message):
            if not quiet:
                bar.write(message, file=self.stderr)

        try:
            summary = train(config, resume=opts["resume"], progress=progress, log=log)
        except BaseModelError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        return (
            f"Trained {summary['steps']} steps (from {summary['resumed_from']}), "
            f"final loss {summary['final_loss']:.3f}; adapter in {config.output}"
        )
