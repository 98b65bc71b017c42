"""Committee views of the result tables: names beside codes, what is already done.

The result's tables (:class:`mutusim.core.result.Result`) name services and
communes by code, and count a service that is already transferred like a new
transfer. The views here add the names, split "déjà transféré" from a new
transfer, and pick the transfers actually in play (those the councils vote
on). They return tables with English column names; :func:`mutusim.present.labels.french`
gives them their French headers.
"""

from __future__ import annotations

import pandas as pd

from mutusim.analysis.comparison import compare
from mutusim.core.purchasing import GROUPEMENT_COLUMNS
from mutusim.core.result import Result
from mutusim.core.territory import Territory

__all__ = [
    "comparison_view",
    "decision_prices_view",
    "front_view",
    "financing_view",
    "groupements_view",
    "instruments_view",
    "robustness_decisions_view",
    "service_summary",
    "service_view",
    "tipping_view",
    "transfers_in_play",
    "with_names",
]

#: Code columns and the column of names inserted after each.
_NAMED = {
    "service": ("services", "service_name"),
    "commune": ("communes", "commune_name"),
    "largest": ("communes", "largest_name"),
    "employer": ("communes", "employer_name"),
    "host": ("communes", "host_name"),
    "manager": ("communes", "manager_name"),
}


def with_names(df: pd.DataFrame, territory: Territory) -> pd.DataFrame:
    """A copy of ``df`` with a column of names right after each code column.

    ``service`` gets ``service_name``, ``commune`` gets ``commune_name``
    (``EPCI`` reads as the EPCI's name), ``largest``, ``employer`` and
    ``host`` get ``largest_name``, ``employer_name`` and ``host_name``,
    and the codes of ``services_starting`` (a roadmap) become names;
    a name column already present is left as it is, and a table that already
    names its communes in ``name`` gets no second column.

    Parameters
    ----------
    df : DataFrame
        A table of mutusim (English column names).
    territory : Territory
        The names.

    Returns
    -------
    DataFrame
    """
    out = df.copy()
    if "services_starting" in out.columns:  # a roadmap: codes joined by commas
        names = territory.services["name"]
        out["services_starting"] = [
            ", ".join(str(names.get(x.strip(), x.strip())) for x in str(v).split(",") if x.strip())
            for v in out["services_starting"].fillna("")
        ]
    for code_col, (table, name_col) in _NAMED.items():
        if code_col not in out.columns or name_col in out.columns:
            continue
        if code_col == "commune" and "name" in out.columns:
            continue
        if code_col == "service" and "name" in out.columns and "commune" not in out.columns:
            continue
        frame = territory.communes if table == "communes" else territory.services
        names = frame["name"]
        values = [
            territory.name if code == "EPCI" else str(names.get(code, code))
            for code in out[code_col]
        ]
        out.insert(out.columns.get_loc(code_col) + 1, name_col, values)
    return out


def service_view(result: Result) -> pd.DataFrame:
    """Decisions per service, with "already transferred" apart from new transfers.

    Parameters
    ----------
    result : Result
        A result with a plan.

    Returns
    -------
    DataFrame
        ``service``, ``service_name``, ``keep``, ``share``, ``transfer`` (new
        transfers), ``transferred_before`` (communes whose service is already
        transferred and stays so), ``cost_before``, ``cost_after``,
        ``savings`` [EUR/year], ``fte_before``, ``fte_after`` [FTE].
    """
    bs = result.by_service.copy()
    d = result.decisions
    already = d[(d["mode"] == "transfer") & (d["current"] == "transfer")].groupby("service").size()
    bs["transferred_before"] = bs["service"].map(already).fillna(0).astype(int)
    bs["transfer"] = bs["transfer"] - bs["transferred_before"]
    bs = bs.rename(columns={"name": "service_name"})
    cols = [
        "service",
        "service_name",
        "keep",
        "share",
        "transfer",
        "transferred_before",
        "cost_before",
        "cost_after",
        "savings",
        "fte_before",
        "fte_after",
    ]
    return bs[cols]


