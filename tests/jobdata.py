"""Helpers that store jobs, diagrams and ratings the way the worker leaves them."""

from ranking.diagrams import nodelist
from ranking.diagrams.model import Diagram as Drawing
from ranking.diagrams.model import Node
from ranking.models import Diagram, Job, Rating


def sample_node_list(n_nodes: int = 3, shape: str = "circle") -> str:
    """Return the node-list text of a small chain of `n_nodes` shapes."""
    nodes = [
        Node(id=i, x=100 + 150 * i, y=300, shape=shape, width=60, height=60, targets=[i + 1])
        for i in range(1, n_nodes)
    ]
    nodes.append(Node(id=n_nodes, x=100 + 150 * n_nodes, y=300, shape=shape, width=60, height=60))
    return nodelist.dumps(Drawing(nodes))


def make_job(user, prompt="DL model with 3 inputs and 2 outputs", count=3, recommend=2, **fields):
    """Store a job (done unless `status` says otherwise)."""
    fields.setdefault("status", Job.Status.DONE)
    fields.setdefault("stage", fields["status"] if fields["status"] != "running" else "generating")
    return Job.objects.create(user=user, prompt=prompt, count=count, recommend=recommend, **fields)


def make_diagram(job, rank=1, readability=3.0, user_score=None, latent=None, **fields):
    """Store one ranked diagram of `job`."""
    final = readability + (user_score or 0.0)
    # The worker stamps all of a job's diagrams with one time, so rank orders them.
    fields.setdefault("created_at", job.created_at)
    return Diagram.objects.create(
        job=job,
        user=job.user,
        rank=rank,
        recommended=rank <= job.recommend,
        node_list=fields.pop("node_list", sample_node_list(2 + rank)),
        readability=readability,
        user_score=user_score,
        final_score=fields.pop("final_score", final),
        latent=Diagram.pack_latent(latent if latent is not None else [float(rank)] * 4),
        **fields,
    )


def make_done_job(user, n=3, recommend=2, prompt="DL model with 3 inputs and 2 outputs"):
    """Store a finished job with `n` ranked diagrams; return (job, diagrams best first)."""
    job = make_job(user, prompt=prompt, count=n, recommend=min(recommend, n))
    diagrams = [make_diagram(job, rank=r, readability=5.0 - r) for r in range(1, n + 1)]
    return job, diagrams


def rate(user, diagram, score):
    return Rating.objects.create(user=user, diagram=diagram, score=score)
