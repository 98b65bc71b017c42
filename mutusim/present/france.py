"""The national screening for the reader, in French: tables, plots and a summary folder.

Each plot takes a table of :mod:`mutusim.analysis.national` (or a
:class:`~mutusim.analysis.national.Screening`) and an optional Axes, and
returns the Axes; nothing here solves or computes beyond reshaping. EPCIs,
départements and régions appear by name, natures and rules in words.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mutusim._files import atomic_write, safe_frame
from mutusim.analysis.national import (
    GROUP_KEYS,
    Screening,
    by_group,
    largest,
    rule_frequency,
)
from mutusim.errors import MutusimError
from mutusim.present.formatting import euros, number, percent
from mutusim.present.labels import RULE_LABELS, STATUS_LABELS

__all__ = [
    "GROUP_LABELS",
    "NATIONAL_KINDS",
    "NATIONAL_LABELS",
    "NATURE_LABELS",
    "french_national",
    "national_table",
    "plot_distribution",
    "plot_largest",
    "plot_rule_frequency",
    "plot_savings_by",
    "summary_lines",
    "write_summary",
]

#: Natures of EPCI, in words.
NATURE_LABELS: dict[str, str] = {
    "CC": "Communauté de communes",
    "CA": "Communauté d'agglomération",
    "CU": "Communauté urbaine",
    "METRO": "Métropole",
    "MET69": "Métropole de Lyon",
}
#: What the groups of :func:`mutusim.analysis.national.by_group` are called.
GROUP_LABELS: dict[str, str] = {
    "nature": "nature d'EPCI",
    "departement": "département",
    "region": "région",
    "fiscalite": "régime fiscal",
}
_FISCALITE = {"FPU": "Fiscalité professionnelle unique", "FA": "Fiscalité additionnelle"}
_STATUS = {**STATUS_LABELS, "failed": "échec (données ou calcul)"}

#: French headers of the national tables.
NATIONAL_LABELS: dict[str, str] = {
    "siren": "SIREN",
    "name": "EPCI",
    "nature": "Nature",
    "fiscalite": "Régime fiscal",
    "communes": "Communes",
    "population": "Population",
    "departement": "Code département",
    "departement_name": "Département",
    "region": "Code région",
    "region_name": "Région",
    "departements_count": "Départements couverts",
    "status": "Statut",
    "npv": "Valeur actuelle nette des économies sur l'horizon (€)",
    "npv_per_inhabitant": "Valeur actuelle nette par habitant (€)",
    "total_savings": "Économies cumulées sur l'horizon (€)",
    "services_started": "Services qui changent",
    "first_start_year": "Premiers changements (année)",
    "baseline_cost": "Coût actuel (€/an)",
    "total_cost": "Coût du plan à long terme (€/an)",
    "savings": "Économies à long terme (€/an)",
    "savings_share": "Économies à long terme (part du coût actuel)",
    "savings_per_inhabitant": "Économies à long terme par habitant (€/an)",
    "transition_one_off": "Coûts de transition (€)",
    "fte_before": "ETP actuels",
    "fte_moved": "ETP concernés",
    "pairs": "Couples service-commune",
    "pairs_changed": "Couples qui changent",
    "pairs_share": "Couples mutualisés",
    "pairs_transfer": "Couples transférés",
    "pools_opened": "Services mutualisés ouverts",
    "gap": "Écart d'optimalité",
    "npv_unconstrained": "Valeur actuelle nette sans les règles (€)",
    "rules_price": "Coût des règles (valeur actuelle nette perdue, €)",
    "rules_bind": "Une règle contraint le plan",
    "explanation": "Explication",
    "error_type": "Type d'erreur",
    "error": "Erreur",
    "seconds": "Durée (s)",
    "build_seconds": "Construction du modèle (s)",
    "solve_seconds": "Résolution (s)",
    "binding_seconds": "Mesure des règles (s)",
    "epcis": "EPCI",
    "with_plan": "EPCI avec un plan",
    "failed": "Échecs",
    "median_savings_share": "Économies à long terme médianes (part du coût actuel)",
    "rule": "Règle",
    "binds": "EPCI où elle contraint le plan",
    "share": "Part des EPCI",
    "violations": "Infractions du plan sans règles",
    "active": "Règle active",
}


def french_national(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a national table with French headers, and natures, statuses and rules in words.

    Parameters
    ----------
    df : DataFrame
        A table of :mod:`mutusim.analysis.national`.

    Returns
    -------
    DataFrame
    """
    out = df.copy()
    if "nature" in out.columns:
        out["nature"] = out["nature"].map(lambda v: NATURE_LABELS.get(v, v))
    if "fiscalite" in out.columns:
        out["fiscalite"] = out["fiscalite"].map(lambda v: _FISCALITE.get(v, v))
    if "status" in out.columns:
        out["status"] = out["status"].map(lambda v: _STATUS.get(v, v))
    if "rule" in out.columns:
        out["rule"] = out["rule"].map(lambda v: RULE_LABELS.get(v, v))
    for col in ("rules_bind", "active"):
        if col in out.columns:
            out[col] = out[col].map({True: "oui", False: "non"}).fillna("—")
    keep = [c for c in out.columns if not c.startswith(("violations__", "binds__"))]
    return out[keep].rename(columns=NATIONAL_LABELS)


