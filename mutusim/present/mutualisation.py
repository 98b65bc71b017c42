"""The schéma de mutualisation (art. L5211-39-1 CGCT): the document the president presents.

The law (2010 version, optional since the 2019 *Engagement et proximité*
law) asks for a report and a draft schéma stating the projected effect of
pooling on the staff and the operating expenditure of the EPCI and of its
communes; the municipal councils give an opinion within three months
(silence = favourable), the community council approves it, and its progress
is reported every year at the budget debate (DOMAIN.md §1.8). This module
writes that document from a plan: état des lieux, the plan per service and
commune with its legal instrument, the effect on staff per employer and on
operating costs over the mandate, the financing, the calendar with its
legal steps, and the governance (comité de pilotage, comité de suivi,
opinions of the comités sociaux territoriaux).

One content, two forms: :func:`schema_tables` builds the tables,
:func:`render_schema` the HTML (print-ready), :func:`write_schema` writes the
HTML and the same content as a workbook. Key figures come from
:mod:`mutusim.present.keyfigures`. Nothing here solves.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import matplotlib
import pandas as pd

from mutusim._files import atomic_write
from mutusim.analysis.suite import Analyses
from mutusim.core.result import Result
from mutusim.errors import NoPlanError
from mutusim.present import plot
from mutusim.present.formatting import count, euros, format_value, percent, siren
from mutusim.present.keyfigures import headline, staff_by_employer, yearly
from mutusim.present.labels import (
    ALREADY_LABELS,
    INSTRUMENTS,
    NATURE_LABELS,
    name_list,
    plural,
    scenario_title,
)
from mutusim.present.sources import option_table, source_table

__all__ = ["SCHEMA_SHEETS", "render_schema", "schema_tables", "write_schema"]

#: Sheets of the schéma's workbook and the table behind each.
SCHEMA_SHEETS: dict[str, str] = {
    "Synthèse": "summary",
    "État des lieux": "inventory",
    "Projet par service": "plan",
    "Projet par commune": "pairs",
    "Effectifs par employeur": "employers",
    "Dépenses par année": "costs",
    "Financement": "financing",
    "Calendrier": "calendar",
    "Gouvernance": "governance",
    "Options et sources": "options",
}

_KINDS = {
    "one_off": "euros",
    "contributions": "euros",
    "epci_net": "euros",
    "start": "year",
}
_LABELS = {
    "proposal": "Proposition",
    "communes_concerned": "Communes concernées",
    "start": "Démarrage",
    "financing": "Financement",
    "one_off": "Coûts de transition ponctuels (€)",
    "contributions": "Versements annuels des communes (€/an)",
    "epci_net": "Reste à la charge de l'EPCI (€/an)",
    "period": "Période",
    "step": "Étape",
    "services_concerned": "Services concernés",
    "basis": "Fondement",
    "actors": "Acteurs",
    "body": "Instance",
    "members_text": "Composition",
    "role": "Rôle",
    "when": "Calendrier",
    "current_text": "Situation actuelle",
    "proposed_text": "Proposition",
}


def _need_plan(result: Result) -> None:
    if not result.has_plan:
        raise NoPlanError(
            f"no schéma without a plan: the result's status is '{result.status}'; "
            "relax the scenario first (see the report's explanation)"
        )


def _start_years(result: Result) -> dict[str, int | None]:
    return {} if result.schedule is None else result.schedule.start_years


def _proposal(group: pd.DataFrame) -> tuple[str, str]:
    """(French summary of a service's plan, its instrument key)."""
    modes = group["mode"]
    current = group["current"]
    unchanged = bool((modes == current).all())
    if unchanged:
        m = str(modes.iloc[0]) if modes.nunique() == 1 else "keep"
        if m in ALREADY_LABELS:
            return ALREADY_LABELS[m], "already"
        return "Conservé par toutes les communes", "keep"
    parts = []
    n_share = int((modes == "share").sum())
    n_transfer = int(((modes == "transfer") & (current != "transfer")).sum())
    n_already = int(((modes == "transfer") & (current == "transfer")).sum())
    n_keep = int((modes == "keep").sum())
    if n_share:
        parts.append(f"service commun pour {plural(n_share, 'commune', 'communes')}")
    if n_transfer:
        parts.append(f"transfert de compétence pour {plural(n_transfer, 'commune', 'communes')}")
    if n_already:
        parts.append(f"déjà transféré pour {plural(n_already, 'commune', 'communes')}")
    if n_keep:
        parts.append(f"conservé par {plural(n_keep, 'commune', 'communes')}")
    text = " ; ".join(parts)
    text = text[0].upper() + text[1:]
    if n_transfer:
        key = "transfer" if n_transfer + n_already == len(group) else "transfer_a_la_carte"
    else:
        key = "share"
    return text, key


def schema_tables(result: Result, analyses: Analyses | None = None) -> dict[str, pd.DataFrame]:
    """The content of the schéma de mutualisation as tables (English column names).

    Parameters
    ----------
    result : Result
        A result with a plan.
    analyses : Analyses, optional
        The roadmap (start years, costs over the mandate, staff at the end of
        it) and the allocation (:func:`mutusim.analyse`); without a roadmap the
        schéma has no yearly figures and its calendar starts every change in
        the first year.

    Returns
    -------
    dict of str to DataFrame
        One entry per value of :data:`SCHEMA_SHEETS`.

    Raises
    ------
    NoPlanError
        The result has no plan.
    """
    _need_plan(result)
    an = analyses or Analyses()
    t = result.territory
    sc = result.scenario
    d = result.decisions
    starts = _start_years(result)

    # état des lieux: per service, today
    base = t.baseline.reset_index()
    active = base[(base["fte"] > 0) | (base["cost"] > 0)]
    inventory = pd.DataFrame(
        {
            "service": t.services.index,
            "service_name": t.services["name"].to_numpy(),
            "domain": t.services["domain"].to_numpy(),
            "communes": t.services.index.map(active.groupby("service").size())
            .fillna(0)
            .astype(int),
            "fte_before": t.services.index.map(base.groupby("service")["fte"].sum()).astype(float),
            "cost_before": result.by_service["cost_before"].to_numpy(dtype=float),
        }
    )
    inventory["current_text"] = [
        _current_text(base[base["service"] == s]) for s in inventory["service"]
    ]

    # the plan per service and per pair
    sv = result.by_service.set_index("service")
    plan_rows, financing_rows = [], []
    # the instrument of each pooled unit, when the analyses name it
    # (:func:`mutusim.analysis.instruments.legal_instruments`)
    named = {}
    if an.instruments is not None and len(an.instruments):
        by_code = {
            "transfer_by_law": "transfer_by_law",
            "service_commun_communal": "share_communal",
        }
        named = {
            str(r.service): by_code[str(r.instrument)]
            for r in an.instruments.itertuples()
            if str(r.instrument) in by_code
        }
    for s, g in d.groupby("service", sort=False):
        text, key = _proposal(g)
        if key in ("share", "transfer", "transfer_a_la_carte") and str(s) in named:
            key = named[str(s)]
        moving = g[g["mode"] != g["current"]]
        names = moving["commune_name"].tolist()
        changed = not moving.empty
        plan_rows.append(
            {
                "service": s,
                "service_name": t.services.at[s, "name"],
                "proposed_text": text,
                "instrument": INSTRUMENTS[key],
                "communes_concerned": name_list(names, most=8, total=len(t.communes))
                if changed
                else "aucune",
                "start": _start_text(str(s), starts, changed),
                "savings": float(sv.at[s, "savings"]),
            }
        )
        if changed:
            financing_rows.append(_financing_row(result, an, str(s), g, key))
    plan = pd.DataFrame(plan_rows)
    pairs = d[["service", "service_name", "commune", "commune_name", "current", "mode"]].copy()
    pairs["instrument"] = [
        INSTRUMENTS["already" if m == c else m if m != "transfer" else "transfer"]
        for m, c in zip(pairs["mode"], pairs["current"], strict=True)
    ]
    financing = pd.DataFrame(
        financing_rows,
        columns=[
            "service",
            "service_name",
            "financing",
            "start",
            "one_off",
            "contributions",
            "epci_net",
        ],
    )
    return {
        "summary": headline(result),
        "inventory": inventory,
        "plan": plan,
        "pairs": pairs,
        "employers": staff_by_employer(result),
        "costs": yearly(result, steady=True),
        "financing": financing,
        "calendar": _calendar(result, an),
        "governance": _governance(result, an),
        "options": option_table(sc, t),
    }


def _current_text(rows: pd.DataFrame) -> str:
    arr = rows["arrangement"]
    parts = []
    for mode, label in (
        ("keep", "exercé par"),
        ("share", "mutualisé pour"),
        ("transfer", "transféré pour"),
    ):
        n = int((arr == mode).sum())
        if n:
            parts.append(f"{label} {plural(n, 'commune', 'communes')}")
    text = " ; ".join(parts) or "—"
    return text[0].upper() + text[1:]


def _start_text(service: str, starts: dict[str, int | None], changed: bool) -> object:
    if not changed:
        return "sans changement"
    if service not in starts:
        return "—"
    y = starts[service]
    return y if y is not None else "non engagé sur la période"


def _financing_row(
    result: Result, an: Analyses, service: str, g: pd.DataFrame, key: str
) -> dict[str, object]:
    t = result.territory
    sc = result.scenario
    fpu = str(t.epci.get("fiscalite", "FPU")) == "FPU"
    pooled = g[g["mode"] != "keep"]
    contributions = float(pooled["cost_after"].sum())
    cost_after = float(result.by_service.set_index("service").at[service, "cost_after"])
    keep_cost = float(g.loc[g["mode"] == "keep", "cost_after"].sum())
    if key.startswith("transfer"):
        text = (
            "Réduction de l'attribution de compensation de chaque commune qui transfère, du "
            "montant évalué par la CLECT (art. 1609 nonies C CGI)"
            if fpu
            else "Fiscalité additionnelle de l'EPCI, les communes réduisant la leur"
        )
    else:
        basis = sc.billing_keys.get(service, "units")
        how = {
            "units": "au coût unitaire multiplié par les unités d'œuvre (méthode de l'art. "
            "D5211-16 CGCT pour les mises à disposition, reprise par la convention)",
            "population": "au prorata de la population",
            "fte": "au prorata des ETP",
            "ac": "au coût unitaire multiplié par les unités d'œuvre, imputé sur leur "
            "attribution de compensation (art. L5211-4-2 CGCT)",
        }[basis]
        text = f"Remboursement par les communes membres {how}" + (
            ", ou imputation sur l'attribution de compensation (art. L5211-4-2 CGCT)"
            if fpu and basis != "ac"
            else ""
        )
    one_off = 0.0
    start: object = None
    if result.schedule is not None:
        st = result.schedule.starts.set_index("service")
        if service in st.index:
            one_off = float(st.at[service, "transition_cost"])
            y = st.at[service, "start_year"]
            start = "non engagé sur la période" if pd.isna(y) else int(y)
    return {
        "service": service,
        "service_name": t.services.at[service, "name"],
        "financing": text,
        "start": start,
        "one_off": one_off,
        "contributions": contributions,
        "epci_net": cost_after - keep_cost - contributions,
    }


def _calendar(result: Result, an: Analyses) -> pd.DataFrame:
    """The legal steps of the schéma and of each change, year by year."""
    sc = result.scenario
    t = result.territory
    d = result.decisions
    starts = _start_years(result)
    first = sc.start_year
    rows: list[dict[str, object]] = [
        {
            "year": first - 1 if starts else first,
            "period": "avant l'adoption",
            "step": "Rapport du président et projet de schéma, présentés au comité de pilotage",
            "services_concerned": "tous",
            "basis": "Art. L5211-39-1 CGCT",
            "actors": "Président de l'EPCI, comité de pilotage",
        },
        {
            "year": first - 1 if starts else first,
            "period": "trois mois",
            "step": "Avis de chaque conseil municipal sur le projet (le silence vaut avis favorable)",
            "services_concerned": "tous",
            "basis": "Art. L5211-39-1 CGCT",
            "actors": f"Conseils municipaux des {count(len(t.communes))} communes",
        },
        {
            "year": first - 1 if starts else first,
            "period": "après les avis",
            "step": "Approbation du schéma par le conseil communautaire",
            "services_concerned": "tous",
            "basis": "Art. L5211-39-1 CGCT",
            "actors": "Conseil communautaire",
        },
    ]
    by_year: dict[int, dict[str, list[str]]] = {}
    for s, g in d.groupby("service", sort=False):
        moving = g[g["mode"] != g["current"]]
        if moving.empty:
            continue
        y = starts.get(str(s), first) if starts else first
        if y is None:
            continue
        kind = "transfer" if (moving["mode"] == "transfer").any() else "share"
        by_year.setdefault(int(y), {"share": [], "transfer": []})[kind].append(
            str(t.services.at[s, "name"])
        )
    for y in sorted(by_year):
        share, transfer = by_year[y]["share"], by_year[y]["transfer"]
        if share:
            names = name_list(share, most=10)
            rows += [
                {
                    "year": y - 1,
                    "period": "premier semestre",
                    "step": "Fiche d'impact (organisation, conditions de travail, rémunération, "
                    "droits acquis) et avis des comités sociaux territoriaux",
                    "services_concerned": names,
                    "basis": "Art. L5211-4-2 CGCT",
                    "actors": "EPCI et communes concernées, comités sociaux territoriaux",
                },
                {
                    "year": y - 1,
                    "period": "second semestre",
                    "step": "Délibérations approuvant la convention de service commun",
                    "services_concerned": names,
                    "basis": "Art. L5211-4-2 CGCT",
                    "actors": "Conseil communautaire et conseils municipaux des communes membres",
                },
                {
                    "year": y,
                    "period": "1er janvier",
                    "step": "Création du service commun ; transfert de plein droit des agents "
                    "affectés en totalité, mise à disposition des autres",
                    "services_concerned": names,
                    "basis": "Art. L5211-4-2 CGCT",
                    "actors": "EPCI (autorité fonctionnelle selon la mission)",
                },
            ]
        if transfer:
            names = name_list(transfer, most=10)
            rows += [
                {
                    "year": y - 1,
                    "period": "premier semestre",
                    "step": "Délibération du conseil communautaire proposant le transfert, "
                    "notifiée aux communes ; fiche d'impact et avis des comités sociaux "
                    "territoriaux",
                    "services_concerned": names,
                    "basis": "Art. L5211-17 et L5211-4-1 CGCT",
                    "actors": "Conseil communautaire, comités sociaux territoriaux",
                },
                {
                    "year": y - 1,
                    "period": "trois mois après la notification",
                    "step": "Délibérations des conseils municipaux à la majorité qualifiée (le "
                    "silence vaut accord), puis arrêté préfectoral",
                    "services_concerned": names,
                    "basis": "Art. L5211-17 et L5211-5 II CGCT",
                    "actors": "Conseils municipaux, préfet",
                },
                {
                    "year": y,
                    "period": "1er janvier",
                    "step": "Transfert effectif : les biens sont mis à disposition, les agents "
                    "affectés en totalité sont transférés",
                    "services_concerned": names,
                    "basis": "Art. L5211-17 et L5211-4-1 CGCT",
                    "actors": "EPCI",
                },
                {
                    "year": y,
                    "period": "dans les neuf mois",
                    "step": "Rapport de la CLECT évaluant les charges transférées, adopté par les "
                    "conseils municipaux à la majorité qualifiée dans les trois mois ; révision "
                    "des attributions de compensation",
                    "services_concerned": names,
                    "basis": "Art. 1609 nonies C CGI",
                    "actors": "CLECT, conseils municipaux, conseil communautaire",
                },
            ]
    for y in range(first, sc.end_year + 1):
        rows.append(
            {
                "year": y,
                "period": "débat d'orientation budgétaire",
                "step": "État d'avancement du schéma : réalisé et prévu, écarts (suivi annuel)",
                "services_concerned": "tous",
                "basis": "Art. L5211-39-1 CGCT",
                "actors": "Président, conseil communautaire, comité de suivi",
            }
        )
    order = {
        "avant l'adoption": 0,
        "trois mois": 1,
        "après les avis": 2,
        "premier semestre": 3,
        "trois mois après la notification": 4,
        "second semestre": 5,
        "1er janvier": 6,
        "débat d'orientation budgétaire": 7,
        "dans les neuf mois": 8,
    }
    out = pd.DataFrame(rows)
    out["_o"] = out["period"].map(order)
    out = out.sort_values(["year", "_o"], kind="stable").drop(columns="_o")
    return out.reset_index(drop=True)


def _governance(result: Result, an: Analyses) -> pd.DataFrame:
    t = result.territory
    e = staff_by_employer(result)
    moving = (e["posts_transferred_out"] > 1e-9) | (e["fte_made_available"] > 1e-9)
    concerned = e[(e["employer"] != "EPCI") & moving]["employer_name"].tolist()
    cst = (
        f"Comité social territorial de l'EPCI et ceux des {plural(len(concerned), 'commune', 'communes')} "
        "dont des agents changent d'employeur ou de service (pour une commune de moins de "
        "50 agents, le comité placé auprès du centre de gestion) : "
        + name_list(concerned, most=10, total=len(t.communes))
    )
    rows = [
        {
            "body": "Comité de pilotage",
            "members_text": "Élus : le président, les maires ou leurs représentants, les "
            "vice-présidents chargés des services concernés",
            "role": "Conduit le schéma, arbitre entre les scénarios, prépare les délibérations, "
            "vérifie la faisabilité financière",
            "when": "Chaque trimestre pendant la préparation, puis chaque année",
        },
        {
            "body": "Comité de suivi",
            "members_text": "Directeurs généraux des services de l'EPCI et des communes, "
            "responsables des services concernés, représentants des agents",
            "role": "Suit la mise en œuvre : organisation, conditions de travail, effectifs, "
            "dépenses ; prépare l'état d'avancement annuel",
            "when": "Chaque semestre, et avant chaque débat d'orientation budgétaire",
        },
        {
            "body": "Dialogue social",
            "members_text": cst,
            "role": "Avis sur la fiche d'impact de chaque service commun et de chaque transfert, "
            "avant les délibérations ; information régulière des agents",
            "when": "Avant chaque délibération créant un service commun ou transférant une "
            "compétence",
        },
        {
            "body": "Conseils municipaux et conseil communautaire",
            "members_text": f"Les {count(len(t.communes))} conseils municipaux et le conseil "
            "communautaire",
            "role": "Avis des conseils municipaux sur le schéma (trois mois), approbation par le "
            "conseil communautaire ; délibérations sur chaque convention et chaque transfert",
            "when": "À l'adoption du schéma, puis à chaque changement",
        },
        {
            "body": "Débat d'orientation budgétaire",
            "members_text": "Conseil communautaire",
            "role": "Présentation annuelle de l'état d'avancement du schéma : effectifs et "
            "dépenses réalisés comparés au plan",
            "when": "Chaque année",
        },
    ]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------- HTML
def _table(df: pd.DataFrame) -> str:
    from mutusim.present.htmltable import table_html

    renamed = df.rename(columns=_LABELS)
    return table_html(renamed, kinds={_LABELS.get(k, k): v for k, v in _KINDS.items()})


def render_schema(result: Result, analyses: Analyses | None = None) -> str:
    """The schéma de mutualisation as one HTML document (French, print-ready).

    Parameters
    ----------
    result : Result
        A result with a plan.
    analyses : Analyses, optional
        As for :func:`schema_tables`.

    Returns
    -------
    str

    Raises
    ------
    NoPlanError
        The result has no plan.
    """
    from mutusim.present.htmltable import CSS
    from mutusim.present.report import figure_html

    tables = schema_tables(result, analyses)
    t = result.territory
    sc = result.scenario
    nature = NATURE_LABELS.get(t.nature, t.nature)
    h = tables["summary"].set_index("key")

    def fig(key: str) -> str:
        with matplotlib.rc_context({"backend": "Agg"}):
            if key == "matrix":
                ax = plot.plot_mode_matrix(result)
                alt = "Grille du mode proposé pour chaque service et chaque commune."
            else:
                ax = plot.plot_roadmap(result.schedule, source=plot.source_line(result))  # type: ignore[arg-type]
                alt = "Barres des économies de chaque année du mandat et courbe de leur cumul."
            return figure_html(ax.figure, alt)

    def kv(key: str) -> str:
        return (
            html.escape(format_value(h.at[key, "value"], h.at[key, "kind"]))
            if key in h.index
            else "—"
        )

    inv = tables["inventory"]
    e = tables["employers"]
    epci = e.iloc[0]
    communes = e.iloc[1:]
    parts = [
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>",
        f"<title>Schéma de mutualisation — {html.escape(t.name)}</title><style>{CSS}</style>"
        "</head><body>",
        f"<h1>Schéma de mutualisation des services — {html.escape(t.name)}</h1>",
        f"<p>{html.escape(t.name)} ({html.escape(nature)}, SIREN {html.escape(siren(t.epci.get('siren', '')))}) "
        f"et ses {count(len(t.communes))} communes membres ({count(t.population)} habitants). "
        f"Projet établi le {date.today():%d/%m/%Y} sur la base du scénario « "
        f"{html.escape(scenario_title(sc))} ».</p>",
        "<p class='note'>Rapport relatif aux mutualisations de services et projet de schéma "
        "(art. L5211-39-1 CGCT) : le projet est transmis à chaque conseil municipal, qui dispose "
        "de trois mois pour se prononcer (à défaut, son avis est réputé favorable), puis approuvé "
        "par le conseil communautaire ; son état d'avancement est présenté chaque année lors du "
        "débat d'orientation budgétaire. Convention de signe : une économie est positive, un "
        "surcoût négatif.</p>",
        "<section><div class='keep'><h2>Synthèse</h2>"
        "<div class='kpi'>"
        f"<div>Coût annuel actuel<b>{kv('baseline_cost')}/an</b></div>"
        f"<div>Économies annuelles visées<b>{kv('savings')}/an</b></div>"
        f"<div>Coûts de transition<b>{kv('transition_one_off')}</b></div>"
        f"<div>Valeur actuelle nette<b>{kv('npv')}</b></div>"
        f"<div>Postes changeant d'employeur<b>{html.escape(format_value(e['posts_transferred_out'].sum(), 'fte'))}\xa0ETP</b></div>"
        "</div></div></section>",
        "<section class='major'><div class='keep'><h2>1. État des lieux</h2>"
        f"<p>{count(len(inv))} services étudiés, {format_value(inv['fte_before'].sum(), 'fte')}\xa0ETP, "
        f"{euros(inv['cost_before'].sum(), per_year=True)}. L'EPCI emploie aujourd'hui "
        f"{format_value(epci['fte_today'], 'fte')}\xa0ETP dans ces services, les communes "
        f"{format_value(communes['fte_today'].sum(), 'fte')}\xa0ETP.</p></div>",
        _table(
            inv[
                ["service_name", "domain", "communes", "current_text", "fte_before", "cost_before"]
            ]
        ),
        "</section>",
        "<section class='major'><div class='keep'><h2>2. Le projet : service par service</h2>"
        "<p>Pour chaque service, ce que le projet propose, l'instrument juridique qui le porte, "
        "les communes concernées et l'année de démarrage.</p></div>",
        _table(
            tables["plan"][
                [
                    "service_name",
                    "proposed_text",
                    "instrument",
                    "communes_concerned",
                    "start",
                    "savings",
                ]
            ]
        ),
        fig("matrix"),
        "</section>",
        "<section class='major'><div class='keep'><h2>3. Effets sur les effectifs, par employeur</h2>"
        "<p>Les agents affectés en totalité à un service mutualisé ou transféré rejoignent de "
        "plein droit l'employeur qui le porte (l'EPCI, ou la commune qui accueille un service "
        "commun) ; les autres restent dans leur commune et sont mis à disposition pour la part "
        "de leur temps. Les postes ne baissent qu'au départ d'agents entiers, non remplacés ("
        + ("départs en retraite" if sc.departures == "retirements" else "tous les départs")
        + f" : {percent(sc.departure_rate)} par an).</p></div>",
        _table(
            e[
                [
                    c
                    for c in (
                        "employer_name",
                        "fte_today",
                        "posts_transferred_out",
                        "posts_transferred_in",
                        "fte_made_available",
                        "posts_not_replaced",
                        "fte_end",
                    )
                    if c in e.columns
                ]
            ]
        ),
        "</section>",
        "<section class='major'><div class='keep'><h2>4. Effets sur les dépenses de fonctionnement</h2>"
        f"<p>Sur {sc.start_year}-{sc.end_year}, économies cumulées : {kv('cumulative_savings')} ; "
        f"valeur actuelle nette : {kv('npv')} (taux {percent(sc.discount_rate)}). En régime "
        f"permanent, tous changements engagés : {kv('savings')} par an.</p></div>",
    ]
    if not tables["costs"].empty:
        parts += [
            _table(
                tables["costs"][
                    [
                        "year",
                        "services_starting",
                        "transition_cost",
                        "cost_status_quo",
                        "cost_plan",
                        "savings",
                        "cumulative_savings",
                    ]
                ]
            ),
            fig("roadmap"),
        ]
    parts += [
        "<h3>Par employeur : budget annuel des services étudiés</h3>",
        _table(e[["employer_name", "cost_before", "cost_after", "saving"]]),
        "</section>",
        "<section class='major'><div class='keep'><h2>5. Financement</h2>"
        "<p>Les coûts de transition (harmonisation des régimes indemnitaires, convergence "
        "informatique, formation) sont payés l'année du changement ; les services communs sont "
        "remboursés par leurs communes membres ; un transfert est financé par la réduction de "
        "l'attribution de compensation évaluée par la CLECT.</p></div>",
        _table(
            tables["financing"][
                ["service_name", "financing", "start", "one_off", "contributions", "epci_net"]
            ]
        ),
        "</section>",
        "<section class='major'><div class='keep'><h2>6. Calendrier et étapes juridiques</h2></div>",
        _table(tables["calendar"]),
        "</section>",
        "<section class='major'><div class='keep'><h2>7. Gouvernance et dialogue social</h2></div>",
        _table(tables["governance"]),
        "</section>",
        "<section class='major'><div class='keep'><h2>Annexe : options du scénario et sources</h2></div>",
        _table(tables["options"][["option", "value", "default"]]),
        "<ul class='note'>",
    ]
    src = source_table(result)
    parts += [
        f"<li><b>{html.escape(a)}</b> : {html.escape(b)}</li>"
        for a, b in zip(src["topic"], src["source"], strict=True)
    ]
    parts.append("</ul></section></body></html>")
    return "".join(parts)


def write_schema(
    result: Result, folder: str | Path, analyses: Analyses | None = None
) -> dict[str, Path]:
    """Write the schéma de mutualisation as HTML and as a workbook with the same content.

    Parameters
    ----------
    result : Result
        A result with a plan.
    folder : str or Path
        Output folder (created if needed).
    analyses : Analyses, optional
        As for :func:`schema_tables`.

    Returns
    -------
    dict of str to Path
        ``html`` (``schema_mutualisation.html``) and ``workbook``
        (``schema_mutualisation.xlsx``).

    Raises
    ------
    NoPlanError
        The result has no plan.
    """
    from mutusim.present.xlsx import append_table, new_workbook, write_key_figures, write_table

    folder = Path(folder)
    text = render_schema(result, analyses)
    tables = schema_tables(result, analyses)
    title = f"Schéma de mutualisation — {result.territory.name}"
    out = {
        "html": atomic_write(
            folder / "schema_mutualisation.html", lambda p: p.write_text(text, encoding="utf-8")
        )
    }

    def write(tmp: Path) -> None:
        wb = new_workbook()
        for sheet, key in SCHEMA_SHEETS.items():
            df = tables[key]
            if key == "summary":
                write_key_figures(
                    wb,
                    sheet,
                    df,
                    title=title,
                    intro=[
                        ("Territoire", result.territory.name),
                        ("Scénario", scenario_title(result.scenario)),
                        ("Cadre", "Art. L5211-39-1 CGCT"),
                    ],
                )
                continue
            renamed = df.rename(columns=_LABELS)
            kinds = {_LABELS.get(k, k): v for k, v in _KINDS.items()}
            ws = write_table(wb, sheet, renamed, title=title, kinds=kinds)
            if key == "options":
                append_table(ws, source_table(result), "Sources")
        wb.save(tmp)

    out["workbook"] = atomic_write(folder / "schema_mutualisation.xlsx", write)
    return out
