"""The progress bar of a national screening, in French (count, rate, time left).

:func:`register` makes it what ``ms.screen(progress=True)`` shows; the
package registers it on import (it loads no plotting library).

Examples
--------
>>> import io
>>> from mutusim.analysis.national import Progress
>>> out = io.StringIO()
>>> bar = ProgressBar(stream=out, width=10, min_interval=0)
>>> bar(Progress(done=25, total=100, failed=1, skipped=0, elapsed=10.0))
>>> print(out.getvalue().strip().replace("\u00a0", " "))
France [##--------] 25/100 EPCI (25 %) · 2,5 EPCI/s · reste 30 s · 1 échec
"""

from __future__ import annotations

import math
import sys
import time
from typing import TextIO

from mutusim.analysis.national import Progress, set_default_progress
from mutusim.present.formatting import number, percent

__all__ = ["ProgressBar", "duration", "register"]


def duration(seconds: float | None) -> str:
    """A duration in French words: ``45 s``, ``1 min 35 s``, ``2 h 03 min``.

    Parameters
    ----------
    seconds : float or None
        [s] (None gives ``—``).

    Returns
    -------
    str
    """
    if seconds is None or math.isnan(seconds):
        return "—"
    s = int(round(max(0.0, seconds)))
    if s < 60:
        return f"{s}\u00a0s"
    if s < 3600:
        return f"{s // 60}\u00a0min {s % 60:02d}\u00a0s"
    return f"{s // 3600}\u00a0h {(s % 3600) // 60:02d}\u00a0min"


class ProgressBar:
    """A one-line progress bar on a text stream (stderr by default), rewritten in place.

    Parameters
    ----------
    stream : text stream, optional
        Where to write (default ``sys.stderr``).
    width : int
        Characters of the bar itself.
    min_interval : float
        Least time between two redraws [s]; the last EPCI always redraws.
    """

    def __init__(
        self, stream: TextIO | None = None, width: int = 24, min_interval: float = 0.2
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.min_interval = min_interval
        self._last = -math.inf
        self._shown = 0

    def line(self, p: Progress) -> str:
        """The text of the bar for ``p``.

        Parameters
        ----------
        p : Progress
            Where the screening stands.

        Returns
        -------
        str
        """
        if p.total == 0:
            return f"France : rien à calculer, {number(p.skipped)} EPCI déjà traités"
        filled = int(self.width * p.done / p.total)
        bar = "#" * filled + "-" * (self.width - filled)
        parts = [
            f"France [{bar}] {p.done}/{p.total} EPCI ({percent(p.done / p.total, 0)})",
            f"{number(p.rate, 1)} EPCI/s" if p.rate else "",
            f"reste {duration(p.remaining)}" if p.done < p.total else f"en {duration(p.elapsed)}",
        ]
        if p.failed:
            parts.append(f"{p.failed} échec" + ("s" if p.failed > 1 else ""))
        if p.skipped:
            parts.append(f"{number(p.skipped)} déjà traités")
        return " · ".join(x for x in parts if x)

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        last = p.done >= p.total
        if not last and now - self._last < self.min_interval:
            return
        self._last = now
        text = self.line(p)
        pad = " " * max(0, self._shown - len(text))  # wipe the end of a longer previous line
        self._shown = len(text)
        self.stream.write("\r" + text + pad + ("\n" if last else ""))
        self.stream.flush()


def register() -> None:
    """Make :class:`ProgressBar` what ``ms.screen(progress=True)`` shows."""
    set_default_progress(ProgressBar)