#: Kind of figure of each national column (:data:`mutusim.present.formatting.KINDS`).
NATIONAL_KINDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "npv",
            "npv_per_inhabitant",
            "total_savings",
            "baseline_cost",
            "total_cost",
            "savings",
            "savings_per_inhabitant",
            "transition_one_off",
            "npv_unconstrained",
            "rules_price",
        ),
        "euros",
    ),
    **dict.fromkeys(
        (
            "communes",
            "population",
            "departements_count",
            "services_started",
            "pairs",
            "pairs_changed",
            "pairs_share",
            "pairs_transfer",
            "pools_opened",
            "epcis",
            "with_plan",
            "failed",
            "binds",
            "violations",
        ),
        "count",
    ),
    **dict.fromkeys(("savings_share", "median_savings_share", "share", "gap"), "percent"),
    **dict.fromkeys(("fte_before", "fte_moved"), "fte"),
    **dict.fromkeys(("first_start_year",), "year"),
    **dict.fromkeys(("seconds", "build_seconds", "solve_seconds", "binding_seconds"), "seconds"),
}


def national_table(df: pd.DataFrame) -> Any:
    """A national table as the reader sees it in a notebook: French headers and figures.

    Parameters
    ----------
    df : DataFrame
        A table of :mod:`mutusim.analysis.national`.

    Returns
    -------
    pandas.io.formats.style.Styler
        ``.data`` holds the French table (:func:`french_national`).
    """
    from mutusim.present.display import styled

    kept = [c for c in df.columns if not str(c).startswith(("violations__", "binds__"))]
    shown = french_national(df.reset_index(drop=True))
    return styled(shown, [NATIONAL_KINDS.get(str(c)) for c in kept])


def _group_names(table: pd.DataFrame, by: str) -> list[str]:
    if by in ("departement", "region"):
        return [str(v) for v in table[f"{by}_name"]]
    if by == "nature":
        return [NATURE_LABELS.get(str(v), str(v)) for v in table[by]]
    if by == "fiscalite":
        return [_FISCALITE.get(str(v), str(v)) for v in table[by]]
    raise MutusimError(f"unknown group '{by}'; choose among {', '.join(GROUP_KEYS)}")


def plot_savings_by(
    table: pd.DataFrame,
    by: str,
    ax: Axes | None = None,
    top: int = 25,
    per_inhabitant: bool = False,
    measure: str = "npv",
) -> Axes:
    """NPV over the horizon [EUR] or long-run savings [EUR/year] by group, largest first.

    Parameters
    ----------
    table : DataFrame
        :func:`mutusim.analysis.national.by_group` of ``by``.
    by : str
        The group key of ``table``.
    ax : Axes, optional
        Where to draw (a new figure by default).
    top : int
        Most groups shown (the title says when some are left out).
    per_inhabitant : bool
        Draw values per inhabitant instead of totals.
    measure : str
        ``npv`` (the net present value of the savings over the horizon, the
        headline) or ``savings`` (long-run yearly savings, every change in force).

    Returns
    -------
    Axes
    """
    if measure not in ("npv", "savings"):
        raise MutusimError(f"plot_savings_by(measure='{measure}'): choose 'npv' or 'savings'")
    col = f"{measure}_per_inhabitant" if per_inhabitant else measure
    t = table[table[col].notna()].sort_values(col, ascending=False).head(top)
    names = _group_names(t, by)
    values = t[col].to_numpy(dtype=float) / (1.0 if per_inhabitant else 1e6)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.32 * max(len(t), 3) + 1.5))
    ax.barh(range(len(t)), values, color="#4c9be8" if measure == "npv" else "#8fbf5a")
    ax.set_yticks(range(len(t)), names, fontsize=8)
    ax.invert_yaxis()
    units = {
        ("npv", False): "millions d'€ (valeur actuelle nette sur l'horizon)",
        ("npv", True): "€ par habitant (valeur actuelle nette sur l'horizon)",
        ("savings", False): "millions d'€ par an (à long terme)",
        ("savings", True): "€ par habitant et par an (à long terme)",
    }
    ax.set_xlabel(units[(measure, per_inhabitant)])
    more = f" ({top} premiers sur {len(table)})" if len(table) > top else ""
    what = {
        ("npv", False): "Valeur actuelle nette des économies",
        ("npv", True): "Valeur actuelle nette par habitant",
        ("savings", False): "Économies annuelles à long terme",
        ("savings", True): "Économies à long terme par habitant",
    }[(measure, per_inhabitant)]
    ax.set_title(f"{what} par {GROUP_LABELS.get(by, by)}{more}")
    for i, v in enumerate(values):
        ax.text(v, i, " " + number(v, 1 if not per_inhabitant else 0), va="center", fontsize=7)
    return ax


