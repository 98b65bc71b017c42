"""Export, report, plots and display of results."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import mutusim as ms  # noqa: E402
from mutusim._files import atomic_write  # noqa: E402
from mutusim.present import plot  # noqa: E402
from mutusim.present.report import render_html  # noqa: E402
from mutusim.present.workbook import write_excel, write_result  # noqa: E402


@pytest.fixture(scope="module")
def solved() -> ms.Result:
    return ms.optimise(ms.examples.tiny())


@pytest.fixture(scope="module")
def analyses(solved: ms.Result) -> ms.Analyses:
    return ms.analyse(solved)


@pytest.fixture(scope="module")
def infeasible() -> ms.Result:
    return ms.optimise(ms.examples.tiny(), ms.Scenario(name="cap", max_total_cost=1.0))


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
    # the analyses given reach the workbook: roadmap and allocation sheets are filled
    assert "Année" in sheets["Feuille de route"].columns
    assert len(sheets["Feuille de route"]) == len(analyses.schedule.roadmap)
    assert "Économies selon Shapley (€/an)" in sheets["Partage des économies"].columns


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
    assert "39\u202f000\xa0€" in html  # the hand-computed savings of the tiny case
    # the sections built from the analyses are there
    assert "Feuille de route" in html
    assert "Partage des économies" in html
    assert "Règles qui contraignent le plan" in html


def test_html_report_without_analyses_leaves_their_sections_out(solved: ms.Result) -> None:
    html = render_html(solved)
    assert "Chiffres clés" in html
    assert "Feuille de route" not in html
    assert "Partage des économies" not in html
    assert "Règles qui contraignent le plan" not in html


def test_html_report_without_plan_explains(infeasible: ms.Result) -> None:
    import html as html_module

    html = html_module.unescape(render_html(infeasible, ms.analyse(infeasible)))
    assert "Aucun plan" in html
    # the cost cap, in French: 1 €/an against the 173 000 €/an of the best plan
    assert "Le plafond de coût (1\xa0€/an)" in html
    assert "le relever d'au moins 172\u202f999\xa0€" in html
    assert "data:image/png" not in html


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
    monkeypatch.setattr(phasing_module, "run_highs", counter.wrap("phasing.run_highs", run_highs))

    res = ms.optimise(ms.examples.tiny())
    an = ms.analyse(res)
    # the wrappers are in place: optimising and analysing (rule prices, roadmap) do solve
    assert {"solve", "solve.run_highs", "phasing.run_highs"} <= set(counter.calls)

    counter.calls.clear()
    html = render_html(res, an)
    paths = write_result(res, tmp_path / "out", an)
    write_html(res, tmp_path / "out" / "rapport.html", an)
    write_excel(res, tmp_path / "r.xlsx", an)
    tables(res, an)
    render_html(res)  # without analyses, their sections are left out, never computed
    write_result(res, tmp_path / "bare")
    assert counter.calls == []
    assert "Feuille de route" in html
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
    keep = ms.optimise(ms.examples.tiny(), ms.Scenario(name="keep", allowed_modes=("keep",)))
    table = ms.compare([solved, keep])
    assert list(table.index) == ["base", "keep"]
    assert table.loc["keep", "savings"] == pytest.approx(0.0)
    assert table.loc["base", "pairs_share"] == 2
    diff = ms.diff_decisions(solved, keep)
    assert len(diff) == 2
    assert set(diff["mode_base"]) == {"share"}
    with pytest.raises(ms.MutusimError, match="unique"):
        ms.compare([solved, solved])


def test_every_workbook_header_is_french(solved: ms.Result, analyses: ms.Analyses) -> None:
    from mutusim.present.labels import COLUMN_LABELS, french
    from mutusim.present.workbook import SHEETS, tables

    frames = tables(solved, analyses)
    for sheet, key in SHEETS.items():
        if key == "summary":
            continue
        assert not frames[key].empty, (sheet, "empty table: the check would be vacuous")
        missing = [c for c in frames[key].columns if c not in COLUMN_LABELS]
        assert not missing, (sheet, missing)
    # a transition budget below the payroll pool's 6,000 € one-off cost: 'over_budget'
    capped = ms.optimise(ms.examples.tiny(), ms.Scenario(transition_budget=1_000))
    reasons = french(ms.roadmap(capped).starts)["Motif"].dropna()
    assert "coût de transition supérieur au budget annuel" in set(reasons)
    assert not reasons.str.contains("_").any()


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
    # the one rule whose lifting lowers the cost (its price, re-solved without it: 10 400 €/an)
    assert "Effectifs par postes entiers" in section
    assert "10\u202f400\xa0€" in section
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
