"""Export, report, plots and display of results."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from collections.abc import Callable  # noqa: E402
from html.parser import HTMLParser  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import mutusim as ms  # noqa: E402
from mutusim._files import atomic_write  # noqa: E402
from mutusim.present import plot  # noqa: E402
from mutusim.present.formatting import euros, format_value, percent  # noqa: E402
from mutusim.present.report import render_html  # noqa: E402
from mutusim.present.workbook import write_excel, write_result  # noqa: E402

# Every departure cuts posts, at 50 %/year: on tiny the payroll pool of Bourg-Centre and
# Village-Est then pays back within the mandate. By hand (tests/analysis/test_law_money.py,
# test_payroll_pool_by_hand): it starts in 2027; -8,000 in 2027 (2 posts + 0.5 FTE made
# available + 6,000 one-off), then 40,000 a year (1 post + 0.5); NPV at 4.5 %
# -8,000 / 1.045 + 40,000 x (1.045^-2 + ... + 1.045^-6) = 160,381.88; cumulative 192,000.
# (At the default 3.2 %/year nothing changes on tiny: test_default_plan_changes_nothing.)
FAST = ms.Scenario(departures="all", all_departure_rate=0.5)
NPV = -8_000 / 1.045 + 40_000 * sum(1.045**-k for k in range(2, 7))
SAVINGS = [0.0, -8_000.0] + [40_000.0] * 5


@pytest.fixture(scope="module")
def solved() -> ms.Result:
    return ms.optimise(ms.examples.tiny(), FAST)


@pytest.fixture(scope="module")
def analyses(solved: ms.Result) -> ms.Analyses:
    return ms.analyse(solved)


@pytest.fixture(scope="module")
def infeasible() -> ms.Result:
    return ms.optimise(ms.examples.tiny(), ms.Scenario(name="cap", max_total_cost=1.0))


class _Tables(HTMLParser):
    """The tables of an HTML page, each a list of rows of cell texts (header row first)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(html: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def table_with(html: str, header: str) -> list[dict[str, str]]:
    """The one table whose header has ``header``, as records keyed by (French) header."""
    found = [t for t in html_tables(html) if t and header in t[0]]
    assert len(found) == 1, [t[0] for t in html_tables(html)]
    head, *rows = found[0]
    return [dict(zip(head, row, strict=True)) for row in rows]


def test_the_tiny_plan_is_the_hand_computed_one(solved: ms.Result) -> None:
    # the premise of every figure below
    assert solved.starts == {"rh_paie": 2027}
    assert solved.schedule.roadmap["savings"].tolist() == pytest.approx(SAVINGS)
    assert solved.npv == pytest.approx(NPV)
    assert solved.schedule.total_savings == pytest.approx(192_000)
    assert solved.savings == solved.schedule.steady_savings == pytest.approx(40_000)


def test_tables_are_consistent(solved: ms.Result) -> None:
    assert solved.by_commune["cost_after"].sum() == pytest.approx(solved.total_cost)
    assert solved.by_commune["cost_before"].sum() == pytest.approx(solved.baseline_cost)
    assert solved.by_service["savings"].sum() == pytest.approx(solved.savings)
    assert solved.pools["cost"].sum() + solved.decisions.query("mode == 'keep'")[
        "cost_after"
    ].sum() == pytest.approx(solved.total_cost)


def test_excel_has_french_sheets_and_headers(
    solved: ms.Result, analyses: ms.Analyses, tmp_path: Path
) -> None:
    path = write_excel(solved, tmp_path / "r.xlsx", analyses)
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets)[:4] == ["Synthèse", "Décisions", "Par commune", "Budgets"]
    assert {"Votes", "Majorités", "Feuille de route", "Effectifs", "Partage des économies"} <= set(
        sheets
    )
    dec = sheets["Décisions"]
    assert {"Service", "Commune", "Mode retenu", "Coût après (€/an)"} <= set(dec.columns)
    assert set(dec["Mode retenu"]) <= {
        "Conservé par la commune",
        "Mutualisé (service commun)",
        "Transféré à l'EPCI",
    }
    # the roadmap is the result's; the analyses given reach the workbook (calendar, allocation)
    assert "Année" in sheets["Feuille de route"].columns
    assert len(sheets["Feuille de route"]) == len(solved.schedule.roadmap)
    assert sheets["Feuille de route"]["Économies (€/an)"].tolist() == pytest.approx(SAVINGS)
    assert "Économies selon Shapley (€/an)" in sheets["Partage des économies"].columns
    assert {"Employeurs", "Calendrier"} <= set(sheets)
    # Synthèse: the NPV over the mandate beside the long-run figures, as numbers
    import openpyxl

    ws = openpyxl.load_workbook(path)["Synthèse"]
    summary = {
        ws.cell(row=i, column=1).value: ws.cell(row=i, column=2).value for i in range(1, 40)
    }
    assert summary["Valeur actuelle nette des économies sur 2026-2032 (€)"] == pytest.approx(
        NPV, abs=0.01
    )
    assert summary["Économies cumulées sur 2026-2032, non actualisées (€)"] == pytest.approx(
        192_000
    )
    assert summary[
        "Économies annuelles en régime permanent, tous changements en vigueur (€/an)"
    ] == pytest.approx(40_000)
    # Employeurs: 2 payroll posts move from Bourg-Centre to the EPCI in 2027, Village-Est
    # makes 0.5 FTE available, 1 post is not replaced in 2028 (2 -> 1); names beside codes
    emp = sheets["Employeurs"].astype({"Code employeur": str})
    assert set(emp["Employeur"]) == {"CC Exemple", "Bourg-Centre", "Village-Est"}
    emp = emp.set_index(["Année", "Code employeur"])
    assert emp.at[(2027, "EPCI"), "Postes reçus (ETP)"] == 2.0
    assert emp.at[(2027, "49001"), "Postes transférés (ETP)"] == 2.0
    assert emp.at[(2027, "49002"), "Temps mis à disposition (ETP)"] == 0.5
    assert emp.at[(2028, "EPCI"), "Postes non remplacés (départs)"] == 1.0
    # Calendrier: the steps of the service commun, effective on 1 January 2027
    cal = sheets["Calendrier"]
    assert cal["Étape"].iloc[-1] == "Entrée en vigueur"
    assert str(cal["Date au plus tard"].iloc[-1])[:10] == "2027-01-01"
    assert len(cal) == len(analyses.calendar) == 5


