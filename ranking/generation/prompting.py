"""The text template the plan-writing LLM is trained on and prompted with.

A short raw template rather than the SmolLM2 chat template: the chat
template's system preamble adds ~30 tokens to every training step and every
prefill, and the fine-tuned adapter does not need the chat persona.
"""

from __future__ import annotations

PROMPT_TEMPLATE = "Prompt: {prompt}\nPlan:\n"
# Prompts longer than this many characters are cut before tokenising; the
# longest reference prompt is ~1,100 characters and the web form caps input.
MAX_PROMPT_CHARS = 2000


def normalise_prompt(prompt: str) -> str:
    """Return the prompt with every whitespace run (newlines too) as one space, capped."""
    return " ".join(prompt.split())[:MAX_PROMPT_CHARS]


def format_prompt(prompt: str) -> str:
    """Return the model input for a user prompt; the plan follows it directly."""
    return PROMPT_TEMPLATE.format(prompt=normalise_prompt(prompt))
