"""Exceptions raised by mutusim, one class per situation.

Every error a user can provoke is a :class:`MutusimError` (a ``ValueError``):

* :class:`DataError` — bad input data; carries every :class:`Problem` found
  at once (file, line, column, fix);
* :class:`ScenarioError` — a malformed scenario, or two overrides that clash;
* :class:`NotFoundError` — a lookup that found nothing: an unknown EPCI,
  service, commune or scenario name (also a ``LookupError``);
* :class:`PlanError` — a plan handed to an evaluation names unknown pairs or
  modes;
* :class:`NoPlanError` — a table, roadmap or figure asked of a result that
  has no plan (infeasible, time limit, error);
* :class:`SolverError` — the solver could not be run;
* :class:`OutputError` — results cannot be written where asked (a folder
  holding other files, another run writing it).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DataError",
    "MutusimError",
    "NoPlanError",
    "NotFoundError",
    "OutputError",
    "PlanError",
    "Problem",
    "ScenarioError",
    "SolverError",
]


class MutusimError(ValueError):
    """Base class of every error mutusim raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in the input data.

    Attributes
    ----------
    file : str
        File (or workbook sheet) where the problem lies, e.g. ``baseline.csv``.
    row : int or None
        Line number in the file as a spreadsheet shows it (header = line 1),
        or ``None`` when the problem concerns the whole table or a column.
    column : str or None
        Column concerned, or ``None``.
    message : str
        What is wrong.
    fix : str
        What to do about it.
    """

    file: str
    row: int | None
    column: str | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", line {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message} Fix: {self.fix}"


class DataError(MutusimError):
    """Bad input data: carries every :class:`Problem` found at once.

    Parameters
    ----------
    problems : list of Problem
        Every problem found.
    source : str
        What was read (a folder, a workbook, a dataset name).
    """

    def __init__(self, problems: list[Problem], source: str = "input data") -> None:
        self.problems = list(problems)
        self.source = source
        n = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in {source}:\n{lines}")


class ScenarioError(MutusimError):
    """A scenario is malformed, or two overrides clash."""


class NotFoundError(MutusimError, LookupError):
    """A name or code looked up does not exist (EPCI, service, commune, scenario)."""


class PlanError(MutusimError):
    """A plan given to an evaluation names unknown pairs, modes or start years."""


class NoPlanError(MutusimError):
    """A table, roadmap or figure was asked of a result that has no plan."""


class SolverError(MutusimError):
    """The solver could not be run (not installed, crashed)."""


class OutputError(MutusimError):
    """Results cannot be written where asked: the folder holds files that are not
    mutusim's (without ``force``), or another run is writing it."""