def transfers_in_play(result: Result) -> list[str]:
    """Services the plan newly transfers for at least one commune: the councils vote on these.

    A service already transferred and kept so is not in play; nor is a
    transferable service the plan keeps.

    Parameters
    ----------
    result : Result
        Any result (empty without a plan).

    Returns
    -------
    list of str
        Service codes, in the territory's order.
    """
    if not result.has_plan:
        return []
    d = result.decisions
    new = set(d.loc[(d["mode"] == "transfer") & (d["current"] != "transfer"), "service"])
    return [s for s in result.territory.services.index if s in new]


def comparison_view(results: list[Result]) -> pd.DataFrame:
    """Scenarios side by side, each named by its title rather than its code.

    Parameters
    ----------
    results : list of Result
        Results with unique scenario names (see :func:`mutusim.compare`).

    Returns
    -------
    DataFrame
        ``scenario`` (the description, or the name in words), ``status``,
        ``npv`` [EUR] over the horizon, ``baseline_cost``, ``total_cost``,
        ``savings`` [EUR/year] (long run), ``fte_moved``
        [FTE], ``pairs_share`` and ``pairs_transfer`` (new adhesions to a
        service commun and new transfers, communes × services: what is
        already shared or transferred is not counted) and ``pools_opened``.
    """
    from mutusim.present.labels import scenario_title

    table = compare(results).reset_index(drop=True)
    table.insert(0, "scenario", [scenario_title(r.scenario) for r in results])
    for mode in ("share", "transfer"):
        table[f"pairs_{mode}"] = [
            int(((r.decisions["mode"] == mode) & (r.decisions["current"] != mode)).sum())
            if r.has_plan
            else None
            for r in results
        ]
    cols = [
        "scenario",
        "status",
        "npv",
        "baseline_cost",
        "total_cost",
        "savings",
        "fte_moved",
        "pairs_share",
        "pairs_transfer",
        "pools_opened",
    ]
    return table[cols]


def instruments_view(table: pd.DataFrame, territory: Territory) -> pd.DataFrame:
    """The legal instruments (:func:`mutusim.analysis.instruments.legal_instruments`) in words.

    Parameters
    ----------
    table : DataFrame
        The instruments table.
    territory : Territory
        The names.

    Returns
    -------
    DataFrame
        Service and manager by name, instrument and billing in French.
    """
    from mutusim.present.labels import BILLING_LABELS, INSTRUMENT_LABELS

    out = with_names(table, territory)
    out["instrument"] = [INSTRUMENT_LABELS.get(x, x) for x in out["instrument"]]
    out["billing"] = [BILLING_LABELS.get(x, x) for x in out["billing"]]
    cols = [
        "service_name",
        "instrument",
        "article",
        "manager_name",
        "members",
        "new_members",
        "billing",
        "posts_transferred",
        "fte_made_available",
    ]
    return out[cols]


def financing_view(summary: pd.DataFrame) -> pd.DataFrame:
    """The financing summary (:func:`mutusim.analysis.financing.financing_summary`) in words.

    Parameters
    ----------
    summary : DataFrame

    Returns
    -------
    DataFrame
        The key in French; the CIF columns only when the scenario gave the CIF figures.
    """
    from mutusim.present.labels import FINANCING_LABELS

    out = summary.copy()
    out["financing"] = [FINANCING_LABELS.get(x, x) for x in out["financing"]]
    if out["delta_cif"].isna().all():
        out = out.drop(columns=["delta_cif", "dgf_per_year"])
    return out


def service_summary(result: Result) -> pd.DataFrame:
    """The decisions per service as the report and the notebooks show them.

    Parameters
    ----------
    result : Result
        A result with a plan.

    Returns
    -------
    DataFrame
        :func:`service_view`'s names, decisions and costs; ``transferred_before``
        only when some commune's service is already transferred.
    """
    sv = service_view(result)
    cols = [
        "service_name",
        "keep",
        "share",
        "transfer",
        "transferred_before",
        "cost_before",
        "cost_after",
        "savings",
    ]
    if not sv["transferred_before"].any():
        cols.remove("transferred_before")
    return sv[cols]