def test_write_result_csv_round_trip(
    solved: ms.Result, analyses: ms.Analyses, tmp_path: Path
) -> None:
    paths = write_result(solved, tmp_path, analyses)
    back = pd.read_csv(paths["decisions"], dtype={"commune": str})
    cols = ["service", "commune", "mode"]
    assert (
        back[cols].astype(str).values.tolist()
        == solved.decisions[cols].astype(str).values.tolist()
    )
    assert not list(tmp_path.glob(".*.tmp")), "temporary files left behind"


def test_atomic_write_keeps_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "t.csv"
    target.write_text("old", encoding="utf-8")

    def boom(p: Path) -> None:
        p.write_text("half", encoding="utf-8")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_text(encoding="utf-8") == "old"
    assert not list(tmp_path.glob(".*.tmp"))


def test_html_report_is_french_and_self_contained(
    solved: ms.Result, analyses: ms.Analyses
) -> None:
    html = render_html(solved, analyses)
    assert html.startswith("<!DOCTYPE html>")
    assert "Chiffres clés" in html
    assert "Gagnants et perdants" in html
    assert "data:image/png;base64," in html
    assert "http://" not in html
    assert "https://" not in html
    # the sections built from the result and from the analyses are there
    assert "Le plan année par année, 2026-2032" in html
    assert "Les agents, par employeur et par année" in html
    assert "Calendrier des étapes légales" in html
    assert "Partage des économies" in html
    assert "Règles qui contraignent le plan" in html
    # the departure rate the plan assumes is said
    assert f"tous les départs : {percent(0.5)}" in html


def test_html_headline_is_the_roadmap(solved: ms.Result, analyses: ms.Analyses) -> None:
    html = render_html(solved, analyses)
    sch = solved.schedule
    # key figures: NPV over the mandate, cumulative savings, long-run savings (by hand
    # 160,382, 192,000 and 40,000 = 18.9 % of 212,000), signed as savings, and the same
    # in the closing sentence
    for value, text in (
        (sch.npv, "+160\u202f382\xa0€"),
        (sch.total_savings, "+192\u202f000\xa0€"),
        (sch.steady_savings, "+40\u202f000\xa0€"),
    ):
        assert euros(value, signed=True) == text
        assert html.count(text) >= 2, text
    assert "Valeur actuelle nette 2026-2032<b>+160\u202f382\xa0€</b>" in html
    assert "Économies cumulées 2026-2032<b>+192\u202f000\xa0€</b>" in html
    assert f"+40\u202f000\xa0€/an ({percent(40_000 / 212_000)})" in html
    assert (
        "Valeur actuelle nette du plan sur 2026-2032 (taux 4,5\xa0%) : +160\u202f382\xa0€" in html
    )


