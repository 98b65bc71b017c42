"""Self-contained HTML report for the steering committee, in French (PRODUCT.md R4).

One file, no external resource: figures are embedded as base64 PNG, each
with a French alternative text. The report renders a result and the
analyses computed once by the caller (:func:`mutusim.analyse`); it never
solves. It prints well: each major section starts a page, headings stay
with what follows them, tables repeat their header row and fit the width.

What it shows follows what the committee decides: key figures from
:func:`mutusim.present.keyfigures.headline`, the votes only for the
transfers the plan proposes, "déjà transféré" for what already is, only
the rules that bind, and, for a scenario without a plan, a short grouped
paragraph before any detail.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import date
from pathlib import Path
from typing import Any

import matplotlib

from mutusim._files import atomic_write
from mutusim.analysis.suite import Analyses
from mutusim.analysis.votes import blocking_communes
from mutusim.core.result import Result
from mutusim.present import plot
from mutusim.present.formatting import (
    SIGN_CONVENTION,
    count,
    euros,
    format_value,
    fte,
    percent,
    siren,
)
from mutusim.present.htmltable import CSS, table_html
from mutusim.present.keyfigures import headline, staff_by_employer, yearly
from mutusim.present.labels import (
    ALREADY_LABELS,
    MODE_LABELS,
    NATURE_LABELS,
    STATUS_LABELS,
    explanation,
    fiscal_regime_text,
    infeasibility_summary,
    name_list,
    plural,
    scenario_title,
    start_reason,
)
from mutusim.present.sources import option_table, source_table
from mutusim.present.views import (
    financing_view,
    groupements_view,
    instruments_view,
    service_summary,
    transfers_in_play,
    with_names,
)

__all__ = ["figure_html", "render_html", "write_html"]


def figure_html(fig: Any, alt: str, caption: str = "") -> str:
    """A matplotlib figure as an embedded PNG with its alternative text (then closed).

    Parameters
    ----------
    fig : Figure
        The figure.
    alt : str
        What the figure shows, in French, for a reader who cannot see it.
    caption : str
        Shown under it.

    Returns
    -------
    str
        A ``<figure>`` element.
    """
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="keep"><img alt="{html.escape(alt, quote=True)}" '
        f'src="data:image/png;base64,{data}">{cap}</figure>'
    )


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


def _section(title: str, body: list[str], *, major: bool = True, intro: str = "") -> list[str]:
    cls = " class='major'" if major else ""
    head = f"<div class='keep'><h2>{html.escape(title)}</h2>{intro}</div>"
    return [f"<section{cls}>", head, *body, "</section>"]


# --------------------------------------------------------------- alt texts
def _alt_waterfall(result: Result) -> str:
    bs = result.by_service
    bs = bs[bs["savings"].abs() > 0.5].sort_values("savings", ascending=False)
    top = " ; ".join(
        f"{n} ({euros(v, signed=True)})"
        for n, v in zip(bs["name"][:3], bs["savings"][:3], strict=False)
    )
    return (
        "Graphique en barres horizontales : économies annuelles de chaque service, qui "
        f"s'additionnent depuis zéro jusqu'au total de {euros(result.savings, per_year=True)}. "
        f"Les plus fortes : {top}."
    )


def _alt_matrix(result: Result) -> str:
    d = result.decisions
    already = ((d["mode"] == d["current"]) & (d["mode"] != "keep")).sum()
    share = ((d["mode"] == "share") & (d["current"] != "share")).sum()
    new_transfer = ((d["mode"] == "transfer") & (d["current"] != "transfer")).sum()
    keep = (d["mode"] == "keep").sum()
    return (
        f"Grille de couleurs : mode retenu pour chacun des {count(len(result.territory.services))} "
        f"services dans chacune des {count(len(result.territory.communes))} communes : "
        f"{count(share)} adhésions nouvelles à un service commun, {count(new_transfer)} nouveaux "
        f"transferts, {count(already)} situations actuelles maintenues (déjà mutualisé ou "
        f"transféré), {count(keep)} services conservés par leur commune."
    )


def _alt_balance(result: Result) -> str:
    bc = result.by_commune.assign(saving=plot.commune_savings(result))
    bc = bc.sort_values("saving", ascending=False)
    first, last = bc.iloc[0], bc.iloc[-1]
    return (
        "Barres horizontales divergentes : économie annuelle du budget de chaque commune, de "
        f"{euros(first['saving'], signed=True)} ({first['name']}) à "
        f"{euros(last['saving'], signed=True)} ({last['name']}) ; "
        f"{plural(int((bc['saving'] > 0.5).sum()), 'commune gagne', 'communes gagnent')}, "
        f"{plural(int((bc['saving'] < -0.5).sum()), 'perd', 'perdent')}."
    )


def _alt_roadmap(result: Result) -> str:
    rm = result.schedule.roadmap  # type: ignore[union-attr]
    sc = result.scenario
    return (
        f"Barres : économies de chaque année de {sc.start_year} à {sc.end_year}, de "
        f"{euros(rm['savings'].iloc[0], signed=True)} en {int(rm['year'].iloc[0])} à "
        f"{euros(rm['savings'].iloc[-1], signed=True)} en {int(rm['year'].iloc[-1])} ; "
        f"courbe des économies cumulées, jusqu'à {euros(rm['cumulative_savings'].iloc[-1], signed=True)}."
    )


def _alt_staff(result: Result) -> str:
    st = result.schedule.staff  # type: ignore[union-attr]
    units = st.groupby(["service", "mode", "host"]).ngroups
    last = st[st["year"] == st["year"].max()]["staff"].sum() if len(st) else 0.0
    return (
        f"Courbes : postes de chacun des {count(units)} services mutualisés engagés, année "
        "par année ; ils baissent au rythme des départs d'agents non remplacés, jusqu'à "
        f"{fte(last)} au total la dernière année."
    )


# ---------------------------------------------------------------- sections
def _no_plan(result: Result) -> list[str]:
    summary = infeasibility_summary(result) or ["Pas d'explication disponible."]
    out = [
        "<section class='warn'><h2>Aucun plan n'est présenté : pourquoi</h2>",
        "<p>" + " ".join(html.escape(s) for s in summary) + "</p>",
    ]
    details = [line for line in explanation(result) if line not in summary]
    if details:
        out.append("<h3>Détail, couple par couple</h3><ul>")
        out += [f"<li>{html.escape(line)}</li>" for line in details]
        out.append("</ul>")
    out.append("</section>")
    return out


def _key_figures(result: Result) -> list[str]:
    h = headline(result).set_index("key")

    def box(key: str, label: str, extra: str = "") -> str:
        if key not in h.index:
            return ""
        text = format_value(h.at[key, "value"], h.at[key, "kind"])
        return f"<div>{html.escape(label)}<b>{html.escape(text + extra)}</b></div>"

    sc = result.scenario
    years = f"{sc.start_year}-{sc.end_year}"
    ratio = f" ({percent(h.at['savings_ratio', 'value'])})"
    boxes = [
        box("npv", f"Valeur actuelle nette {years}"),
        box("cumulative_savings", f"Économies cumulées {years}"),
        box("savings", "Économies annuelles en régime permanent", "/an" + ratio),
        box("transition_one_off", "Coûts de transition ponctuels"),
        box("fte_moved", "ETP concernés", "\xa0ETP"),
    ]
    body = [
        "<div class='kpi keep'>" + "".join(boxes) + "</div>",
        f"<p class='note'>Coût annuel actuel des services étudiés : "
        f"{euros(result.baseline_cost, per_year=True)} ; coût annuel du plan en régime "
        f"permanent (tous les changements en vigueur, sureffectifs résorbés) : "
        f"{euros(result.total_cost, per_year=True)}. Ces chiffres sont ceux du plan année par "
        f"année ci-dessous. Écart d'optimalité prouvé par le solveur : {percent(result.gap, 2)}. "
        "Chaque plan est revérifié indépendamment du solveur.</p>",
    ]
    rows = h.drop(index=["status"]).reset_index()
    body.append(
        "<table><thead><tr><th>Indicateur</th><th>Valeur</th></tr></thead><tbody>"
        + "".join(
            f"<tr><td>{html.escape(str(r.label))}</td>"
            f"<td class=n>{html.escape(format_value(r.value, r.kind))}</td></tr>"
            for r in rows.itertuples()
        )
        + "</tbody></table>"
    )
    return _section("Chiffres clés", body, major=False)


def _yearly_section(result: Result) -> list[str]:
    """The reconciled headline: the plan year by year over the mandate, then its steady state."""
    sch = result.schedule
    y = yearly(result, steady=True)
    if sch is None or y.empty:
        return []
    sc = result.scenario
    limits = []
    if sc.max_changes_per_year is not None:
        limits.append(f"au plus {count(sc.max_changes_per_year)} services réorganisés par an")
    if sc.transition_budget is not None:
        limits.append(f"un budget de transition de {euros(sc.transition_budget)} par an")
    departures = (
        "les départs en retraite" if sc.departures == "retirements" else "tous les départs"
    )
    intro = (
        "<p>Le plan et son calendrier sont choisis ensemble : chaque changement prend effet "
        f"au 1<sup>er</sup> janvier, au plus tôt en {sc.first_effective_year} (après l'adoption du "
        "scénario), et un changement qui ne se rembourse pas sur la période n'est pas retenu. "
        "Les agents travaillant entièrement dans un service suivent le service commun ou le "
        "transfert ; les agents qui n'y travaillent qu'en partie restent dans leur commune et "
        "sont mis à disposition : cette part ne produit aucune économie. Les postes ne "
        f"diminuent qu'au départ d'agents entiers ({departures} : {percent(sc.departure_rate)} "
        "par an), jamais par licenciement."
        + (" Contraintes : " + ", ".join(limits) + "." if limits else "")
        + "</p>"
    )
    cols = [
        "year",
        "services_starting",
        "transition_cost",
        "posts_not_replaced",
        "cost_plan",
        "savings",
        "cumulative_savings",
        "discounted_savings",
    ]
    body = [
        figure_html(
            plot.plot_roadmap(sch, source=plot.source_line(result)).figure,
            _alt_roadmap(result),
        ),
        table_html(y[cols]),
        f"<p><b>Valeur actuelle nette du plan sur {sc.start_year}-{sc.end_year} "
        f"(taux {percent(sc.discount_rate)}) : {euros(sch.npv, signed=True)}</b> ; économies "
        f"cumulées sur la période : {euros(sch.total_savings, signed=True)} ; économies annuelles "
        f"en régime permanent : {euros(sch.steady_savings, per_year=True, signed=True)}.</p>",
    ]
    late = sch.starts[sch.starts["reason"].notna()] if len(sch.starts) else sch.starts
    if not late.empty:
        names = result.territory.services["name"]
        body.append(
            "<div class='keep'><h3>Changements qui ne démarrent pas dès la première année "
            "possible</h3><ul>"
        )
        for row in late.to_dict("records"):
            service = names.get(row["service"], row["service"])
            body.append(
                f"<li>{html.escape(str(service))} : {html.escape(start_reason(row, sc))}</li>"
            )
        body.append("</ul></div>")
    if len(sch.staff):
        body.append(
            figure_html(
                plot.plot_staff(sch, result.territory, source=plot.source_line(result)).figure,
                _alt_staff(result),
            )
        )
    return _section(f"Le plan année par année, {sc.start_year}-{sc.end_year}", body, intro=intro)


def _decisions_section(result: Result) -> list[str]:
    body = [table_html(service_summary(result))]
    maj = result.majorities
    if len(maj):
        blocked = maj[~maj["majority"].astype(bool)]["service"].tolist()
        if blocked:
            names = [str(result.territory.services.at[s, "name"]) for s in blocked]
            body.append(
                "<p class='note'>Transfert écarté faute de majorité qualifiée des conseils "
                f"municipaux : {html.escape(name_list(names))}.</p>"
            )
    return _section("Décisions par service", body)


def _votes_section(result: Result) -> list[str]:
    services = transfers_in_play(result)
    if not services:
        return []
    t = result.territory
    maj = result.majorities[result.majorities["service"].isin(services)].copy()
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
    shown = maj[cols].rename(columns={"largest": "largest_name"})
    body = [table_html(shown)]
    for s in services:
        blockers = blocking_communes(result, s)
        if not blockers.empty:
            names = [
                f"{n} ({count(p)} hab.)"
                for n, p in zip(blockers["name"], blockers["population"], strict=True)
            ]
            body.append(
                f"<p>Conseils défavorables au transfert « {html.escape(t.services.at[s, 'name'])} » : "
                f"{html.escape(name_list(names, most=15))}.</p>"
            )
    intro = (
        "<p class='note'>Majorité qualifiée (art. L5211-5 II CGCT) : deux tiers des conseils "
        "représentant plus de la moitié de la population, ou la moitié des conseils représentant "
        "au moins les deux tiers, dont la commune la plus peuplée si elle dépasse le quart de la "
        "population. Un conseil qui ne délibère pas dans les trois mois est réputé favorable. "
        "Sans position connue, une commune vote pour si le transfert ne dégrade pas son budget. "
        + html.escape(
            fiscal_regime_text(str(t.epci.get("fiscalite")), result.scenario.fa_neutralisation)
        )
        + "</p>"
    )
    return _section("Transferts proposés : votes des conseils municipaux", body, intro=intro)


def _employers_section(result: Result) -> list[str]:
    e = staff_by_employer(result)
    cols = [
        "employer_name",
        "fte_today",
        "posts_transferred_out",
        "posts_transferred_in",
        "fte_made_available",
        "posts_not_replaced",
        "fte_end",
        "cost_before",
        "cost_after",
        "saving",
    ]
    return _section(
        "Effectifs et budgets par employeur",
        [table_html(e[cols])],
        intro="<p class='note'>L'employeur qui porte un service commun ou une compétence "
        "transférée (l'EPCI, ou une commune pour un service commun qu'elle accueille) emploie "
        "les agents affectés en totalité au service ; chaque commune emploie ceux des services "
        "qu'elle conserve et ses agents mis à disposition pour une partie de leur temps. "
        "Première ligne : l'EPCI.</p>",
    )


def _employer_moves_section(result: Result) -> list[str]:
    """Staff moves per year and employer: posts transferred, FTE made available, posts not replaced."""
    sch = result.schedule
    if sch is None or sch.employers.empty:
        return []
    emp = with_names(sch.employers, result.territory).drop(columns=["employer"])
    emp["year"] = emp["year"].astype(str)
    return _section(
        "Les agents, par employeur et par année",
        [table_html(emp)],
        major=False,
        intro="<p class='note'>Postes transférés à l'employeur qui porte le service commun ou la "
        "compétence (l'EPCI ou une commune), temps d'agents mis à disposition par leur commune, "
        "postes non remplacés au départ d'agents, postes supprimés (surnombre).</p>",
    )


def _calendar_section(result: Result, analyses: Analyses) -> list[str]:
    cal = analyses.calendar
    if cal is None or cal.empty:
        return []
    table = with_names(cal, result.territory)
    table["date"] = [f"{d.day:02d}/{d.month:02d}/{d.year}" for d in table["date"]]
    return _section(
        "Calendrier des étapes légales",
        [table_html(table[["service_name", "mode", "step", "date"]])],
        intro="<p class='note'>Dates au plus tard pour que chaque changement prenne effet au "
        "1<sup>er</sup> janvier prévu (délais indicatifs, à ajuster aux instances locales).</p>",
    )


def _allocation_section(result: Result, analyses: Analyses) -> list[str]:
    alloc = analyses.allocation
    if alloc is None or alloc.empty:
        return []
    t = result.territory
    g = alloc.groupby("commune")[["savings_key", "savings_shapley"]].sum()
    g = g.reindex([c for c in t.communes.index if c in g.index])
    g.insert(0, "name", t.communes["name"].reindex(g.index).to_numpy())
    intro = (
        "<p class='note'>La clé de facturation (coût unitaire × unités d'œuvre : la méthode que "
        "l'art. D5211-16 CGCT fixe pour les mises à disposition, que les conventions de service "
        "commun reprennent souvent) répartit les économies des services mutualisés ; la valeur de Shapley attribue à "
        "chaque commune sa contribution moyenne aux économies de toutes les coalitions possibles. "
        "Les deux répartitions ont le même total. Au-delà de 12 membres, la valeur de Shapley est "
        "estimée par tirage (erreur type indiquée dans le classeur).</p>"
    )
    return _section(
        "Partage des économies : clé de facturation et valeur de Shapley",
        [table_html(g.reset_index(drop=True))],
        intro=intro,
    )


def _rules_section(analyses: Analyses) -> list[str]:
    rp = analyses.rule_prices
    if rp is None:
        return []
    binding = rp[rp["active"].astype(bool) & rp["binds"].astype(bool)]
    if binding.empty:
        body = [
            "<p>Aucune règle active ne réduit la valeur actuelle nette du plan : lever l'une "
            "d'elles ne donnerait pas un meilleur plan.</p>"
        ]
    else:
        body = [table_html(binding[["rule", "npv_without", "price", "cost_without"]])]
    intro = (
        "<p class='note'>Pour chaque règle qui contraint le plan : la valeur actuelle nette du "
        "meilleur plan si on la levait, donc ce qu'elle coûte sur la période, et le coût annuel "
        "de ce plan en régime établi.</p>"
    )
    return _section("Règles qui contraignent le plan", body, intro=intro, major=False)


def _pools_section(result: Result) -> list[str]:
    if result.pools.empty:
        return []
    t = result.territory
    d = result.decisions
    already = set(
        d.groupby("service").filter(lambda g: bool((g["mode"] == g["current"]).all()))["service"]
    )
    pools = with_names(result.pools, t)
    pools["mode"] = [
        ALREADY_LABELS[m] if s in already and m in ALREADY_LABELS else MODE_LABELS[m]
        for s, m in zip(pools["service"], pools["mode"], strict=True)
    ]
    cols = [
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
    cols = [c for c in cols if c in pools.columns]
    return _section("Services mutualisés ou transférés", [table_html(pools[cols])], major=False)


def _instruments_section(result: Result, analyses: Analyses) -> list[str]:
    table = analyses.instruments
    if table is None or table.empty:
        return []
    intro = (
        "<p class='note'>L'acte que chaque conseil signe pour chaque service mutualisé ou "
        "transféré : service commun (art. L5211-4-2 CGCT), géré par l'EPCI ou par une commune ; "
        "transfert de compétence (art. L5211-17, à la carte L5211-17-2) ou de plein droit pour "
        "une compétence obligatoire. Les agents qui travaillent entièrement dans le service "
        "sont transférés au gestionnaire ; ceux qui y travaillent en partie sont mis à "
        "disposition de plein droit pour cette part.</p>"
    )
    body = [table_html(instruments_view(table, result.territory))]
    return _section("Instruments juridiques", body, intro=intro, major=False)


def _financing_section(analyses: Analyses) -> list[str]:
    summary = analyses.financing_summary
    if summary is None or summary.empty:
        return []
    intro = (
        "<p class='note'>Le même plan, ses services communs financés selon chaque clé : coût "
        "unitaire × unités d'œuvre, population, ETP, ou imputation sur l'attribution de "
        "compensation (fiscalité professionnelle unique seulement : le coefficient "
        "d'intégration fiscale en tient compte). Le coût du plan ne change pas ; la "
        "répartition entre les communes et l'EPCI change. Montants annuels en régime "
        "établi.</p>"
    )
    return _section("Scénarios de financement", [table_html(financing_view(summary))], intro=intro)


def _groupements_section(analyses: Analyses) -> list[str]:
    plan = analyses.groupements
    if plan is None or plan.net is None:
        return []
    intro = (
        "<p class='note'>Groupements de commandes (art. L2113-6 à L2113-8 du code de la "
        "commande publique ; l'EPCI peut les coordonner gratuitement, art. L5211-4-4 CGCT) : "
        "chaque membre achète au prix du groupement plutôt qu'au sien ; un acheteur qui obtient "
        "déjà de bons prix seul n'y gagne pas. Dépenses et baisses de prix illustratives "
        "(méthode : docs/model.md), en deçà des 10 à 15 % souvent cités. Hors valeur actuelle "
        "nette du plan ci-dessus.</p>"
    )
    if plan.groupements.empty:
        body = ["<p>Aucun groupement de commandes ne couvre son coût de coordination.</p>"]
    else:
        body = [
            f"<p>Gain net : <b>{euros(plan.net, per_year=True)}</b> ; valeur actuelle nette "
            f"sur la période : <b>{euros(plan.npv)}</b>, pour {euros(plan.spend, per_year=True)} "
            "d'achats groupables.</p>",
            table_html(groupements_view(plan.groupements)),
        ]
    return _section("Groupements de commandes", body, intro=intro, major=False)


def _method_section(result: Result) -> list[str]:
    options = option_table(result.scenario, result.territory)
    changed = options[options["value"] != options["default"]][["option", "value", "default"]]
    body = [
        "<p class='note'>Optimisation linéaire en nombres entiers (PuLP, solveur HiGHS) : pour "
        "chaque service et chaque commune, conserver, mutualiser ou transférer, et l'année de "
        "chaque changement, pour la plus grande valeur actuelle nette des économies sur la "
        "période, sous les règles du scénario (taille minimale des services communs, effectifs "
        "par postes entiers, transfert de compétence pour toutes les communes, niveaux de "
        "service minimaux). Les coûts des services mutualisés sont répartis au prorata des "
        "unités d'œuvre (coût unitaire × unités, méthode de l'art. D5211-16 CGCT pour les mises "
        "à disposition, reprise par convention). Les paramètres de coût "
        "d'un territoire issu des données nationales sont illustratifs et doivent être "
        "remplacés par les comptes de la collectivité.</p>",
    ]
    if not changed.empty:
        body += ["<h3>Options du scénario différentes des valeurs par défaut</h3>"]
        body.append(table_html(changed))
    src = source_table(result)
    body.append("<h3>Sources</h3><ul class='note'>")
    body += [
        f"<li><b>{html.escape(t)}</b> : {html.escape(s)}</li>"
        for t, s in zip(src["topic"], src["source"], strict=True)
    ]
    body.append("</ul>")
    return _section("Méthode, options et sources", body)


def _render(result: Result, analyses: Analyses) -> str:
    import matplotlib.pyplot as plt

    t = result.territory
    sc = result.scenario
    nature = NATURE_LABELS.get(t.nature, t.nature)
    title = f"Scénario de mutualisation — {t.name}"
    parts = [
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(t.name)} ({html.escape(nature)}, SIREN "
        f"{html.escape(siren(t.epci.get('siren', '')))}) : {count(len(t.communes))} communes, "
        f"{count(t.population)} habitants, {count(len(t.services))} services étudiés.</p>",
        f"<p>Scénario : <b>{html.escape(scenario_title(sc))}</b>.</p>",
        f"<p>{html.escape(fiscal_regime_text(str(t.epci.get('fiscalite')), sc.fa_neutralisation))}</p>",
        f"<p>Statut de la résolution : <b>{html.escape(STATUS_LABELS.get(result.status, str(result.status)))}</b>.</p>",
    ]
    if not result.has_plan:
        parts += _no_plan(result)
        parts += _method_section(result)
        parts.append("</body></html>")
        return "".join(parts)

    parts.append(f"<p class='note'>{html.escape(SIGN_CONVENTION)}</p>")
    if result.status == "feasible":
        parts.append(
            "<p class='warn'>La résolution s'est arrêtée à la limite de temps : ce plan est "
            "réalisable mais son optimalité n'est pas prouvée.</p>"
        )
    parts += _key_figures(result)
    parts += _yearly_section(result)
    parts += _decisions_section(result)
    parts += _section(
        "Économies annuelles par service, en régime permanent",
        [figure_html(plot.plot_savings_waterfall(result).figure, _alt_waterfall(result))],
        major=False,
    )
    parts += _section(
        "Mode retenu par service et par commune",
        [figure_html(plot.plot_mode_matrix(result).figure, _alt_matrix(result))],
    )
    bc = result.by_commune[["name", "population", "cost_before", "cost_after", "balance"]]
    parts += _section(
        "Gagnants et perdants par commune",
        [
            figure_html(plot.plot_commune_balance(result).figure, _alt_balance(result)),
            table_html(bc),
        ],
    )
    parts += _employers_section(result)
    parts += _employer_moves_section(result)
    parts += _calendar_section(result, analyses)
    parts += _votes_section(result)
    parts += _allocation_section(result, analyses)
    parts += _rules_section(analyses)
    parts += _pools_section(result)
    parts += _instruments_section(result, analyses)
    parts += _financing_section(analyses)
    parts += _groupements_section(analyses)
    parts += _method_section(result)
    parts.append(
        f"<p class='note'>Généré par mutusim le {date.today():%d/%m/%Y}. Données communales : "
        "INSEE, DGCL — découpage administratif 2026 (Etalab), Licence Ouverte.</p></body></html>"
    )
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
