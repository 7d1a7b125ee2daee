"""How many steps each compiled call runs: `steps_per_execution`, or an automatic choice.

Fusing steps (one `lax.scan` per call) removes per-step dispatch, which dominates small models,
but on some XLA kernels a scan is slower than separate calls (a convolution's gradient on CPU is
about 10x slower inside a scan). So "auto" measures: it times a few single steps, then a fused
block sized to take about a quarter of a second (progress bars and callbacks still move four
times a second), twice, and keeps the block size only if it is at least 3% faster per step than
the best single step. On large steps the gain of fusing is a few percent (the wide MLP's
one-scan epoch was up to 5% faster than per-step calls on one 2-core CPU), so the block must be
long enough, and timed more than once, to see it above the noise. The choice is made once per
compiled model and kind of step, and never changes results: a fused block runs exactly the same
steps.
"""

from __future__ import annotations

import time

import jax

from lamina.distribution import multihost

# A fused call should take about this long, so the progress bar still moves ~4 times a second.
_TARGET_SECONDS = 0.25
_MAX_BLOCK = 64
# Steps slower than this are bound by their kernels: fusing cannot gain anything visible.
_SLOW_STEP = 0.02
_SINGLE_SAMPLES = 3
_BLOCK_SAMPLES = 2
# A block is kept when its time per step is under this fraction of the best single step.
_KEEP_BELOW = 0.97


class AutoChoice:
    """The measurement (and the decision) for one kind of step of one compiled model.

    Args:
        (none: filled in by `StepPlanner` as it measures)

    Example:
        >>> from lamina.training.step_planner import AutoChoice, StepPlanner
        >>> choice = AutoChoice()
        >>> choice.decided is None
        True
        >>> StepPlanner(choice).next_k(1)  # one batch left: one step
        1
    """

    def __init__(self):
        self.decided: int | None = None
        self.candidate: int | None = None
        self.single_times: list[float] = []
        self.block_times: list[float] = []  # seconds per step of the timed candidate blocks
        self.warmed: set[int] = set()  # step counts whose first (compiling) call has run


class StepPlanner:
    """Gives the number of steps of each call and runs the call, timing it while measuring.

    Args:
        choice: the shared `AutoChoice` for "auto", or None for a fixed count.
        fixed: the count when not automatic.

    Example:
        >>> from lamina.training.step_planner import StepPlanner
        >>> planner = StepPlanner(None, fixed=8)  # steps_per_execution=8
        >>> planner.next_k(20), planner.next_k(5)
        (8, 5)
    """

    def __init__(self, choice: AutoChoice | None, fixed: int = 1):
        self.choice = choice
        self.fixed = max(int(fixed), 1)

    def next_k(self, remaining: int) -> int:
        if remaining <= 1:
            return 1
        choice = self.choice
        if choice is None:
            return min(self.fixed, remaining)
        if choice.decided is not None:
            # The tail of an epoch runs in one call of the same compiled block (its step count
            # is an argument, not a shape).
            return min(choice.decided, remaining)
        if choice.candidate is not None and choice.candidate <= remaining:
            return choice.candidate
        return 1

    def block_size(self, count: int) -> int:
        """The compiled size of a block that runs `count` steps (outputs of `predict` are
        stacked into a buffer of this many batches)."""
        if count <= 1:
            return 1
        choice = self.choice
        if choice is None:
            return max(self.fixed, count)
        return max(choice.decided or 0, choice.candidate or 0, count)

    def run(self, fn, k: int, args: tuple, barrier):
        """Calls `fn(*args)` (k steps); while measuring, waits for `barrier` (the previous
        results) first and for the outputs after, to time the call alone. The first call of
        each measured count compiles it and is not timed."""
        choice = self.choice
        if choice is None or choice.decided is not None or k != (choice.candidate or 1):
            return fn(*args)
        if k not in choice.warmed:
            choice.warmed.add(k)
            return fn(*args)
        jax.block_until_ready(barrier)
        start = time.perf_counter()
        out = fn(*args)
        jax.block_until_ready(out)
        self._record(k, time.perf_counter() - start)
        return out

    def _record(self, k: int, seconds: float) -> None:
        choice = self.choice
        if k == 1:
            choice.single_times.append(seconds)
            if len(choice.single_times) >= _SINGLE_SAMPLES:
                single = min(choice.single_times)
                block = int(_TARGET_SECONDS / max(single, 1e-6))
                if single >= _SLOW_STEP or block < 2:
                    choice.decided = 1
                else:
                    # The largest power of two that fits (few compiled block sizes).
                    choice.candidate = 1 << (min(block, _MAX_BLOCK).bit_length() - 1)
                _agree(choice)
            return
        choice.block_times.append(seconds / k)
        if len(choice.block_times) < _BLOCK_SAMPLES:
            return
        single = min(choice.single_times)
        choice.decided = k if min(choice.block_times) < _KEEP_BELOW * single else 1
        _agree(choice)


def _agree(choice: AutoChoice) -> None:
    """In a job of several processes, every process takes process 0's decision: they must run
    the same compiled programs in the same order (their timings differ)."""
    decided, candidate = multihost.agree_ints((choice.decided or 0, choice.candidate or 0))
    choice.decided = decided or None
    choice.candidate = candidate or None
