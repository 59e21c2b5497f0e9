"""Feeding text to the constrained decoder's checker, as the tests of its rules do."""

from __future__ import annotations

from ranking.generation.constrain import State, StructureChecker


def feed(checker: StructureChecker, text: str, state: State | None = None) -> State | None:
    """Return the state after `text` fed one character at a time, None once it is refused."""
    state = state or State()
    for char in text:
        state = checker.advance(state, char)
        if state is None:
            return None
    return state
