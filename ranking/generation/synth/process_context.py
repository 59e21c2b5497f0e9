"""Words around a process that are never part of its plan.

People write more than the steps: who they are and what the project is
("Hi! I'm a PM on the grocery app"), when a step runs ("every night",
"in real time"), notes on a thing in brackets ("call center audio (8kHz
wav)"), and a closing line ("thx", "AC: diagram attached to the ticket").
Stage 8 of the generator learns from these that such words name no node:
the judged sets 17 and 18 lost nodes and edges to each of them.
"""

from __future__ import annotations

import random

# When a step runs: said before or after its sentence.
WHEN = (
    "every night", "nightly", "every morning", "hourly", "in real time", "once a week",
    "at 2am", "daily", "on every deploy", "every 15 minutes", "in batch", "on demand",
    "once a day", "every Monday",
)  # fmt: skip
# A note on a thing, in brackets after its first mention. "(from X)" is not
# here: a store in brackets is a node (processes.ORIGINS).
NOTES = (
    "8kHz wav", "15-min", "parquet", "JSON", "gzipped", "~2TB", "partitioned by day",
    "yesterday's data", "CSV", "one row per user", "PII removed", "about 40k rows",
    "English only", "deduped", "sampled 10%", "v2", "hourly", "raw", "mostly PDFs",
    "a few GB", "last 90 days", "protobuf", "in-house", "fp16", "~1M rows",
)  # fmt: skip
DOMAINS = (
    "chest X-ray", "ads marketplace", "grocery app", "payments", "search", "support desk",
    "robotics", "genomics", "energy", "logistics", "fintech", "e-commerce", "churn",
    "insurance claims", "news feed", "call center",
)  # fmt: skip
ROLES = ("PM", "data scientist", "new hire", "student", "ML engineer", "analyst", "researcher")
# What kind of step a name is, said beside it once: "a rules engine (ClaimRules 3.1)".
ROLES_OF_STEPS = (
    "rules engine", "hourly job", "Python script", "small CNN", "tracker", "counter service",
    "dedup script", "gradient-boosted model", "streaming job", "LLM judge", "preprocessing script",
    "bandit", "linear model", "Spark job", "lambda function",
)  # fmt: skip
# ("a rules engine, ClaimRules 3.1, validates" reads as a list after ", and": left out.)
APPOSITIONS = ("{name} (a {role})", "a {role} ({name})")
# Openings that set the scene; {what} and {domain} are filled in.
INTROS = (
    "For the {domain} project, here is the {what}.",
    "Hi! I'm a {role} on the {domain} team and want a picture of how our {what} works.",
    "for my thesis i'm building a {what} for {domain}.",
    "Our {what} for the {domain} team runs nightly.",
    "JIRA DS-{n}: {What} refresh\nContext:",
    "Background: we run a {what} for {domain}.",
    "I'm new here and trying to understand the {domain} {what}.",
    "## {What} ({domain})",
    "Some context: this is the {what} behind the {domain} dashboard.",
    "hey - {role} here. need a diagram of our {domain} {what}:",
)  # fmt: skip
TAILS = (
    "thx", "thanks!", "AC: diagram of the above attached to this ticket", "ty",
    "Let me know if anything is unclear.", "(this all runs every night)",
    "Keep it simple please.", "repeat until it converges", "That's it.",
    "Owner: data platform team.", "everything is orchestrated by cron",
)  # fmt: skip


def intro(rng: random.Random, what: str) -> str:
    """Return an opening that names no node of the process."""
    return rng.choice(INTROS).format(
        what=what,
        What=what[0].upper() + what[1:],
        domain=rng.choice(DOMAINS),
        role=rng.choice(ROLES),
        n=rng.randint(100, 9999),
    )


def timed(rng: random.Random, sentence: str) -> str:
    """Return the sentence with when it runs, before or after it."""
    when = rng.choice(WHEN)
    # Lower case before: the caller capitalises a sentence that starts with our words.
    return f"{when}, {sentence}" if rng.random() < 0.5 else f"{sentence} {when}"


def starts_timed(text: str) -> bool:
    """True when the text opens with when it runs ("every night, ..."): our words."""
    return text.startswith(tuple(f"{when}, " for when in WHEN))


def tail(rng: random.Random) -> str:
    return rng.choice(TAILS)
