"""The label set of the codebook, defined once for the whole package.

Every other module (corpus loader, model config, metrics, CLI) takes label names
and ids from here, so the codebook's vocabulary lives in exactly one place.
"""

from __future__ import annotations

STANCES: tuple[str, ...] = ("pro-engagement", "sceptical", "alarmed", "neutral")
"""Stance ids, in the order used for class indices."""

FRAMES: tuple[str, ...] = ("sidelining", "stalling", "win-loss")
"""Frame ids, in the order used for the multi-label columns."""

STANCE_DESCRIPTIONS: dict[str, str] = {
    "pro-engagement": (
        "The US-Russia talks are presented as productive, promising or right: progress, "
        "a breakthrough, good will, a roadmap to peace, an opportunity."
    ),
    "sceptical": (
        "The US-Russia talks are doubted or deflated: little or nothing achieved, claims "
        "overstated, the other side insincere, conditions that hollow it out, peace unlikely."
    ),
    "alarmed": (
        "The US-Russia talks are a danger: a threat, a betrayal, a catastrophe, fear and "
        "shock about harm to Ukraine, Europe, NATO or the world order."
    ),
    "neutral": (
        "A plain report of facts, quotes or background with no evaluation of the talks, "
        "or a sentence about something else."
    ),
}
"""One-line paraphrases of the codebook definitions (used by the zero-shot baseline)."""

FRAME_DESCRIPTIONS: dict[str, str] = {
    "sidelining": (
        "Ukraine, Europe, NATO or allies are excluded, bypassed or marginalised: decided "
        "without them, not consulted, left in the dark, on the menu, a bargaining chip."
    ),
    "stalling": (
        "Delay and foot-dragging: buying time, conditions that postpone a ceasefire, no "
        "timetable, talks that go nowhere or drag on while fighting continues."
    ),
    "win-loss": (
        "A contest with winners and losers: who gained or lost, concessions given or "
        "refused, leverage, rewards, a win for Putin, extracting advantage."
    ),
}
"""One-line paraphrases of the codebook frame definitions."""

STANCE2ID: dict[str, int] = {name: i for i, name in enumerate(STANCES)}
FRAME2ID: dict[str, int] = {name: i for i, name in enumerate(FRAMES)}


def stance_feature():
    """The ``datasets`` feature of a stance column: a ``ClassLabel`` over :data:`STANCES`.

    The corpus and the predictions use this one definition, so gold and predicted columns
    share a schema (``None`` stays ``None``: an unlabelled blank text).
    """
    from datasets import ClassLabel

    return ClassLabel(names=list(STANCES))


def frames_feature():
    """The ``datasets`` feature of a frames column: a list of ``ClassLabel`` over :data:`FRAMES`."""
    from datasets import ClassLabel, List

    return List(ClassLabel(names=list(FRAMES)))
