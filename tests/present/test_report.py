"""Export, report, plots and display of results."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import mutusim as ms  # noqa: E402
from mutusim import plot  # noqa: E402
from mutusim.export import atomic_write, write_excel, write_result  # noqa: E402
from mutusim.report import render_html  # noqa: E402


@pytest.fixture(scope="module")
def solved() -> ms.Result:
    return ms.optimise(ms.examples.tiny())


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


def test_excel_has_french_sheets_and_headers(solved: ms.Result, tmp_path: Path) -> None:
    path = write_excel(solved, tmp_path / "r.xlsx")
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


def test_write_result_csv_round_trip(solved: ms.Result, tmp_path: Path) -> None:
    paths = write_result(solved, tmp_path)
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


def test_html_report_is_french_and_self_contained(solved: ms.Result) -> None:
    html = render_html(solved)
    assert html.startswith("<!DOCTYPE html>")
    assert "Chiffres clés" in html
    assert "Gagnants et perdants" in html
    assert "data:image/png;base64," in html
    assert "http://" not in html
    assert "https://" not in html
    assert "39\u202f000 €" in html  # the hand-computed savings of the tiny case


def test_html_report_without_plan_explains(infeasible: ms.Result) -> None:
    html = render_html(infeasible)
    assert "Aucun plan" in html
    assert "max_total_cost" in html
    assert "data:image/png" not in html


@pytest.mark.parametrize(
    ("fn", "word"),
    [
        (plot.plot_mode_matrix, "Mode retenu"),
        (plot.plot_savings_waterfall, "coût"),
        (plot.plot_commune_balance, "commune"),
        (plot.plot_roadmap, "Feuille de route"),
        (plot.plot_staff, "Effectifs"),
    ],
)
def test_plots_return_axes_with_french_title(solved: ms.Result, fn, word) -> None:  # noqa: ANN001
    ax = fn(solved)
    assert word in ax.get_title()


def test_roadmap_plot_shows_the_schedule(solved: ms.Result) -> None:
    ax = plot.plot_roadmap(solved)
    rm = solved.schedule().roadmap
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx((rm["savings"] / 1000).tolist())
    line = ax.get_lines()[0]
    assert list(line.get_ydata()) == pytest.approx((rm["cumulative_savings"] / 1000).tolist())


def test_plot_without_plan_raises(infeasible: ms.Result) -> None:
    with pytest.raises(ms.MutusimError, match="no plan to plot"):
        plot.plot_mode_matrix(infeasible)


def test_mode_matrix_colours_follow_decisions(solved: ms.Result) -> None:
    ax = plot.plot_mode_matrix(solved)
    img = ax.images[0].get_array()
    d = solved.decisions.set_index(["service", "commune"])["mode"]
    communes = solved.territory.communes.sort_values("population", ascending=False).index
    code = {"keep": 0, "share": 1, "transfer": 2}
    for i, s in enumerate(solved.territory.services.index):
        for j, c in enumerate(communes):
            assert img[i, j] == code[d[(s, c)]]


def test_html_reprs(solved: ms.Result, infeasible: ms.Result) -> None:
    assert "Scénario" in solved._repr_html_()
    assert "économies" in solved._repr_html_()
    assert "infaisable" in infeasible._repr_html_()
    assert "communes" in ms.examples.tiny()._repr_html_()


def test_scenario_html_lists_changed_options() -> None:
    sc = ms.Scenario(
        name="petites", description="moins de 4 500 habitants", perimeter_max_population=4500
    )
    assert sc.changes() == {"perimeter_max_population": 4500}
    page = sc._repr_html_()
    assert "Scénario petites" in page
    assert "perimeter_max_population" in page
    assert "4500" in page
    assert "Options par défaut" in ms.Scenario()._repr_html_()


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


def test_every_workbook_header_is_french(solved: ms.Result) -> None:
    from mutusim.export import SHEETS, tables
    from mutusim.labels import COLUMN_LABELS, french

    frames = tables(solved)
    for sheet, key in SHEETS.items():
        if key == "summary":
            continue
        missing = [c for c in frames[key].columns if c not in COLUMN_LABELS]
        assert not missing, (sheet, missing)
    # a transition budget below the payroll pool's 6,000 € one-off cost: 'over_budget'
    capped = ms.optimise(ms.examples.tiny(), ms.Scenario(transition_budget=1_000))
    reasons = french(capped.schedule().starts)["Motif"].dropna()
    assert "coût de transition supérieur au budget annuel" in set(reasons)
    assert not reasons.str.contains("_").any()