def test_html_reconciled_table_equals_the_schedule(solved: ms.Result) -> None:
    # one row per year of the horizon, then the steady state; every figure is the
    # schedule's, formatted to the euro
    rows = table_with(render_html(solved), "Économies cumulées (€)")
    rm = solved.schedule.roadmap
    assert [r["Année"] for r in rows] == [
        *map(str, range(2026, 2033)),
        "Régime permanent (après la période)",
    ]
    columns = {
        "Coûts de transition (€)": ("transition_cost", "euros"),
        "Postes non remplacés (départs)": ("posts_not_replaced", "fte"),
        "Coût avec le plan (€)": ("cost_plan", "euros"),
        "Économies (€/an)": ("savings", "signed_euros"),
        "Économies cumulées (€)": ("cumulative_savings", "signed_euros"),
        "Économies actualisées (€)": ("discounted_savings", "signed_euros"),
    }
    for row, year in zip(rows, rm.to_dict("records"), strict=False):
        for label, (key, kind) in columns.items():
            assert row[label] == format_value(year[key], kind), (year["year"], label)
    # by hand: 2027 pays 6,000 once and loses 8,000; 2028 saves 40,000, 32,000 cumulated,
    # 40,000 / 1.045^2 = 36,629 discounted; 192,000 cumulated in 2032
    assert rows[1]["Services réorganisés"] == "Ressources humaines et paie"
    assert rows[1]["Coûts de transition (€)"] == "6\u202f000\xa0€"
    assert rows[1]["Économies (€/an)"] == "\u22128\u202f000\xa0€"
    assert rows[2]["Économies cumulées (€)"] == "+32\u202f000\xa0€"
    assert rows[2]["Économies actualisées (€)"] == "+36\u202f629\xa0€"
    assert rows[6]["Économies cumulées (€)"] == "+192\u202f000\xa0€"
    # the NPV is the sum of the discounted savings
    assert sum(rm["discounted_savings"]) == pytest.approx(solved.npv)
    steady = rows[-1]
    assert steady["Coût avec le plan (€)"] == "172\u202f000\xa0€"
    assert steady["Économies (€/an)"] == "+40\u202f000\xa0€"
    assert steady["Économies cumulées (€)"] == "—"


def _moves(html: str) -> list[dict[str, str]]:
    """The table of staff moves per year and employer (the one with a year column)."""
    found = [t for t in html_tables(html) if t and {"Année", "Postes reçus (ETP)"} <= set(t[0])]
    assert len(found) == 1
    head, *rows = found[0]
    return [dict(zip(head, row, strict=True)) for row in rows]


def test_html_staff_per_employer(solved: ms.Result) -> None:
    rows = _moves(render_html(solved))
    got = {(r["Année"], r["Employeur"]): r for r in rows}
    # employers by name: the EPCI (CC Exemple), Bourg-Centre, Village-Est
    assert got[("2027", "CC Exemple")]["Postes reçus (ETP)"] == "2,0"
    assert got[("2027", "Bourg-Centre")]["Postes transférés (ETP)"] == "2,0"
    assert got[("2027", "Village-Est")]["Temps mis à disposition (ETP)"] == "0,5"
    assert got[("2028", "CC Exemple")]["Postes non remplacés (départs)"] == "1,0"
    assert len(rows) == len(solved.schedule.employers)


def test_html_calendar(solved: ms.Result, analyses: ms.Analyses) -> None:
    rows = table_with(render_html(solved, analyses), "Date au plus tard")
    # a service commun effective on 1 January 2027: fiche d'impact by 31 May 2026, CST
    # opinion by 30 June, deliberations by 30 September, convention by 30 November
    assert [(r["Étape"], r["Date au plus tard"]) for r in rows] == [
        ("Fiche d'impact (organisation, conditions de travail, rémunérations)", "31/05/2026"),
        ("Fiche d'impact et avis du comité social territorial", "30/06/2026"),
        ("Délibérations de l'EPCI et des communes concernées", "30/09/2026"),
        ("Signature de la convention de service commun", "30/11/2026"),
        ("Entrée en vigueur", "01/01/2027"),
    ]
    assert {r["Service"] for r in rows} == {"Ressources humaines et paie"}


