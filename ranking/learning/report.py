"""Side-by-side rows of two versions' reports for the staff page."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    label: str
    active: object
    candidate: object


def comparison_rows(run, active_run=None) -> dict:
    """Return {"active_name", "candidate_name", "rows"} comparing `run` with the active version.

    The active version's figures come from its own report when it was trained
    here, otherwise from `run`'s "before" measurements (the version it started
    from, measured the same way in the same run).
    """
    report = run.report or {}
    if run.kind == "llm":
        mine = _llm_figures(report, "after")
        if active_run is not None and active_run.pk != run.pk:
            theirs, name = _llm_figures(active_run.report or {}, "after"), active_run.name
        else:
            theirs = _llm_figures(report, "before")
            name = f"{report.get('started_from', 'active')} (measured in this run)"
    else:
        mine = _scorer_figures(report, "after")
        if active_run is not None and active_run.pk != run.pk:
            theirs, name = _scorer_figures(active_run.report or {}, "after"), active_run.name
        else:
            theirs = _scorer_figures(report, "before")
            name = f"{report.get('started_from', 'active')} (its cv.json)"
    labels = list(dict.fromkeys([*theirs, *mine]))
    return {
        "active_name": name,
        "candidate_name": run.name,
        "rows": [Row(label, theirs.get(label, "-"), mine.get(label, "-")) for label in labels],
        "regressions": (report.get("evaluation") or {}).get("regressions") or [],
    }


def _llm_figures(report: dict, when: str) -> dict:
    figures = {}
    accuracy = (report.get("preference_accuracy") or {}).get(when) or {}
    figures["preference accuracy (held-out pairs)"] = _fmt(accuracy.get("accuracy"))
    figures["mean log-prob margin chosen - rejected"] = _fmt(accuracy.get("mean_margin"))
    evaluation = report.get("evaluation") or {}
    for name, row in (evaluation.get(when) or {}).items():
        figures[f"structure, {name} ({row['prompts']} prompts)"] = _fmt(row["structure"])
        for task, value in row.get("by_task", {}).items():
            figures[f"structure, {name}, {task}"] = _fmt(value)
        if row.get("edge_f1") is not None:
            figures[f"labelled-edge F1, {name}"] = _fmt(row["edge_f1"])
    figures["top-candidate readability"] = _fmt((evaluation.get("top_readability") or {}).get(when))
    return figures


def _scorer_figures(report: dict, when: str) -> dict:
    cv = ((report.get("cross_validation") or {}).get(when)) or {}
    figures = {}
    for group in ("g", "all"):
        for metric in ("mae", "spearman"):
            value = (cv.get(group) or {}).get(metric)
            figures[f"out-of-fold {group}-labels {metric}"] = _fmt(value)
    return figures


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)
