"""Financing scenarios of one plan: who pays what under each billing key (issue 9.2).

The deck's third family of scenarios (*financements*, DOMAIN.md §2.4): the
same plan, its services communs billed by units of work (unit cost × units,
the method of D5211-16 that conventions copy), by population, by FTE, or by
units with the bill charged on the attribution de compensation (FPU only,
L5211-4-2: the CIF then counts it, DOMAIN.md §1.3, §2.2). The plan and its
economic cost do not change with the key; the communes' budgets, the winners
and losers, and the CIF do. Nothing is solved: the plan is priced again under
each key by the cost model (:func:`mutusim.core.evaluate.evaluate_plan`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import pandas as pd

from mutusim.core.costs import CostData
from mutusim.core.evaluate import evaluate_plan, status_quo
from mutusim.core.result import Result
from mutusim.core.scenario import BILLING_KEYS
from mutusim.core.schema import EPCI_PARTY
from mutusim.core.timeline import CIF_CAP
from mutusim.errors import ScenarioError

__all__ = ["FINANCING_COLUMNS", "SUMMARY_COLUMNS", "compare_financing", "financing_summary"]

#: Columns of :func:`compare_financing` (one row per key and party).
FINANCING_COLUMNS = ["financing", "commune", "name", "cost_before", "cost_after", "balance"]
#: Columns of :func:`financing_summary` (one row per key).
SUMMARY_COLUMNS = [
    "financing",
    "winners",
    "losers",
    "largest_gain",
    "largest_loss",
    "epci_balance",
    "charged_on_ac",
    "delta_cif",
    "dgf_per_year",
]


def _keys(result: Result, keys: Iterable[str] | None) -> list[str]:
    fiscalite = str(result.territory.epci.get("fiscalite", "FPU"))
    if keys is None:
        return [k for k in BILLING_KEYS if k != "ac" or fiscalite == "FPU"]
    keys = list(keys)
    bad = [k for k in keys if k not in BILLING_KEYS]
    if bad:
        raise ScenarioError(f"financing: unknown key(s) {bad}; use {list(BILLING_KEYS)}")
    return keys


def compare_financing(result: Result, keys: Iterable[str] | None = None) -> pd.DataFrame:
    """Each party's budget for the plan of ``result`` under each billing key.

    Parameters
    ----------
    result : Result
        A result with a plan.
    keys : iterable of str, optional
        Billing keys to compare (default: every key; ``ac`` only under FPU).
        Each applies to every service commun of the plan.

    Returns
    -------
    DataFrame
        Columns :data:`FINANCING_COLUMNS`; one row per key and party (the
        communes, then the EPCI), ``cost_before`` / ``cost_after`` /
        ``balance`` [EUR/year], long run. For each key the rows add up to the
        plan's cost. Empty without a plan.

    Raises
    ------
    ScenarioError
        An unknown key, or ``ac`` outside FPU.

    Examples
    --------
    >>> import mutusim as ms
    >>> sc = ms.Scenario(end_year=2028, discount_rate=0, departures="all", all_departure_rate=0.5)
    >>> t = compare_financing(ms.optimise(ms.examples.tiny(), sc), keys=["units", "population"])
    >>> t.groupby("financing", sort=False)["cost_after"].sum().round(2).tolist()
    [172000.0, 172000.0]
    """
    if not result.has_plan:
        return pd.DataFrame(columns=FINANCING_COLUMNS)
    t = result.territory
    plan = result.plan
    shared = sorted({s for (s, _c), m in plan.items() if m == "share"})
    frames = []
    for key in _keys(result, keys):
        sc = replace(
            result.scenario,
            billing_keys={**result.scenario.billing_keys, **dict.fromkeys(shared, key)},
        )
        costs = CostData.from_inputs(t, sc)
        ev = evaluate_plan(costs, plan)
        today = evaluate_plan(costs, status_quo(costs))
        after = ev.pairs.groupby("commune")["cost_after"].sum()
        before = today.pairs.groupby("commune")["cost_after"].sum()
        rows = [
            (str(c), str(name), float(before.get(c, 0.0)), float(after.get(c, 0.0)))
            for c, name in zip(t.communes.index, t.communes["name"], strict=True)
        ]
        total_before = today.total_cost
        total_after = ev.total_cost
        communes_before = sum(r[2] for r in rows)
        communes_after = sum(r[3] for r in rows)
        rows.append(
            (EPCI_PARTY, t.name, total_before - communes_before, total_after - communes_after)
        )
        frame = pd.DataFrame(rows, columns=["commune", "name", "cost_before", "cost_after"])
        frame.insert(0, "financing", key)
        frame["balance"] = frame["cost_after"] - frame["cost_before"]
        frames.append(frame[FINANCING_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def financing_summary(result: Result, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Winners, losers, the EPCI's balance and the CIF effect of each financing.

    Parameters
    ----------
    result : Result
        The result priced in ``table``.
    table : DataFrame, optional
        :func:`compare_financing` of ``result`` (computed when omitted).

    Returns
    -------
    DataFrame
        Columns :data:`SUMMARY_COLUMNS`, one row per key: ``winners`` and
        ``losers`` (communes whose budget falls, rises, by more than one euro a
        year), ``largest_gain`` and ``largest_loss`` [EUR/year, as positive
        amounts], ``epci_balance`` [EUR/year], ``charged_on_ac`` [EUR/year: the
        joining communes' bills charged on the AC, key ``ac``], and, when the
        scenario gives the CIF figures (``cif_current``, ``tax_receipts``,
        ``dgf_per_inhabitant_per_cif``), ``delta_cif`` [-] and
        ``dgf_per_year`` [EUR/year, from two years after the start, an
        uncertain upside, DOMAIN.md §2.2] of those bills (NaN otherwise).
        Transfers are financed the same way under every key and left out.
    """
    if table is None:
        table = compare_financing(result)
    if table.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    sc = result.scenario
    plan = result.plan
    joining = {
        (s, c)
        for (s, c), m in plan.items()
        if m == "share"
        and c != EPCI_PARTY
        and result.territory.baseline.at[(s, c), "arrangement"] != "share"
    }
    rows = []
    for key, g in table.groupby("financing", sort=False):
        communes = g[g["commune"] != EPCI_PARTY]
        charged = 0.0
        if key == "ac":
            costs = CostData.from_inputs(
                result.territory,
                replace(sc, billing_keys={s: "ac" for s, _c in joining}),
            )
            bills = evaluate_plan(costs, plan).pairs.set_index(["service", "commune"])[
                "cost_after"
            ]
            charged = float(sum(bills[p] for p in joining))
        known = (
            sc.tax_receipts
            and sc.dgf_per_inhabitant_per_cif is not None
            and sc.cif_current is not None
        )
        if known:
            headroom = max(0.0, CIF_CAP - float(sc.cif_current or 0.0))
            dcif = min(charged / float(sc.tax_receipts or 1.0), headroom)
            dgf = result.territory.population * float(sc.dgf_per_inhabitant_per_cif or 0.0) * dcif
        else:
            dcif = dgf = float("nan")
        rows.append(
            {
                "financing": key,
                "winners": int((communes["balance"] < -1.0).sum()),
                "losers": int((communes["balance"] > 1.0).sum()),
                "largest_gain": float(max(0.0, -communes["balance"].min())),
                "largest_loss": float(max(0.0, communes["balance"].max())),
                "epci_balance": float(g.loc[g["commune"] == EPCI_PARTY, "balance"].sum()),
                "charged_on_ac": charged,
                "delta_cif": dcif,
                "dgf_per_year": dgf,
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
