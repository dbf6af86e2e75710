"""When to draw a progress bar, decided in one place for the model, the encoder and the CLI.

Like ``datasets`` and ``transformers``: on by default where a person is watching (a terminal
on stderr, or a notebook) and the work is long enough to be worth a bar; never in a pipe, a
log file or CI, where bars are noise. ``progress=True``/``False`` always wins.
"""

from __future__ import annotations

import sys
from typing import Any

MIN_BATCHES = 8
"""Fewer batches than this finish in a second or two: no bar unless asked for."""


def interactive() -> bool:
    """A person is watching: stderr is a terminal, or this runs in a Jupyter/IPython kernel."""
    if "ipykernel" in sys.modules:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def wants_progress(progress: bool | None, batches: int) -> bool:
    if progress is not None:
        return bool(progress)
    return batches >= MIN_BATCHES and interactive()


def progress_bar(total: int, enabled: bool, desc: str, unit: str = " batches") -> Any:
    """A ``tqdm.auto`` bar (a widget in notebooks), or a disabled one that costs nothing."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, leave=False, file=sys.stderr)
