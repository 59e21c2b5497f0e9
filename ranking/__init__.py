"""Prompt-to-diagram generation and ranking: the ML pipeline and the Django app around it."""