def test_html_report_without_analyses_leaves_their_sections_out(solved: ms.Result) -> None:
    html = render_html(solved)
    assert "Chiffres clés" in html
    # the roadmap and the staff per employer are the result's own
    assert "Le plan année par année" in html
    assert "Les agents, par employeur et par année" in html
    assert "Calendrier des étapes légales" not in html
    assert "Partage des économies" not in html
    assert "Règles qui contraignent le plan" not in html


def test_default_plan_changes_nothing() -> None:
    # At 3.2 %/year Bourg-Centre's 2 payroll posts stay until 2048 (ceil(2 x 0.968^k) = 2
    # for k <= 21) and the other communes' FTE are partial shares: no pool pays back by
    # 2032. The report says so with zeros, never with a long-run figure of a plan not made.
    res = ms.optimise(ms.examples.tiny())
    assert res.starts == {}
    html = render_html(res, ms.analyse(res, prices=False))
    assert "Valeur actuelle nette 2026-2032<b>0\xa0€</b>" in html
    assert "+40\u202f000" not in html
    assert "Calendrier des étapes légales" not in html


def test_html_report_without_plan_explains(infeasible: ms.Result) -> None:
    import html as html_module

    html = html_module.unescape(render_html(infeasible, ms.analyse(infeasible)))
    assert "Aucun plan" in html
    assert "Le plafond de coût (1\xa0€/an)" in html
    assert "data:image/png" not in html


def test_html_cost_cap_explanation_names_a_sufficient_raise(infeasible: ms.Result) -> None:
    import html as html_module

    # without the cap the best (NPV) plan changes nothing: 212,000 a year, so raising the
    # cap of 1 by 211,999 suffices (tests/test_cli.py, the same with a cap of 1,000)
    html = html_module.unescape(render_html(infeasible))
    assert "le meilleur plan coûte 212\u202f000\xa0€/an en régime établi" in html
    assert "le relever de 211\u202f999\xa0€ suffit à le permettre" in html
    raised = ms.optimise(ms.examples.tiny(), infeasible.scenario.replace(max_total_cost=212_000))
    assert raised.has_plan


