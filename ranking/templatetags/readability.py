"""Template filter: the reasons behind a diagram's readability, in plain words."""

from django import template

from ranking.scoring.aesthetics import node_list_reasons

register = template.Library()


@register.filter
def readability_reasons(diagram) -> list[str]:
    """Return the costliest measured defects of a stored diagram ([] without a node list)."""
    text = getattr(diagram, "node_list", "")
    return list(node_list_reasons(text)) if text else []
