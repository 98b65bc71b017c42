"""Every analysis a report needs, computed once by the caller and handed to the renderers.

Rendering never solves: the CLI, the notebooks and :func:`mutusim.analyse`
compute the roadmap, the allocation and the rule prices here, once, and pass
the :class:`Analyses` to :mod:`mutusim.present.report` and
:mod:`mutusim.present.workbook`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from mutusim.analysis.financing import compare_financing, financing_summary
from mutusim.analysis.instruments import legal_instruments
from mutusim.analysis.legal_calendar import legal_steps
from mutusim.analysis.phasing import roadmap
from mutusim.analysis.prices import rule_prices
from mutusim.analysis.shapley import allocation
from mutusim.core.purchasing import GroupementPlan
from mutusim.core.result import Result
from mutusim.core.timeline import Schedule
from mutusim.model.purchasing import optimise_groupements

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
    instruments : DataFrame or None
        The legal instrument of each pooled unit (:func:`mutusim.analysis.instruments.legal_instruments`).
    financing, financing_summary : DataFrame or None
        Each party's budget under each billing key, and the summary per key
        (:mod:`mutusim.analysis.financing`).
    groupements : GroupementPlan or None
        The groupements de commandes beside the plan
        (:func:`mutusim.model.purchasing.optimise_groupements`).
    """

    schedule: Schedule | None = None
    allocation: pd.DataFrame | None = None
    rule_prices: pd.DataFrame | None = None
    calendar: pd.DataFrame | None = None
    instruments: pd.DataFrame | None = None
    financing: pd.DataFrame | None = None
    financing_summary: pd.DataFrame | None = None
    groupements: GroupementPlan | None = None


def analyse(
    result: Result,
    *,
    prices: bool = True,
    samples: int = 2000,
    seed: int = 0,
    purchases: pd.DataFrame | None = None,
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
    purchases : DataFrame, optional
        Purchase spend for the groupements de commandes
        (:func:`mutusim.inputs.purchasing.read_purchases`); default the
        illustrative calibration.

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
    table = compare_financing(result)
    # groupements are small MILPs of their own: HiGHS, whatever solver the plan used
    groupement_scenario = replace(result.scenario, solver="highs")
    return Analyses(
        schedule=roadmap(result),
        allocation=allocation(result, samples=samples, seed=seed),
        rule_prices=rule_prices(result) if prices else None,
        calendar=legal_steps(result),
        instruments=legal_instruments(result),
        financing=table,
        financing_summary=financing_summary(result, table),
        groupements=optimise_groupements(result.territory, groupement_scenario, purchases),
    )
