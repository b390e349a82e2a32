"""Light stage timers for the benchmark: ``with stage(timings, "clean"): ...``.

With ``timings=None`` (every normal run) ``stage`` returns one shared no-op
context, so the hooks cost a function call and nothing else.
"""
from __future__ import annotations

from contextlib import nullcontext
from time import perf_counter

STAGES = ("read", "clean", "segment", "extract", "validate", "write")
_OFF = nullcontext()


class _Stage:
    __slots__ = ("timings", "name", "t0")

    def __init__(self, timings: dict, name: str):
        self.timings, self.name = timings, name

    def __enter__(self):
        self.t0 = perf_counter()

    def __exit__(self, *exc):
        self.timings[self.name] = self.timings.get(self.name, 0.0) + perf_counter() - self.t0


def stage(timings: dict | None, name: str):
    """Add the block's wall time to ``timings[name]``; nothing when timings is None."""
    return _OFF if timings is None else _Stage(timings, name)
