"""Exceptions raised by mutusim.

Every error a user can provoke with bad input is a :class:`MutusimError`.
Data problems are collected before anything is built and raised once as a
:class:`DataError` that carries the whole list (see :class:`Problem`).
"""

from __future__ import annotations

from dataclasses import dataclass


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
    """Bad input data: carries every :class:`Problem` found at once."""

    def __init__(self, problems: list[Problem], source: str = "input data") -> None:
        self.problems = list(problems)
        self.source = source
        n = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in {source}:\n{lines}")

    def one_line(self) -> str:
        """A single line summary, for the command line."""
        first = self.problems[0] if self.problems else "no detail"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"{len(self.problems)} problem(s) in {self.source}: {first}{more}"


class ScenarioError(MutusimError):
    """A scenario is malformed, or two overrides clash."""


class SolverError(MutusimError):
    """The solver could not be run (not installed, crashed)."""
