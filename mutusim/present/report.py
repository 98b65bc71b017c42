"""Self-contained HTML report for the steering committee, in French (PRODUCT.md R4).

One file, no external resource: figures are embedded as base64 PNG. The
report renders a result and the analyses computed once by the caller
(:func:`mutusim.analyse`); it never solves.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import date
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd

from mutusim._files import atomic_write
from mutusim.analysis.suite import Analyses
from mutusim.analysis.votes import blocking_communes
from mutusim.core.result import Result
from mutusim.core.schema import EPCI_PARTY
from mutusim.present import plot
from mutusim.present.formatting import euros, fte, number, percent
from mutusim.present.labels import (
    MODE_LABELS,
    STATUS_LABELS,
    explanation,
    french,
    start_reason,
)

__all__ = ["render_html", "write_html"]

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1100px;margin:2em auto;
color:#222;line-height:1.45;padding:0 1em}
h1{font-size:1.6em;border-bottom:3px solid #1f77b4;padding-bottom:.3em}
h2{font-size:1.25em;margin-top:2em;color:#1f4e79}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0 1em}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#eef3f8}
td:first-child,th:first-child{text-align:left}
.kpi{display:flex;gap:1em;flex-wrap:wrap}
.kpi div{background:#eef3f8;border-radius:6px;padding:.6em 1em;min-width:180px}
.kpi b{display:block;font-size:1.3em}
.warn{background:#fff3cd;border-left:4px solid #e0a800;padding:.5em 1em}
.note{color:#555;font-size:.85em}
img{max-width:100%}
"""