def plot_distribution(
    epcis: pd.DataFrame, ax: Axes | None = None, by: str | None = "nature", bins: int = 30
) -> Axes:
    """Distribution of the EPCIs' long-run savings, as a share of their cost today [%].

    Parameters
    ----------
    epcis : DataFrame
        :attr:`Screening.epcis <mutusim.analysis.national.Screening.epcis>`.
    ax : Axes, optional
        Where to draw.
    by : str or None
        Stack the histogram by ``nature`` (default) or ``fiscalite``; None for one colour.
    bins : int
        Number of bins.

    Returns
    -------
    Axes
    """
    e = epcis[epcis["savings_share"].notna()]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    values = 100.0 * e["savings_share"].to_numpy(dtype=float)
    if len(values) == 0:
        ax.set_title("Aucun EPCI avec un plan")
        return ax
    edges = np.histogram_bin_edges(values, bins=bins).tolist()
    if by is None:
        ax.hist(values, bins=edges, color="#4c9be8")
    else:
        groups = sorted(e[by].dropna().unique())
        data = [100.0 * e.loc[e[by] == g, "savings_share"].to_numpy(dtype=float) for g in groups]
        labels = _group_names(pd.DataFrame({by: groups}), by)
        ax.hist(data, bins=edges, stacked=True, label=labels)
        ax.legend(fontsize=8, frameon=False)
    median = float(np.median(values))
    ax.axvline(median, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel("économies à long terme, en % du coût actuel des services étudiés")
    ax.set_ylabel("nombre d'EPCI")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(
        f"Répartition des économies à long terme de {number(len(values))} EPCI "
        f"(médiane {percent(median / 100.0)})"
    )
    return ax


def plot_largest(table: pd.DataFrame, ax: Axes | None = None, by: str = "npv") -> Axes:
    """The EPCIs with the largest potential, by name.

    Parameters
    ----------
    table : DataFrame
        :func:`mutusim.analysis.national.largest`.
    ax : Axes, optional
        Where to draw.
    by : str
        The column ``table`` was ranked by: ``npv`` [EUR] (over the horizon),
        ``npv_per_inhabitant`` [EUR/inhabitant], or the long-run ``savings``
        [EUR/year], ``savings_share`` [-] or ``savings_per_inhabitant``
        [EUR/inhabitant/year].

    Returns
    -------
    Axes
    """
    scale = {
        "npv": 1e-3,
        "npv_per_inhabitant": 1.0,
        "savings": 1e-3,
        "savings_share": 100.0,
        "savings_per_inhabitant": 1.0,
    }
    unit = {
        "npv": "k€ (valeur actuelle nette des économies sur l'horizon)",
        "npv_per_inhabitant": "€ par habitant (valeur actuelle nette sur l'horizon)",
        "savings": "k€ par an (économies à long terme)",
        "savings_share": "% du coût actuel (économies à long terme)",
        "savings_per_inhabitant": "€ par habitant et par an (économies à long terme)",
    }
    if by not in scale:
        raise MutusimError(f"plot_largest(by='{by}'): choose among {', '.join(scale)}")
    values = table[by].to_numpy(dtype=float) * scale[by]
    names = [str(n) for n in table["name"]]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.32 * max(len(table), 3) + 1.5))
    ax.barh(range(len(table)), values, color="#2ca02c")
    ax.set_yticks(range(len(table)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(unit[by])
    ax.set_title(f"Les {len(table)} EPCI au plus fort potentiel d'économies")
    return ax


def plot_rule_frequency(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Share of the EPCIs where each rule binds (:func:`~mutusim.analysis.national.rule_frequency`).

    Parameters
    ----------
    table : DataFrame
        :func:`mutusim.analysis.national.rule_frequency` with ``by=None``.
    ax : Axes, optional
        Where to draw.

    Returns
    -------
    Axes
    """
    t = table.sort_values("share", ascending=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * max(len(t), 3) + 1.5))
    ax.barh(range(len(t)), 100.0 * t["share"].to_numpy(dtype=float), color="#e8864c")
    ax.set_yticks(range(len(t)), [RULE_LABELS.get(r, r) for r in t["rule"]], fontsize=8)
    ax.set_xlabel("% des EPCI où la règle contraint le plan")
    for i, (share, n) in enumerate(zip(t["share"], t["binds"], strict=True)):
        ax.text(
            100.0 * share, i, f" {percent(share, 0)} ({number(n)} EPCI)", va="center", fontsize=7
        )
    ax.set_title("Où les règles contraignent le plan le plus souvent")
    return ax


def summary_lines(screening: Screening) -> list[str]:
    """A few French sentences summing up a screening (for the command line).

    Parameters
    ----------
    screening : Screening
        A screening.

    Returns
    -------
    list of str
    """
    e = screening.epcis
    plan = e[e["total_cost"].notna()]
    failed = int((e["status"] == "failed").sum())
    lines = [
        f"{number(len(e))} EPCI traités, {number(len(plan))} avec un plan, {number(failed)} échec"
        + ("s" if failed > 1 else ""),
    ]
    if len(plan):
        sc = screening.scenario
        base = float(plan["baseline_cost"].sum())
        sav = float(plan["savings"].sum())
        npv = float(plan["npv"].sum())
        changing = int((plan["services_started"].fillna(0) > 0).sum())
        lines.append(
            f"valeur actuelle nette des économies {sc.start_year}-{sc.end_year} : {euros(npv)} "
            f"({number(changing)} EPCI où un service change)"
        )
        lines.append(
            f"économies à long terme : {euros(sav, per_year=True)} sur "
            f"{euros(base, per_year=True)} ({percent(sav / base if base else None)}), "
            f"médiane par EPCI {percent(float(plan['savings_share'].median()))}"
        )
        binds = plan["rules_bind"].fillna(False).astype(bool)
        if plan["rules_price"].notna().any():
            lines.append(
                f"une règle contraint le plan dans {number(int(binds.sum()))} EPCI ; ensemble, "
                f"les règles coûtent {euros(float(plan['rules_price'].sum()))} de valeur actuelle nette"
            )
    return lines


def write_summary(screening: Screening, folder: str | os.PathLike[str]) -> list[Path]:
    """Write the summary tables (CSV, French headers) and plots (PNG) of a screening.

    Parameters
    ----------
    screening : Screening
        A screening.
    folder : str or path-like
        Where to write (created if needed).

    Returns
    -------
    list of Path
        The files written.
    """
    out = Path(folder)
    written: list[Path] = []

    def csv(name: str, df: pd.DataFrame) -> None:
        # no cell read as a formula (EPCI names, errors)
        text = safe_frame(french_national(df)).to_csv(index=False, sep=";", decimal=",")
        written.append(
            atomic_write(out / name, lambda p: p.write_text(text, encoding="utf-8-sig"))
        )

    def png(name: str, ax: Axes) -> None:
        fig = ax.figure
        assert isinstance(fig, Figure)
        fig.tight_layout()
        written.append(atomic_write(out / name, lambda p: fig.savefig(p, format="png", dpi=110)))
        plt.close(fig)

    e = screening.epcis
    csv("epci.csv", e)
    for by in ("nature", "departement", "region"):
        csv(f"par_{by}.csv", by_group(screening, by))
    top = largest(screening, 30)
    csv("plus_fort_potentiel.csv", top)
    if len(screening.failures):
        csv("echecs.csv", screening.failures)
    if e["total_cost"].notna().any():
        regions, natures = by_group(screening, "region"), by_group(screening, "nature")
        png("van_par_region.png", plot_savings_by(regions, "region"))
        png("van_par_nature.png", plot_savings_by(natures, "nature"))
        png("economies_par_region.png", plot_savings_by(regions, "region", measure="savings"))
        png("repartition.png", plot_distribution(e))
        png("plus_fort_potentiel.png", plot_largest(top.head(20)))
    if e["rules_price"].notna().any():
        freq = rule_frequency(screening)
        csv("regles.csv", freq)
        csv("regles_par_region.csv", rule_frequency(screening, by="region"))
        png("regles.png", plot_rule_frequency(freq))
    return written