def groupements_view(groupements: pd.DataFrame) -> pd.DataFrame:
    """The groupements de commandes (:class:`mutusim.core.purchasing.GroupementPlan`), by name.

    Parameters
    ----------
    groupements : DataFrame
        ``GroupementPlan.groupements``.

    Returns
    -------
    DataFrame
    """
    return groupements[[c for c in GROUPEMENT_COLUMNS if c != "category"]].copy()


def _status(code: object) -> str:
    from mutusim.present.labels import STATUS_LABELS

    return STATUS_LABELS.get(str(code), str(code))


def _decision(code: object) -> object:
    """A decision in French; a re-solve with no plan gives its status in French instead."""
    from mutusim.present.labels import DECISION_LABELS, STATUS_LABELS

    if not isinstance(code, str):
        return code
    return DECISION_LABELS.get(code, STATUS_LABELS.get(code, code))


def decision_prices_view(table: pd.DataFrame) -> pd.DataFrame:
    """The price of each decision (:func:`mutusim.analysis.decisions.decision_prices`) in words.

    Parameters
    ----------
    table : DataFrame

    Returns
    -------
    DataFrame
        Decisions and statuses in French; ``decision_price`` [EUR over the horizon].
    """
    out = table.rename(columns={"price": "decision_price"}).copy()
    for col in ("decision", "alternative"):
        out[col] = [_decision(x) for x in out[col]]
    out["status"] = [_status(x) for x in out["status"]]
    return out


def robustness_decisions_view(decisions: pd.DataFrame) -> pd.DataFrame:
    """How often each decision is optimal over re-optimised draws, in words.

    Parameters
    ----------
    decisions : DataFrame
        ``Robustness.decisions`` (:func:`mutusim.analysis.uncertainty.robustness` with
        ``reoptimise``): ``service``, ``decision``, ``draws_optimal``, ``share_of_draws``,
        ``share_low``, ``share_high``, ``plan_decision``.

    Returns
    -------
    DataFrame
        ``service``, the plan's decision (``decision``), the decision optimal in the
        draws (``draw_decision``), the number and share of draws where it is and the
        share's 95 % interval, decisions in French; per service, the plan's own
        decision first (0 draws when none finds it optimal).
    """
    out = decisions.rename(columns={"decision": "draw_decision", "plan_decision": "decision"})
    columns = ["service", "decision", "draw_decision", "draws_optimal", "share_of_draws"]
    out = out[[*columns, "share_low", "share_high"]].copy()
    out["_own"] = out["draw_decision"] != out["decision"]
    out = out.sort_values(["service", "_own", "share_of_draws"], ascending=[True, True, False])
    out = out.drop(columns="_own").reset_index(drop=True)
    for col in ("decision", "draw_decision"):
        out[col] = [_decision(x) for x in out[col]]
    return out


def tipping_view(table: pd.DataFrame) -> pd.DataFrame:
    """Tipping points (:func:`mutusim.analysis.tipping.tipping_points`) in words.

    Parameters
    ----------
    table : DataFrame

    Returns
    -------
    DataFrame
        The parameter in French with its unit, the decisions in French.
    """
    from mutusim.present.labels import PARAMETER_LABELS

    out = table.rename(columns={"current": "current_value"}).copy()
    out["parameter"] = [PARAMETER_LABELS.get(x, x) for x in out["parameter"]]
    for col in ("decision", "decision_below", "decision_above"):
        out[col] = [_decision(x) for x in out[col]]
    return out


def front_view(front: pd.DataFrame) -> pd.DataFrame:
    """A trade-off front (:func:`mutusim.analysis.tradeoffs.pareto`) as a table.

    Parameters
    ----------
    front : DataFrame

    Returns
    -------
    DataFrame
        The criterion's column named after it (``fte_moved``, ``communes_changed``,
        ``min_level`` or ``average_level``),
        ``npv``, ``steady_savings`` and the status in French.
    """
    against = str(front["against"].iloc[0]) if len(front) else "value"
    out = front[["value", "npv", "steady_savings", "status"]].rename(columns={"value": against})
    out["status"] = [_status(x) for x in out["status"]]
    return out
