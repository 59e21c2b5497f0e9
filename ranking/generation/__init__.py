"""Prompt-to-diagram generation: plan language, layout, synthetic data, LLM."""
