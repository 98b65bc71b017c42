"""Statuses of a solve, and what the solver said (plain data).

PuLP 3.3 reports "Optimal" for a run stopped by its time limit
(PULP-NOTES.md): every :class:`Status` here is read from the solver itself by
:mod:`mutusim.model.highs` or :mod:`mutusim.model.solver`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["SolveInfo", "Status"]


class Status(StrEnum):
    """Outcome of a solve; compares equal to its value (``Status.OPTIMAL == "optimal"``)."""

    #: a plan proven optimal within the requested MIP gap
    OPTIMAL = "optimal"
    #: a plan, not proven optimal (the solver stopped at its time limit)
    FEASIBLE = "feasible"
    #: no plan satisfies the rules
    INFEASIBLE = "infeasible"
    #: the solver stopped at its time limit before finding any plan
    TIME_LIMIT = "time_limit"
    #: the objective has no bound (a modelling error)
    UNBOUNDED = "unbounded"
    #: the solver failed, or the independent checker rejected its plan
    ERROR = "error"
    #: start years given by the caller, not optimised (roadmaps only)
    GIVEN = "given"

    @property
    def has_plan(self) -> bool:
        """True for the statuses that come with a plan (optimal, feasible, given)."""
        return self in (Status.OPTIMAL, Status.FEASIBLE, Status.GIVEN)

    def __repr__(self) -> str:
        """Shown as the plain string it equals (``'optimal'``), in tables and tuples."""
        return repr(self.value)


@dataclass(frozen=True)
class SolveInfo:
    """What the solver said, read from the solver itself.

    Attributes
    ----------
    solver : str
        ``highs`` or ``cbc``.
    status : Status
        See :class:`Status`.
    solver_status : str
        The solver's own status text.
    objective : float or None
        Objective of the plan found, as the solver reports it [EUR/year].
    bound : float or None
        Best proven lower bound [EUR/year] (HiGHS only).
    gap : float or None
        Relative MIP gap of the plan [-] (HiGHS only).
    seconds : float
        Wall time of the solver run [s], hand-over included.
    nodes : int or None
        Branch-and-bound nodes.
    """

    solver: str
    status: Status
    solver_status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    nodes: int | None = None

    @property
    def has_plan(self) -> bool:
        """True when the solver returned a plan (optimal or feasible)."""
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)
