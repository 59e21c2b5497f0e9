"""The text template the plan-writing LLM is trained on and prompted with.

A short raw template rather than the SmolLM2 chat template: the chat
template's system preamble adds ~30 tokens to every training step and every
prefill, and the fine-tuned adapter does not need the chat persona.
"""

from __future__ import annotations

PROMPT_TEMPLATE = "Prompt: {prompt}\nPlan:\n"
# Prompts longer than this many characters are cut before tokenising; the
# web form and API cap input at settings.MAX_PROMPT_LENGTH (the same 4000 by
# default). A pasted model listing is the longest prompt people write: the
# blind set's 15 listings measure 484 characters median, 960 at most, and a
# listing with imports, compile() and comments stays well under 4000.
MAX_PROMPT_CHARS = 4000


def normalise_prompt(prompt: str) -> str:
    """Return the prompt with every whitespace run (newlines too) as one space, capped."""
    return " ".join(prompt.split())[:MAX_PROMPT_CHARS]


def format_prompt(prompt: str) -> str:
    """Return the model input for a user prompt; the plan follows it directly."""
    return PROMPT_TEMPLATE.format(prompt=normalise_prompt(prompt))
