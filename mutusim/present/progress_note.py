"""The yearly progress note of the schéma de mutualisation, for the budget debate (French).

Renders a :class:`mutusim.analysis.followup.FollowUp` (planned against
realised) as a print-ready HTML note and as a workbook: a short paragraph
per year first, then the services, the gaps in sentences, and the details.
Nothing here solves.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import pandas as pd

from mutusim._files import atomic_write
from mutusim.analysis.followup import FollowUp
from mutusim.core.result import Result
from mutusim.inputs.actuals import EPCI_EMPLOYER
from mutusim.present.formatting import SIGN_CONVENTION, count, euros, fte, percent, year
from mutusim.present.labels import MODE_SHORT, name_list, plural, scenario_title
from mutusim.present.views import with_names

__all__ = ["gap_sentences", "render_followup", "write_followup"]


def _employer(result: Result, code: str) -> str:
    if code == EPCI_EMPLOYER:
        return f"l'EPCI ({result.territory.name})"
    return str(result.territory.communes["name"].get(code, code))


def gap_sentences(result: Result, followup: FollowUp, year_: int) -> list[str]:
    """Each flagged gap of one year, as one French sentence.

    Parameters
    ----------
    result : Result
        The plan followed (names of services and communes).
    followup : FollowUp
        Planned against realised.
    year_ : int
        The year.

    Returns
    -------
    list of str
    """
    d = followup.detail
    d = d[(d["year"] == year_) & d["gap_flag"]]
    names = result.territory.services["name"]
    out = []
    for r in d.itertuples():
        service = str(names.get(r.service, r.service))
        who = _employer(result, str(r.employer))
        parts = []
        if r.gap_arrangement:
            planned = MODE_SHORT.get(r.arrangement_planned, r.arrangement_planned)
            actual = MODE_SHORT.get(r.arrangement_actual, r.arrangement_actual)
            parts.append(
                f"le plan prévoit de {planned}, l'organisation en vigueur est de {actual}"
            )
        if r.gap_fte:
            parts.append(
                f"{fte(r.fte_actual)} réalisés contre {fte(r.fte_planned)} prévus "
                f"({fte(r.fte_gap, signed=True)})"
            )
        if r.gap_cost:
            gap = float(r.cost_gap)
            sense = "de moins" if gap > 0 else "de plus"
            parts.append(
                f"dépense de {euros(r.cost_actual)} contre {euros(r.cost_planned)} prévus, "
                f"soit {euros(abs(gap))} {sense} que prévu"
            )
        out.append(f"{service}, {who} : " + " ; ".join(parts) + ".")
    return out


def _year_paragraph(result: Result, followup: FollowUp, y: int) -> str:
    by = followup.by_year.set_index("year").loc[y]
    bs = followup.by_service[followup.by_service["year"] == y]
    missing = int(bs["employers_missing"].sum())
    gaps = int(by["services_with_gaps"])
    gap = float(by["cost_gap"])
    ratio = gap / float(by["cost_planned"]) if float(by["cost_planned"]) else None
    sense = "inférieure" if gap >= 0 else "supérieure"
    text = (
        f"En {year(y)}, pour les {plural(int(by['services_reported']), 'service renseigné', 'services renseignés')}, "
        f"la dépense réalisée est de {euros(by['cost_actual'])} contre {euros(by['cost_planned'])} "
        f"prévus : elle est {sense} au plan de {euros(abs(gap))} ({percent(abs(ratio) if ratio is not None else None)}). "
        f"Les effectifs sont de {fte(by['fte_actual'])} contre {fte(by['fte_planned'])} prévus "
        f"({fte(by['fte_gap'], signed=True)}). "
    )
    if gaps:
        flagged = bs[bs["gap_flag"]]["service"]
        names = [str(result.territory.services["name"].get(s, s)) for s in flagged]
        text += (
            f"{plural(gaps, 'service présente', 'services présentent')} un écart à examiner : "
            f"{name_list(names, most=8)}. "
        )
    else:
        text += "Aucun service ne s'écarte du plan au-delà des tolérances. "
    if missing:
        text += (
            f"{plural(missing, 'ligne prévue n’a', 'lignes prévues n’ont')} pas été renseignée"
            f"{'' if missing < 2 else 's'} (employeur, service) : les totaux ne les comptent pas."
        )
    return text


def _tables(result: Result, followup: FollowUp) -> dict[str, pd.DataFrame]:
    t = result.territory
    bs = with_names(followup.by_service, t)
    detail = followup.detail.rename(columns={"employer": "commune"})
    detail = with_names(detail, t).rename(
        columns={"commune": "employer", "commune_name": "employer_name"}
    )
    cols_bs = [
        "year",
        "service",
        "service_name",
        "fte_planned",
        "fte_actual",
        "fte_gap",
        "cost_planned",
        "cost_actual",
        "cost_gap",
        "employers_reported",
        "employers_missing",
        "arrangement_gaps",
        "gap_flag",
    ]
    cols_d = [
        "year",
        "service",
        "service_name",
        "employer",
        "employer_name",
        "arrangement_planned",
        "arrangement_actual",
        "fte_planned",
        "fte_actual",
        "fte_gap",
        "cost_planned",
        "cost_actual",
        "cost_gap",
        "reported",
        "gap_flag",
    ]
    planned = (detail["fte_planned"] > 1e-9) | (detail["cost_planned"] > 1e-6)
    return {
        "by_year": followup.by_year[
            [
                "year",
                "services_reported",
                "services_with_gaps",
                "fte_planned",
                "fte_actual",
                "fte_gap",
                "cost_planned",
                "cost_actual",
                "cost_gap",
            ]
        ],
        "by_service": bs[cols_bs],
        "gaps": detail[detail["gap_flag"]][cols_d],
        "missing": detail[planned & ~detail["reported"]][
            cols_d[:7] + ["fte_planned", "cost_planned"]
        ],
        "detail": detail[cols_d],
    }


def render_followup(result: Result, followup: FollowUp) -> str:
    """The progress note as one HTML document (French, print-ready).

    Parameters
    ----------
    result : Result
        The plan followed.
    followup : FollowUp
        Planned against realised (:func:`mutusim.analysis.followup.follow_up`).

    Returns
    -------
    str
    """
    from mutusim.present.htmltable import CSS, table_html

    t = result.territory
    tables = _tables(result, followup)
    years = ", ".join(year(y) for y in followup.years)
    title = f"État d'avancement du schéma de mutualisation — {t.name} — {years}"
    tol = (
        f"Tolérances : {fte(followup.fte_tolerance)} pour les effectifs ; pour les dépenses, "
        f"{percent(followup.cost_tolerance)} de la dépense prévue et au moins "
        f"{euros(followup.cost_tolerance_min)}."
    )
    parts = [
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>Note d'avancement présentée au débat d'orientation budgétaire (art. L5211-39-1 "
        f"CGCT) : effectifs et dépenses réalisés par service et par employeur, comparés au plan "
        f"« {html.escape(scenario_title(result.scenario))} » et à sa feuille de route. Établie "
        f"le {date.today():%d/%m/%Y}.</p>",
        f"<p class='note'>{html.escape(SIGN_CONVENTION)} {html.escape(tol)} Les dépenses sont "
        "celles que chaque employeur paie lui-même pour le service, sans les versements entre "
        "membres (factures des services communs, attribution de compensation).</p>",
        "<section><div class='keep'><h2>Synthèse</h2>",
    ]
    parts += [
        f"<p>{html.escape(_year_paragraph(result, followup, y))}</p>" for y in followup.years
    ]
    parts += ["</div>", table_html(tables["by_year"]), "</section>"]
    for y in followup.years:
        sentences = gap_sentences(result, followup, y)
        bs = tables["by_service"]
        parts += [
            f"<section class='major'><div class='keep'><h2>{year(y)} : par service</h2></div>",
            table_html(bs[bs["year"] == y].drop(columns=["year", "service"])),
        ]
        if sentences:
            parts.append("<div class='keep'><h3>Écarts à examiner</h3><ul>")
            parts += [f"<li>{html.escape(s)}</li>" for s in sentences]
            parts.append("</ul></div>")
        parts.append("</section>")
    missing = tables["missing"]
    if len(missing):
        m = missing.groupby(["year", "employer_name"], sort=False).size().reset_index()
        parts.append(
            "<section class='major'><div class='keep'><h2>Chiffres non renseignés</h2>"
            "<p>Employeurs dont une partie des chiffres prévus n'a pas été transmise :</p></div><ul>"
        )
        for y, g in m.groupby("year"):
            names = [
                f"{n} ({plural(int(k), 'service', 'services')})"
                for n, k in zip(g["employer_name"], g[0], strict=True)
            ]
            parts.append(f"<li>{year(y)} : {html.escape(name_list(names, most=12))}</li>")
        parts.append("</ul></section>")
    parts.append(
        f"<p class='note'>Le détail ligne par ligne ({count(len(tables['detail']))} lignes) est "
        "dans le classeur joint.</p></body></html>"
    )
    return "".join(parts)


def write_followup(result: Result, followup: FollowUp, folder: str | Path) -> dict[str, Path]:
    """Write the progress note as HTML (``suivi.html``) and workbook (``suivi.xlsx``).

    Parameters
    ----------
    result : Result
        The plan followed.
    followup : FollowUp
        Planned against realised.
    folder : str or Path
        Output folder (created if needed).

    Returns
    -------
    dict of str to Path
        ``html`` and ``workbook``.
    """
    from mutusim.present.xlsx import new_workbook, write_key_figures, write_table

    folder = Path(folder)
    text = render_followup(result, followup)
    tables = _tables(result, followup)
    t = result.territory
    title = f"État d'avancement du schéma de mutualisation — {t.name}"
    out = {
        "html": atomic_write(folder / "suivi.html", lambda p: p.write_text(text, encoding="utf-8"))
    }
    last = followup.years[-1]
    by = followup.by_year.set_index("year").loc[last]
    figures = pd.DataFrame(
        [
            ("Dépense prévue (€)", float(by["cost_planned"]), "euros"),
            ("Dépense réalisée (€)", float(by["cost_actual"]), "euros"),
            (
                "Écart de dépense (€, positif = inférieure au plan)",
                float(by["cost_gap"]),
                "signed_euros",
            ),
            ("ETP prévus", float(by["fte_planned"]), "fte"),
            ("ETP réalisés", float(by["fte_actual"]), "fte"),
            ("Services avec un écart", int(by["services_with_gaps"]), "count"),
        ],
        columns=["label", "value", "kind"],
    )

    def write(tmp: Path) -> None:
        wb = new_workbook()
        write_key_figures(
            wb,
            "Synthèse",
            figures,
            title=title,
            intro=[
                ("Territoire", t.name),
                ("Plan suivi", scenario_title(result.scenario)),
                ("Année", year(last)),
                ("Constat", _year_paragraph(result, followup, last)),
            ],
            table=tables["by_year"],
            table_title="Par année",
        )
        write_table(wb, "Par service", tables["by_service"], title=title)
        write_table(wb, "Écarts", tables["gaps"], title=title)
        write_table(wb, "Non renseigné", tables["missing"], title=title)
        write_table(wb, "Détail", tables["detail"], title=title)
        wb.save(tmp)

    out["workbook"] = atomic_write(folder / "suivi.xlsx", write)
    return out
