"""Self-contained HTML report for the steering committee, in French (PRODUCT.md R4).

One file, no external resource: figures are embedded as base64 PNG.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import date
from pathlib import Path

import matplotlib

from mutusim.export import atomic_write
from mutusim.labels import MODE_LABELS, STATUS_LABELS, euros, french
from mutusim.result import Result

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


def _fig_to_img(fig) -> str:  # noqa: ANN001
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def _table(df, float_fmt: str = "{:,.0f}") -> str:  # noqa: ANN001
    def fmt(v: object) -> str:
        if isinstance(v, float):
            return float_fmt.format(v).replace(",", "\u202f")
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{fmt(v)}</td>" for v in row) + "</tr>" for row in df.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(result: Result) -> str:
    """The committee report of ``result`` as one HTML string (French)."""
    with matplotlib.rc_context({"backend": "Agg"}):
        return _render(result)


def _render(result: Result) -> str:
    import matplotlib.pyplot as plt

    from mutusim import plot

    t = result.territory
    sc = result.scenario
    parts = [
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>",
        f"<title>Scénario de mutualisation — {html.escape(t.name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Scénario de mutualisation — {html.escape(t.name)}</h1>",
        f"<p>Scénario <b>{html.escape(sc.name)}</b>"
        + (f" : {html.escape(sc.description)}" if sc.description else "")
        + f". {len(t.communes)} communes, {t.population:,} habitants, {len(t.services)} services étudiés.".replace(
            ",", "\u202f"
        )
        + "</p>",
        f"<p>Statut de la résolution : <b>{html.escape(STATUS_LABELS.get(result.status, result.status))}</b>.</p>",
    ]
    if not result.has_plan:
        parts.append("<div class='warn'><p>Aucun plan n'est présenté.</p><ul>")
        for line in result.explanation or result.check_errors or ["Pas d'explication disponible."]:
            parts.append(f"<li>{html.escape(line)}</li>")
        parts.append("</ul></div></body></html>")
        return "".join(parts)

    pct = 100 * result.savings / result.baseline_cost if result.baseline_cost else 0.0
    parts += [
        "<h2>Chiffres clés</h2><div class='kpi'>",
        f"<div>Coût annuel actuel<b>{euros(result.baseline_cost)}</b></div>",
        f"<div>Coût annuel du plan<b>{euros(result.total_cost)}</b></div>",
        f"<div>Économies annuelles<b>{euros(result.savings)} ({pct:.1f} %)</b></div>",
        f"<div>Coûts de transition ponctuels<b>{euros(result.transition_one_off)}</b></div>",
        f"<div>ETP concernés<b>{result.fte_moved:.1f}</b></div>",
        "</div>",
        f"<p class='note'>Le coût du plan inclut les coûts de transition étalés sur {sc.transition_years:g} ans. "
        "Écart d'optimalité prouvé par le solveur : "
        + ("—" if result.gap is None else f"{100 * result.gap:.4f} %")
        + ". Chaque plan est revérifié indépendamment du solveur.</p>",
    ]
    if result.status == "feasible":
        parts.append(
            "<p class='warn'>La résolution s'est arrêtée à la limite de temps : ce plan est "
            "réalisable mais son optimalité n'est pas prouvée.</p>"
        )
    bs = result.by_service[["name", "keep", "share", "transfer", "cost_before", "cost_after", "savings"]]
    parts += ["<h2>Décisions par service</h2>", _table(french(bs))]
    parts += ["<h2>Du coût actuel au coût du plan</h2>", _fig_to_img(plot.plot_savings_waterfall(result).figure)]
    parts += ["<h2>Carte des décisions</h2>", _fig_to_img(plot.plot_mode_matrix(result).figure)]
    parts += ["<h2>Gagnants et perdants par commune</h2>"]
    bc = result.by_commune[["name", "population", "cost_before", "cost_after", "balance"]]
    parts += [_fig_to_img(plot.plot_commune_balance(result).figure), _table(french(bc))]
    if not result.pools.empty:
        pools = result.pools.copy()
        pools["service"] = t.services["name"].reindex(pools["service"]).to_numpy()
        pools["mode"] = pools["mode"].map(MODE_LABELS)
        parts += ["<h2>Services mutualisés ou transférés</h2>", _table(french(pools), "{:,.1f}")]
    parts += [
        "<h2>Méthode et limites</h2>",
        "<p class='note'>Optimisation linéaire en nombres entiers (PuLP, solveur HiGHS) : pour chaque service "
        "et chaque commune, conserver, mutualiser ou transférer, au moindre coût annuel sous les règles du "
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


def write_html(result: Result, path: str | Path) -> Path:
    """Write the committee report (French, self-contained HTML) atomically."""
    text = render_html(result)
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
