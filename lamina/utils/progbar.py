"""`Progbar`: the Keras-style progress bar (`12/32 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - loss: ...`)."""

from __future__ import annotations

import logging
import os
import sys
import time

from lamina.core.config import is_interactive_logging_enabled


def _format_value(value) -> str:
    value = float(value)
    return f"{value:.4f}" if abs(value) > 1e-3 or value == 0 else f"{value:.4e}"


def _format_time(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _format_per_unit(seconds: float, unit: str) -> str:
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


def _emit(line: str) -> None:
    """One finished line: to stdout, or to the `"lamina"` logger when interactive logging is off."""
    if is_interactive_logging_enabled():
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    else:
        logging.getLogger("lamina").info(line)


class Progbar:
    """Displays progress towards `target` steps.

    As in Keras, a value is shown as an average over the steps seen so far (weighted by the
    steps each update covers) unless it is *stateful* (already a running value, shown as
    given); the final update shows the last values. `stateful_metrics` lists the stateful
    names (the others are averaged), or `stateless_metrics` the averaged ones (the others are
    shown as given: what `fit`'s progress bar does, its logs being running values already).

    Args:
        target: the number of steps expected (None if unknown).
        width: the bar's width in characters.
        verbose: 1 draws a live bar, 2 prints one line when done, 0 prints nothing.
        interval: the minimum time between redraws, in seconds.
        stateful_metrics: names of the values shown as given (the others are averaged).
        stateless_metrics: names of the values averaged (the others are shown as given); give
            at most one of the two.
        unit_name: the unit shown in the time per unit.

    Example:
        >>> from lamina.utils import Progbar
        >>> bar = Progbar(target=4, verbose=2)
        >>> for step in range(1, 5):
        ...     bar.update(step, [("loss", 1.0 / step)])
        4/4 - ... - loss: 0.2500
        >>> bar = Progbar(target=4)
        >>> bar.update(1, [("loss", 1.0)])
        >>> bar.update(2, [("loss", 0.5)])
        >>> bar.value("loss")  # the average over the two steps
        0.75
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics=None,
        stateless_metrics=None,
        unit_name: str = "step",
    ):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Progbar: give `stateful_metrics` (names shown as given, the others averaged) or "
                "`stateless_metrics` (names averaged, the others shown as given), not both."
            )
        self.stateful_metrics = (
            None if stateless_metrics is not None else set(stateful_metrics or ())
        )
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self._seen_so_far = 0
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self._values: dict = {}
        self._start = time.time()
        self._last_update = 0.0
        self._last_width = 0
        self._live = (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "posix" in os.environ.get("LAMINA_PROGBAR", "")
        )

    def update(self, current: int, values=None, finalize: bool | None = None) -> None:
        """Moves the bar to `current`; `values` is a list of `(name, value)` or a dict."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if values:
            items = values.items() if isinstance(values, dict) else values
            for k, v in items:
                if self.stateful_metrics is not None:
                    averaged = k not in self.stateful_metrics
                else:
                    averaged = k in self.stateless_metrics
                if averaged and not finalize:
                    # Weighted by the steps this update covers, as Keras does.
                    steps = max(current - self._seen_so_far, 1)
                    total, count = self._values.get(k, (0.0, 0))
                    self._values[k] = (total + float(v) * steps, count + steps)
                else:
                    self._values[k] = (v, 1)  # kept as given (lazy device values included)
        self._seen_so_far = current
        now = time.time()
        if self.verbose == 0:
            return
        if not finalize and now - self._last_update < self.interval:
            return
        self._last_update = now
        elapsed = now - self._start
        per_unit = elapsed / current if current else 0.0
        metrics = "".join(f" - {k}: {_format_value(self.value(k))}" for k in self._values)
        live = self._live and is_interactive_logging_enabled()
        if self.verbose == 1:
            if self.target is not None:
                digits = len(str(self.target))
                done = int(self.width * min(current, self.target) / max(self.target, 1))
                bar = "━" * done + (
                    "\x1b[2m" + "━" * (self.width - done) + "\x1b[0m"
                    if live
                    else " " * (self.width - done)
                )
                head = f"{current:>{digits}}/{self.target} {bar}"
                if finalize:
                    timing = (
                        f" {_format_time(elapsed)} {_format_per_unit(per_unit, self.unit_name)}"
                    )
                else:
                    eta = per_unit * (self.target - current)
                    timing = f" {_format_time(eta)} {_format_per_unit(per_unit, self.unit_name)}"
            else:
                head = f"{current}/Unknown"
                timing = f" {_format_time(elapsed)} {_format_per_unit(per_unit, self.unit_name)}"
            line = head + timing + metrics
            if live:
                pad = max(self._last_width - len(line), 0)
                sys.stdout.write("\r" + line + " " * pad)
                self._last_width = len(line)
                if finalize:
                    sys.stdout.write("\n")
                sys.stdout.flush()
            elif finalize:
                _emit(line)
        elif self.verbose == 2 and finalize:
            count = f"{current}/{self.target}" if self.target is not None else f"{current}"
            line = (
                f"{count} - {_format_time(elapsed)} - "
                f"{_format_per_unit(per_unit, self.unit_name)}{metrics}"
            )
            _emit(line)

    def value(self, name: str):
        """The value shown for `name`: the running average, or the last value given."""
        total, count = self._values[name]
        return total if count == 1 else total / count

    def add(self, n: int, values=None) -> None:
        """Moves the bar `n` steps forward (see `update`)."""
        self.update(self._seen_so_far + n, values)