def _fig_to_img(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def _table(df: pd.DataFrame, decimals: int = 0) -> str:
    def fmt(v: object) -> str:
        if isinstance(v, float):
            return number(v, decimals)
        if isinstance(v, int) and not isinstance(v, bool):
            return number(v)
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{fmt(v)}</td>" for v in row) + "</tr>"
        for row in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(result: Result, analyses: Analyses | None = None) -> str:
    """The committee report of ``result`` as one HTML string (French).

    Parameters
    ----------
    result : Result
        The result to present.
    analyses : Analyses, optional
        Roadmap, allocation and rule prices (:func:`mutusim.analyse`); their
        sections are left out when not given. Rendering never solves.

    Returns
    -------
    str
    """
    with matplotlib.rc_context({"backend": "Agg"}):
        return _render(result, analyses or Analyses())


def _votes_section(result: Result) -> list[str]:
    if result.majorities.empty:
        return []
    t = result.territory
    out = ["<h2>Transferts de compétence : votes des conseils municipaux</h2>"]
    out.append(
        "<p class='note'>Majorité qualifiée (art. L5211-5 II CGCT) : deux tiers des conseils représentant "
        "plus de la moitié de la population, ou la moitié des conseils représentant plus des deux tiers, "
        "dont la commune la plus peuplée si elle dépasse le quart de la population. Un conseil qui ne "
        "délibère pas dans les trois mois est réputé favorable. Sans position connue, une commune vote "
        "pour si le transfert ne dégrade pas son budget après la réduction de son attribution de "
        "compensation (évaluation CLECT).</p>"
    )
    maj = result.majorities.copy()
    maj["service_name"] = t.services["name"].reindex(maj["service"]).to_numpy()
    maj["largest"] = t.communes["name"].reindex(maj["largest"]).to_numpy()
    cols = [
        "service_name",
        "councils",
        "yes",
        "yes_population",
        "largest",
        "largest_yes",
        "majority",
    ]
    out.append(_table(french(maj[cols])))
    for s in result.majorities["service"]:
        blockers = blocking_communes(result, s)
        if not blockers.empty:
            names = ", ".join(
                f"{n} ({number(p)} hab.)"
                for n, p in zip(blockers["name"], blockers["population"], strict=True)
            )
            out.append(
                f"<p>Conseils défavorables au transfert « {html.escape(t.services.at[s, 'name'])} » : {html.escape(names)}.</p>"
            )
    return out


def _service_names(result: Result, codes: str) -> str:
    names = result.territory.services["name"]
    return ", ".join(
        str(names.get(x.strip(), x.strip())) for x in str(codes).split(",") if x.strip()
    )


def _headline_section(result: Result) -> list[str]:
    """The reconciled headline: the plan year by year over the mandate, then its steady state."""
    sch = result.schedule
    if sch is None:
        return []
    sc = result.scenario
    limits = []
    if sc.max_changes_per_year is not None:
        limits.append(f"au plus {sc.max_changes_per_year} services réorganisés par an")
    if sc.transition_budget is not None:
        limits.append(f"un budget de transition de {euros(sc.transition_budget)} par an")
    departures = (
        "les départs en retraite" if sc.departures == "retirements" else "tous les départs"
    )
    out = [
        f"<h2>Le plan année par année, {sc.start_year}-{sc.end_year}</h2>",
        "<p>Le plan et son calendrier sont choisis ensemble : chaque changement prend effet "
        f"au 1<sup>er</sup> janvier, au plus tôt en {sc.first_effective_year} (après l'adoption du "
        "scénario), et un changement qui ne se rembourse pas sur la période n'est pas retenu. "
        "Les agents travaillant entièrement dans un service suivent le service commun ou le "
        "transfert ; les agents qui n'y travaillent qu'en partie restent dans leur commune et "
        "sont mis à disposition : cette part ne produit aucune économie. Les postes ne "
        f"diminuent qu'au départ d'agents entiers ({departures} : {percent(sc.departure_rate)} "
        "par an), jamais par licenciement."
        + (" Contraintes : " + ", ".join(limits) + "." if limits else "")
        + "</p>",
        _fig_to_img(plot.plot_roadmap(sch).figure),
    ]
    rm = sch.roadmap[
        [
            "year",
            "services_starting",
            "transition_cost",
            "posts_not_replaced",
            "cost_plan",
            "savings",
            "cumulative_savings",
            "discounted_savings",
        ]
    ].copy()
    rm["year"] = rm["year"].astype(str)
    rm["services_starting"] = [_service_names(result, v) for v in rm["services_starting"]]
    steady = pd.DataFrame(
        [
            {
                "year": "Régime permanent (après la période)",
                "services_starting": "",
                "transition_cost": 0.0,
                "posts_not_replaced": float("nan"),
                "cost_plan": sch.steady_cost,
                "savings": sch.steady_savings,
                "cumulative_savings": float("nan"),
                "discounted_savings": float("nan"),
            }
        ]
    )
    table = pd.concat([rm, steady], ignore_index=True)
    out.append(_table(french(table)))
    out.append(
        f"<p><b>Valeur actuelle nette du plan sur {sc.start_year}-{sc.end_year} "
        f"(taux {percent(sc.discount_rate)}) : {euros(sch.npv)}</b> ; économies cumulées sur la "
        f"période : {euros(sch.total_savings)} ; économies annuelles en régime permanent : "
        f"{euros(sch.steady_savings)}.</p>"
    )
    late = sch.starts[sch.starts["reason"].notna()] if len(sch.starts) else sch.starts
    if not late.empty:
        out.append("<p>Changements qui ne démarrent pas dès la première année possible :</p><ul>")
        for row in late.to_dict("records"):
            out.append(
                f"<li>{html.escape(_service_names(result, row['service']))} : "
                f"{html.escape(start_reason(row, sc))}</li>"
            )
        out.append("</ul>")
    out.append(_fig_to_img(plot.plot_staff(sch, result.territory).figure))
    return out


def _employers_section(result: Result) -> list[str]:
    """Staff moves per year and employer: posts transferred, FTE made available, posts not replaced."""
    sch = result.schedule
    if sch is None or sch.employers.empty:
        return []
    t = result.territory
    emp = sch.employers.copy()
    emp["year"] = emp["year"].astype(str)
    emp["employer"] = [
        t.name if e == EPCI_PARTY else str(t.communes.at[e, "name"]) for e in emp["employer"]
    ]
    return [
        "<h2>Les agents, par employeur et par année</h2>",
        "<p class='note'>Postes transférés à l'employeur qui porte le service commun ou la "
        "compétence (l'EPCI ou une commune), temps d'agents mis à disposition par leur commune, "
        "postes non remplacés au départ d'agents, postes supprimés (surnombre).</p>",
        _table(french(emp.rename(columns={"employer": "name"})), 1),
    ]


def _calendar_section(result: Result, analyses: Analyses) -> list[str]:
    cal = analyses.calendar
    if cal is None or cal.empty:
        return []
    table = cal.copy()
    table["service"] = [_service_names(result, s) for s in table["service"]]
    table["date"] = [f"{d.day:02d}/{d.month:02d}/{d.year}" for d in table["date"]]
    table = table[["service", "step", "date"]].rename(columns={"service": "service_name"})
    return [
        "<h2>Calendrier des étapes légales</h2>",
        "<p class='note'>Dates au plus tard pour que chaque changement prenne effet au "
        "1<sup>er</sup> janvier prévu (délais indicatifs, à ajuster aux instances locales).</p>",
        _table(french(table)),
    ]


def _allocation_section(result: Result, analyses: Analyses) -> list[str]:
    alloc = analyses.allocation
    if alloc is None or alloc.empty:
        return []
    t = result.territory
    g = alloc.groupby("commune")[["savings_key", "savings_shapley"]].sum()
    g = g.reindex([c for c in t.communes.index if c in g.index])
    g.insert(0, "name", t.communes["name"].reindex(g.index).to_numpy())
    out = [
        "<h2>Partage des économies : clé de facturation et valeur de Shapley</h2>",
        "<p class='note'>La clé de facturation (coût unitaire × unités d'œuvre, art. D5211-16 CGCT) "
        "répartit les économies des services mutualisés ; la valeur de Shapley attribue à chaque commune "
        "sa contribution moyenne aux économies de toutes les coalitions possibles. Les deux répartitions "
        "ont le même total. Au-delà de 12 membres, la valeur de Shapley est estimée par tirage (erreur "
        "type indiquée dans le classeur Excel).</p>",
        _table(french(g.reset_index(drop=True))),
    ]
    return out


def _rules_section(analyses: Analyses) -> list[str]:
    rp = analyses.rule_prices
    if rp is None:
        return []
    rp = rp[rp["active"]][["rule", "binds", "npv_without", "price", "cost_without"]]
    return [
        "<h2>Règles qui contraignent le plan</h2>",
        "<p class='note'>Pour chaque règle active : la valeur actuelle nette du meilleur plan si on "
        "la levait, donc ce qu'elle coûte sur la période, et le coût annuel de ce plan en régime "
        "établi.</p>",
        _table(french(rp)),
    ]


def _render(result: Result, analyses: Analyses) -> str:
    import matplotlib.pyplot as plt

    t = result.territory
    sc = result.scenario
    parts = [
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>",
        f"<title>Scénario de mutualisation — {html.escape(t.name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Scénario de mutualisation — {html.escape(t.name)}</h1>",
        f"<p>Scénario <b>{html.escape(sc.name)}</b>"
        + (f" : {html.escape(sc.description)}" if sc.description else "")
        + f". {number(len(t.communes))} communes, {number(t.population)} habitants, "
        f"{number(len(t.services))} services étudiés.</p>",
        f"<p>Statut de la résolution : <b>{html.escape(STATUS_LABELS.get(result.status, result.status))}</b>.</p>",
    ]
    if not result.has_plan:
        parts.append("<div class='warn'><p>Aucun plan n'est présenté.</p><ul>")
        for line in explanation(result) or ["Pas d'explication disponible."]:
            parts.append(f"<li>{html.escape(line)}</li>")
        parts.append("</ul></div></body></html>")
        return "".join(parts)

    sch = result.schedule
    ratio = (result.savings or 0.0) / result.baseline_cost if result.baseline_cost else 0.0
    parts += [
        "<h2>Chiffres clés</h2><div class='kpi'>",
        f"<div>Valeur actuelle nette {sc.start_year}-{sc.end_year}"
        f"<b>{euros(sch.npv if sch else None)}</b></div>",
        f"<div>Économies cumulées sur la période<b>{euros(sch.total_savings if sch else None)}</b></div>",
        f"<div>Économies annuelles en régime permanent<b>{euros(result.savings)} "
        f"({percent(ratio)})</b></div>",
        f"<div>Coûts de transition ponctuels<b>{euros(result.transition_one_off)}</b></div>",
        f"<div>ETP concernés<b>{fte(result.fte_moved, unit=False)}</b></div>",
        "</div>",
        f"<p class='note'>Coût annuel actuel des services étudiés : {euros(result.baseline_cost)} ; "
        f"coût annuel du plan en régime permanent : {euros(result.total_cost)}. Ces chiffres "
        "sont ceux de la feuille de route ci-dessous. Écart d'optimalité prouvé par le solveur : "
        + percent(result.gap, 2)
        + ". Chaque plan est revérifié indépendamment du solveur.</p>",
    ]
    if result.status == "feasible":
        parts.append(
            "<p class='warn'>La résolution s'est arrêtée à la limite de temps : ce plan est "
            "réalisable mais son optimalité n'est pas prouvée.</p>"
        )
    bs = result.by_service[
        ["name", "keep", "share", "transfer", "cost_before", "cost_after", "savings"]
    ]
    parts += ["<h2>Décisions par service</h2>", _table(french(bs))]
    parts += [
        "<h2>Du coût actuel au coût du plan</h2>",
        _fig_to_img(plot.plot_savings_waterfall(result).figure),
    ]
    parts += ["<h2>Carte des décisions</h2>", _fig_to_img(plot.plot_mode_matrix(result).figure)]
    parts += ["<h2>Gagnants et perdants par commune</h2>"]
    bc = result.by_commune[["name", "population", "cost_before", "cost_after", "balance"]]
    parts += [_fig_to_img(plot.plot_commune_balance(result).figure), _table(french(bc))]
    parts += _headline_section(result)
    parts += _employers_section(result)
    parts += _calendar_section(result, analyses)
    parts += _votes_section(result)
    parts += _allocation_section(result, analyses)
    parts += _rules_section(analyses)
    if not result.pools.empty:
        pools = result.pools.copy()
        pools["service_name"] = t.services["name"].reindex(pools["service"]).to_numpy()
        pools["mode"] = pools["mode"].map(MODE_LABELS)
        pools = pools[
            [
                "service_name",
                "mode",
                "members",
                "units",
                "fte",
                "posts",
                "partial",
                "cost",
                "level",
            ]
        ]
        parts += ["<h2>Services mutualisés ou transférés</h2>", _table(french(pools), 1)]
    parts += [
        "<h2>Méthode et limites</h2>",
        "<p class='note'>Optimisation linéaire en nombres entiers (PuLP, solveur HiGHS) : pour chaque service "
        "et chaque commune, conserver, mutualiser ou transférer, et l'année de chaque changement, pour "
        "la plus grande valeur actuelle nette des économies sur la période, sous les règles du "
        "scénario (taille minimale des services communs, effectifs par postes entiers, transfert de "
        "compétence pour toutes les communes, niveaux de service minimaux). Les coûts des services "
        "mutualisés sont répartis au prorata des unités d'œuvre (coût unitaire × unités, art. D5211-16 "
        "CGCT). Les paramètres de coût d'un territoire issu des données nationales sont illustratifs et "
        "doivent être remplacés par les comptes de la collectivité.</p>",
        f"<p class='note'>Généré par mutusim le {date.today():%d/%m/%Y}. Données communales : INSEE, DGCL — "
        "découpage administratif 2026 (Etalab), Licence Ouverte.</p>",
        "</body></html>",
    ]
    plt.close("all")
    return "".join(parts)


def write_html(result: Result, path: str | Path, analyses: Analyses | None = None) -> Path:
    """Write the committee report (French, self-contained HTML) atomically.

    Parameters
    ----------
    result : Result
        The result to present.
    path : str or Path
        The HTML file.
    analyses : Analyses, optional
        As for :func:`render_html`.

    Returns
    -------
    Path
    """
    text = render_html(result, analyses)
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
