"""Why a rule acts, as plain data: reasons and findings.

The model never writes sentences: a rule that excludes a mode records a
:class:`Reason` (the rule, a code and the figures behind it), and the
explanation of an infeasible scenario is a list of :class:`Finding`.
:mod:`mutusim.present.labels` turns both into French for the committee; their
``str()`` is a short technical English form for developers and logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Finding", "Reason"]


@dataclass(frozen=True)
class Reason:
    """Why one rule excludes a mode for a pair, or why a council votes as it does.

    Attributes
    ----------
    rule : str
        A rule of :data:`mutusim.core.rulebook.RULES`.
    code : str
        What happened, e.g. ``level_below`` (see ``present.labels.REASONS``).
    values : mapping
        The figures behind it, e.g. ``{"level": 40.0, "minimum": 60.0}``.
    """

    rule: str
    code: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        figures = ", ".join(f"{k}={v}" for k, v in self.values.items())
        return f"{self.rule}:{self.code}" + (f" ({figures})" if figures else "")


@dataclass(frozen=True)
class Finding:
    """One item of the explanation of an infeasible scenario.

    Attributes
    ----------
    code : str
        ``no_mode`` (a pair left with no allowed mode: ``reasons`` says why
        for each mode), ``relax`` (the scenario becomes feasible without
        ``rule``; ``values`` carries the figures, e.g. the cost of the best
        plan without a cost cap), ``unexplained`` (no single rule explains
        it), ``explain_time_limit`` (a relaxed re-solve reached its time
        limit, so the explanation may be incomplete; ``values``: ``seconds``)
        or ``numerical`` (the solver returned decisions that are neither 0
        nor 1: numerical trouble; ``values``: ``pairs``, and the ``smallest``
        and ``largest`` absolute coefficients of the model).
    rule : str or None
        The rule concerned (``relax``).
    service, commune : str or None
        The pair concerned (``no_mode``).
    reasons : mapping of str to Reason
        Mode -> why it is excluded (``no_mode``).
    values : mapping
        Figures of a ``relax`` finding [EUR/year or FTE].
    """

    code: str
    rule: str | None = None
    service: str | None = None
    commune: str | None = None
    reasons: Mapping[str, Reason] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        if self.code == "no_mode":
            why = "; ".join(f"{m}: {r}" for m, r in self.reasons.items())
            return f"no mode left for ({self.service}, {self.commune}): {why}"
        if self.code == "relax":
            figures = ", ".join(f"{k}={v}" for k, v in self.values.items())
            return f"feasible without rule '{self.rule}'" + (f" ({figures})" if figures else "")
        if self.code == "numerical":
            v = self.values
            return (
                f"numerical trouble: {v.get('pairs')} decision(s) neither 0 nor 1; coefficients "
                f"from {v.get('smallest', 0):g} to {v.get('largest', 0):g}"
            )
        if self.code == "explain_time_limit":
            return f"explanation incomplete: a relaxed re-solve reached its time limit ({self.values.get('seconds')} s)"
        return "infeasible: no single rule explains it"
