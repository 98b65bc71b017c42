"""Every analysis a report needs, computed once by the caller and handed to the renderers.

Rendering never solves: the CLI, the notebooks and :func:`mutusim.analyse`
compute the roadmap, the allocation and the rule prices here, once, and pass
the :class:`Analyses` to :mod:`mutusim.present.report` and
:mod:`mutusim.present.workbook`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mutusim.analysis.legal_calendar import legal_steps
from mutusim.analysis.phasing import roadmap
from mutusim.analysis.prices import rule_prices
from mutusim.analysis.shapley import allocation
from mutusim.core.result import Result
from mutusim.core.timeline import Schedule

__all__ = ["Analyses", "analyse"]


@dataclass(frozen=True)
class Analyses:
    """The analyses of one result (plain data; None when not computed or without a plan).

    Attributes
    ----------
    schedule : Schedule or None
        The roadmap over the horizon (:func:`mutusim.analysis.phasing.roadmap`).
    allocation : DataFrame or None
        Savings per pool member, key vs Shapley (:func:`mutusim.analysis.shapley.allocation`).
    rule_prices : DataFrame or None
        What each rule costs (:func:`mutusim.analysis.prices.rule_prices`).
    calendar : DataFrame or None
        The legal steps of each change (:func:`mutusim.analysis.legal_calendar.legal_steps`).
    """

    schedule: Schedule | None = None
    allocation: pd.DataFrame | None = None
    rule_prices: pd.DataFrame | None = None
    calendar: pd.DataFrame | None = None


def analyse(
    result: Result, *, prices: bool = True, samples: int = 2000, seed: int = 0
) -> Analyses:
    """Compute the roadmap, the allocation and (optionally) the rule prices of a result.

    Parameters
    ----------
    result : Result
        Any result; without a plan, the analyses are None.
    prices : bool
        Price each active rule (one extra solve per rule).
    samples, seed : int
        Permutations and seed of the sampled Shapley values (pools above 12 members).

    Returns
    -------
    Analyses

    Examples
    --------
    >>> import mutusim as ms
    >>> an = ms.analyse(ms.optimise(ms.examples.tiny()), prices=False)
    >>> an.schedule.status, an.rule_prices is None
    ('optimal', True)
    """
    if not result.has_plan:
        return Analyses()
    return Analyses(
        schedule=roadmap(result),
        allocation=allocation(result, samples=samples, seed=seed),
        rule_prices=rule_prices(result) if prices else None,
        calendar=legal_steps(result),
    )