class _Counter:
    """Counts the calls of the functions it wraps."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return fn(*args, **kwargs)

        return counted


def test_rendering_never_solves(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import mutusim.analysis.phasing as phasing_module
    import mutusim.model.highs as highs_module
    import mutusim.model.pipeline as pipeline_module
    import mutusim.model.solver as solve_module
    from mutusim.present.report import write_html
    from mutusim.present.workbook import tables

    counter = _Counter()
    solve = counter.wrap("solve", solve_module.solve)
    run_highs = highs_module.run_highs
    monkeypatch.setattr(solve_module, "solve", solve)
    monkeypatch.setattr(pipeline_module, "solve", solve)  # imported by name
    monkeypatch.setattr(highs_module, "run_highs", counter.wrap("highs.run_highs", run_highs))
    # imported by name in the MILP bridge and in the roadmap
    monkeypatch.setattr(solve_module, "run_highs", counter.wrap("solve.run_highs", run_highs))
    monkeypatch.setattr(
        phasing_module,
        "run_binaries",
        counter.wrap("phasing.run_highs", highs_module.run_binaries),
    )

    res = ms.optimise(ms.examples.tiny(), FAST)
    assert {"solve", "solve.run_highs"} <= set(counter.calls)  # the wrappers are in place
    counter.calls.clear()
    an = ms.analyse(res)
    # the roadmap is the optimiser's (one multi-period model): only rule prices re-solve
    assert "phasing.run_highs" not in counter.calls
    assert "solve" in counter.calls
    counter.calls.clear()
    assert ms.roadmap(res) is res.schedule
    assert counter.calls == []

    counter.calls.clear()
    html = render_html(res, an)
    paths = write_result(res, tmp_path / "out", an)
    write_html(res, tmp_path / "out" / "rapport.html", an)
    write_excel(res, tmp_path / "r.xlsx", an)
    tables(res, an)
    render_html(res)  # without analyses, their sections are left out, never computed
    write_result(res, tmp_path / "bare")
    assert counter.calls == []
    assert "Le plan année par année" in html
    assert paths["workbook"].is_file()


@pytest.mark.parametrize(
    ("draw", "word"),
    [
        (lambda res, an: plot.plot_mode_matrix(res), "Mode retenu"),
        (lambda res, an: plot.plot_savings_waterfall(res), "coût"),
        (lambda res, an: plot.plot_commune_balance(res), "commune"),
        (lambda res, an: plot.plot_roadmap(an.schedule), "Feuille de route"),
        (lambda res, an: plot.plot_staff(an.schedule, res.territory), "Effectifs"),
    ],
    ids=["mode_matrix", "savings_waterfall", "commune_balance", "roadmap", "staff"],
)
def test_plots_return_axes_with_french_title(
    solved: ms.Result, analyses: ms.Analyses, draw, word
) -> None:  # noqa: ANN001
    ax = draw(solved, analyses)
    assert word in ax.get_title()


def test_ms_plot_is_the_present_module() -> None:
    assert ms.plot is plot


def test_roadmap_plot_shows_the_schedule(solved: ms.Result) -> None:
    schedule = ms.roadmap(solved)
    ax = plot.plot_roadmap(schedule)
    rm = schedule.roadmap
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx((rm["savings"] / 1000).tolist())
    line = ax.get_lines()[0]
    assert list(line.get_ydata()) == pytest.approx((rm["cumulative_savings"] / 1000).tolist())


def test_plot_without_plan_raises(infeasible: ms.Result) -> None:
    with pytest.raises(ms.NoPlanError, match="no plan to plot"):
        plot.plot_mode_matrix(infeasible)
    # a roadmap (to plot) cannot be asked of a result without plan either
    with pytest.raises(ms.NoPlanError):
        ms.roadmap(infeasible)
    assert issubclass(ms.NoPlanError, ms.MutusimError)


def test_mode_matrix_colours_follow_decisions(solved: ms.Result) -> None:
    ax = plot.plot_mode_matrix(solved)
    img = ax.images[0].get_array()
    d = solved.decisions.set_index(["service", "commune"])
    communes = solved.territory.communes.sort_values("population", ascending=False).index
    code = {"keep": 0, "share": 1, "transfer": 2}
    for i, s in enumerate(solved.territory.services.index):
        for j, c in enumerate(communes):
            mode, current = d.at[(s, c), "mode"], d.at[(s, c), "current"]
            expected = {"share": 3, "transfer": 4}.get(mode, 0) if mode == current else code[mode]
            assert img[i, j] == expected


def test_html_reprs(solved: ms.Result, infeasible: ms.Result) -> None:
    from mutusim.present.display import register, result_html, territory_html

    assert "Scénario" in result_html(solved)
    assert "économies" in result_html(solved)
    assert "infaisable" in result_html(infeasible)
    assert "Le plafond de coût" in result_html(infeasible)
    assert "communes" in territory_html(ms.examples.tiny())
    assert register() is False  # no IPython shell here: nothing registered


def test_scenario_html_lists_changed_options() -> None:
    from mutusim.present.display import scenario_html

    sc = ms.Scenario(
        name="petites", description="moins de 4 500 habitants", perimeter_max_population=4500
    )
    assert sc.changes() == {"perimeter_max_population": 4500}
    page = scenario_html(sc)
    assert "Scénario « moins de 4 500 habitants »" in page  # its description, not its code
    assert "Population maximale d&#x27;une commune du périmètre" in page
    assert "4\u202f500 habitants" in page
    assert "perimeter_max_population" not in page
    assert "Options par défaut" in scenario_html(ms.Scenario())


def test_compare_and_diff(solved: ms.Result) -> None:
    keep = ms.optimise(ms.examples.tiny(), FAST.replace(name="keep", allowed_modes=("keep",)))
    table = ms.compare([solved, keep])
    assert list(table.index) == ["base", "keep"]
    assert table.loc["keep", "savings"] == pytest.approx(0.0)
    assert table.loc["keep", "npv"] == pytest.approx(0.0)
    assert table.loc["base", "npv"] == pytest.approx(NPV)
    assert table.loc["base", "pairs_share"] == 2
    diff = ms.diff_decisions(solved, keep)
    assert len(diff) == 2
    assert set(diff["mode_base"]) == {"share"}
    with pytest.raises(ms.MutusimError, match="unique"):
        ms.compare([solved, solved])


def _sheet_params() -> list:
    from mutusim.present.workbook import SHEETS

    return [sheet for sheet, key in SHEETS.items() if key != "summary"]


@pytest.mark.parametrize("sheet", _sheet_params())
def test_every_workbook_header_is_french(
    solved: ms.Result, analyses: ms.Analyses, sheet: str
) -> None:
    from mutusim.present.labels import COLUMN_LABELS
    from mutusim.present.workbook import SHEETS, tables

    frame = tables(solved, analyses)[SHEETS[sheet]]
    # tiny is too small for a groupement de commandes to pay: its table is empty but has
    # its columns, which are what this test checks
    if sheet != "Groupements de commandes":
        assert not frame.empty, (sheet, "empty table: the check would be vacuous")
    assert len(frame.columns), sheet
    missing = [c for c in frame.columns if c not in COLUMN_LABELS]
    assert not missing, (sheet, missing)


# ------------------------------------------------------------ issue 10, item 4
def _already_transferred_ads() -> ms.Territory:
    from mutusim.inputs.examples import tiny_frames

    frames = tiny_frames()
    frames["baseline"]["arrangement"] = ["keep"] * 3 + ["transfer"] * 3
    return ms.territory_from_frames(**frames)


def test_report_prints_well(solved: ms.Result, analyses: ms.Analyses) -> None:
    page = render_html(solved, analyses)
    assert "@media print" in page
    assert "break-before:page" in page  # a page break before each major section
    assert "h1,h2,h3{break-after:avoid" in page  # no heading stranded at the bottom of a page
    assert "thead{display:table-header-group}" in page  # long tables repeat their header
    assert "@page{size:A4" in page
    assert page.count("<section class='major'>") >= 3
    assert 'alt="figure"' not in page
    import re

    alts = re.findall(r'<img alt="([^"]*)"', page)
    assert len(alts) == page.count("<img ")
    assert all(len(a) > 40 for a in alts)
    assert any("Barres horizontales divergentes" in a for a in alts)
    assert page.count("Convention de signe") == 1  # stated once


def test_votes_only_for_transfers_in_play(solved: ms.Result) -> None:
    # the plan keeps ADS: no vote to show, although ADS is transferable
    assert not solved.majorities.empty
    assert "votes des conseils municipaux" not in render_html(solved)
    forced = ms.optimise(
        ms.examples.tiny(),
        ms.Scenario(name="ads", force=(ms.Decision("ads", "*", "transfer"),)),
    )
    page = render_html(forced)
    assert "Transferts proposés : votes des conseils municipaux" in page
    assert "Instruction du droit des sols (ADS)" in page


def test_already_transferred_is_said_so() -> None:
    res = ms.optimise(_already_transferred_ads())
    page = render_html(res)
    assert "Communes ayant déjà transféré" in page
    assert "votes des conseils municipaux" not in page
    from mutusim.present.views import service_view

    sv = service_view(res).set_index("service")
    assert sv.at["ads", "transfer"] == 0
    assert sv.at["ads", "transferred_before"] == 3
    from mutusim.present.labels import french

    modes = set(french(res.decisions.query("service == 'ads'"))["Mode retenu"])
    assert modes == {"Déjà transféré à l'EPCI"}


def test_only_binding_rules_are_listed(solved: ms.Result, analyses: ms.Analyses) -> None:
    import html as html_module

    page = html_module.unescape(render_html(solved, analyses))
    section = page.split("Règles qui contraignent le plan", 1)[1].split("</section>", 1)[0]
    # the one rule whose lifting gives a better plan: staff by whole steps of 0.5 FTE. By
    # hand, without it all three communes share payroll (1,650 payslips -> 1.65 FTE, 0.8
    # of partial shares, 2 posts from Bourg-Centre, of which 1 stays while ceil(2 x 0.5^k)
    # >= 1): 2027 2.8 FTE -> 117,600 + 10,000 + 3,000 + 9,000 one-off = 139,600, -8,600
    # against 131,000; 2028-2032 1.8 FTE -> 88,600, +42,400 a year. NPV at 4.5 %:
    # -8,600 / 1.045 + 42,400 x (1.045^-2 + ... + 1.045^-6) = 169,890; the rule costs
    # 169,890 - 160,382 = 9,508; long run 0.85 + 0.8 FTE -> 82,300 + 81,000 ADS = 163,300.
    assert "Effectifs par postes entiers" in section
    npv_without = -8_600 / 1.045 + 42_400 * sum(1.045**-k for k in range(2, 7))
    assert euros(npv_without, signed=True) == "+169\u202f890\xa0€"
    assert "+169\u202f890\xa0€" in section
    assert euros(npv_without - NPV) == "9\u202f508\xa0€"
    assert "9\u202f508\xa0€" in section
    assert "163\u202f300\xa0€" in section
    for idle in ("Majorité qualifiée", "Taille minimale", "Compétences obligatoires"):
        assert idle not in section


def test_infeasible_scenario_explained_in_a_short_grouped_paragraph_first() -> None:
    import html as html_module

    res = ms.optimise(ms.examples.tiny(), ms.Scenario(name="exigeant", min_level=95.0))
    page = html_module.unescape(render_html(res))
    head, detail = page.split("Détail, couple par couple", 1)
    paragraph = head.split("Aucun plan n'est présenté : pourquoi", 1)[1]
    # one sentence for all six pairs: services, communes, rule, what to relax and how far
    assert paragraph.count("Aucune organisation n'est possible") == 1
    assert "tous les services étudiés (2) dans toutes les communes (3)" in paragraph
    assert "« Niveaux de service minimaux »" in paragraph
    # by hand: the best level on offer is 75 for payroll (shared), 85 for ADS (transferred)
    assert "abaisser le niveau de service minimal exigé (95,0) à 75,0 au plus" in paragraph
    assert detail.count("Aucun mode possible") == 6  # the detail comes after, pair by pair


def test_start_reasons_are_french(solved: ms.Result) -> None:
    from mutusim.present.labels import french

    # min_level 45 forces Hameau-Sud's ADS into a pool that loses money: it starts as late
    # as possible, in 2032 (tests/analysis/test_law_money.py, test_rule_prices_by_hand)
    forced = ms.optimise(ms.examples.tiny(), FAST.replace(min_level=45))
    starts = french(ms.roadmap(forced).starts).set_index("Code service")
    assert starts.at["ads", "Année de démarrage"] == 2032
    assert starts.at["ads", "Motif"] == "un démarrage plus tardif est plus avantageux"
    assert not starts["Motif"].dropna().str.contains("_").any()
    # a transition budget below the payroll pool's 6,000 € one-off cost: no start at all
    capped = ms.optimise(ms.examples.tiny(), FAST.replace(transition_budget=1_000))
    assert capped.starts == {}


@pytest.mark.slow
def test_angers_report_headline_is_its_roadmap() -> None:
    # The demo (mutusim demo): every figure of the headline is the schedule's, to the euro
    # as printed, and the table's last year and steady state are those of the key figures.
    res = ms.optimise(ms.datasets.angers(), ms.datasets.angers_scenarios().base)
    assert res.status == "optimal"
    sch = res.schedule
    html = render_html(res)
    assert f"Valeur actuelle nette 2026-2032<b>{euros(sch.npv, signed=True)}</b>" in html
    assert f"Économies cumulées 2026-2032<b>{euros(sch.total_savings, signed=True)}</b>" in html
    assert (
        f"Économies annuelles en régime permanent<b>{euros(res.savings, signed=True)}/an (" in html
    )
    assert res.savings == pytest.approx(sch.steady_savings)
    rows = table_with(html, "Économies cumulées (€)")
    rm = sch.roadmap
    signed = [euros(x, signed=True) for x in rm["savings"]]
    assert [r["Économies (€/an)"] for r in rows[:-1]] == signed
    assert rows[-2]["Économies cumulées (€)"] == euros(sch.total_savings, signed=True)
    assert rows[-1]["Économies (€/an)"] == euros(res.savings, signed=True)
    assert sum(rm["discounted_savings"]) == pytest.approx(sch.npv)
    # the employers' table lists the EPCI and the communes by name, never by code
    staff = _moves(html)
    assert {r["Employeur"] for r in staff} >= {"CU Angers Loire Métropole"}
    assert not any(r["Employeur"] == "EPCI" or r["Employeur"].isdigit() for r in staff)
