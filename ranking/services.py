"""Workflows across several models: submit a job, hand it to a worker, rate a diagram.

Pages (ranking.views) and the REST API (ranking.api) both call these, so the
rules (prompt length, in-flight limit, rating range) hold on every path.
"""

from __future__ import annotations

import logging
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from ranking.dispatch import dispatch_job
from ranking.models import MAX_COUNT, MAX_SCORE, Diagram, Job, Rating

log = logging.getLogger(__name__)


class JobLimitExceeded(Exception):
    """The user already has the maximum number of jobs queued or running."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(
            f"You already have {limit} diagram jobs in progress. "
            "Wait for one to finish before starting another."
        )


def has_control_characters(text: str) -> bool:
    """Return True when `text` holds control characters other than tab and line breaks.

    NUL cannot be stored in PostgreSQL text, and the others only hide text
    from the reader; any other character (4-byte ones included) is fine.
    """
    return any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text)


def job_request_errors(prompt, count, recommend) -> dict[str, list[str]]:
    """Return field errors for a job request ({} when it is valid).

    `count` and `recommend` must already be ints (forms and serializers parse
    them); the rules here are the ones that hold across fields.
    """
    errors: dict[str, list[str]] = {}
    text = (prompt or "").strip()
    if not text:
        errors["prompt"] = ["Describe the model or process to draw."]
    elif len(text) > settings.MAX_PROMPT_LENGTH:
        errors["prompt"] = [
            f"Keep the description under {settings.MAX_PROMPT_LENGTH} characters "
            f"(this one has {len(text)})."
        ]
    elif has_control_characters(text):
        errors["prompt"] = ["Remove control characters from the description."]
    if not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        errors["count"] = [f"Choose between 1 and {MAX_COUNT} candidates."]
    if not isinstance(recommend, int) or recommend < 1:
        errors["recommend"] = ["Recommend at least 1 candidate."]
    elif isinstance(count, int) and recommend > count:
        errors["recommend"] = [f"Cannot recommend more than the {count} candidates generated."]
    return errors


def submit_job(user, prompt: str, count: int = 5, recommend: int = 3) -> Job:
    """Store a new queued job for `user` and hand it to a worker once committed.

    Raises JobLimitExceeded when the user already has MAX_JOBS_IN_FLIGHT jobs
    queued or running, and ValueError (with the field errors as its argument)
    for a request that `job_request_errors` rejects.
    """
    errors = job_request_errors(prompt, count, recommend)
    if errors:
        raise ValueError(errors)
    limit = settings.MAX_JOBS_IN_FLIGHT
    with transaction.atomic():
        # Lock the user's row so two simultaneous submits cannot both pass the
        # limit (PostgreSQL); SQLite's IMMEDIATE transactions already serialise.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if Job.objects.for_user(user).in_flight().count() >= limit:
            raise JobLimitExceeded(limit)
        job = Job.objects.create(user=user, prompt=prompt.strip(), count=count, recommend=recommend)
        transaction.on_commit(lambda: dispatch_job(job.pk))
    return job


def rate_diagram(user, diagram: Diagram, score: int) -> Rating:
    """Create or change `user`'s rating of their own `diagram`."""
    if diagram.user_id != user.pk:
        raise PermissionError("users rate only their own diagrams")
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= MAX_SCORE:
        raise ValueError(f"a rating is an integer from 0 to {MAX_SCORE}")
    rating, _ = Rating.objects.update_or_create(
        user=user, diagram=diagram, defaults={"score": score}
    )
    return rating


def clear_rating(user, diagram: Diagram) -> bool:
    """Delete `user`'s rating of `diagram`; return whether there was one."""
    deleted, _ = Rating.objects.filter(user=user, diagram=diagram).delete()
    return deleted > 0
