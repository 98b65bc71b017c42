"""Every output of the demo and of infeasible scenarios reads as French done right (issue 10, item 1).

Each output the committee reads is rendered (report, workbook, schéma,
follow-up note, Jupyter cards, figures, CLI lines) and scanned by
``tests/french_text.py``, which shares no code with the formatter: no
decimal point inside a number, no ungrouped integer over 9,999, no NaN or
<NA>, no code name of an option, rule or service, no English word of its
list. Services whose codes are French words (``juridique``) are caught on a
copy of the demo whose service codes all start with ``zz``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from french_text import figure_text, html_text, problems, workbook_text  # noqa: E402

import mutusim as ms  # noqa: E402
from mutusim.analysis.followup import follow_up, planned_by_employer  # noqa: E402
from mutusim.cli import main  # noqa: E402
from mutusim.core import rulebook  # noqa: E402
from mutusim.inputs import datasets  # noqa: E402
from mutusim.inputs.actuals import read_actuals  # noqa: E402
from mutusim.inputs.io import territory_to_frames  # noqa: E402
from mutusim.present import plot  # noqa: E402
from mutusim.present.display import result_html, scenario_html, table, territory_html  # noqa: E402
from mutusim.present.mutualisation import write_schema  # noqa: E402
from mutusim.present.progress_note import write_followup  # noqa: E402
from mutusim.present.report import render_html  # noqa: E402
from mutusim.present.workbook import write_result  # noqa: E402

#: Codes that are ordinary French words: caught on the recoded copy instead.
FRENCH_WORDS = {"juridique", "informatique", "imprimerie", "communication", "force"}


def _codes(territory: ms.Territory) -> list[str]:
    options = [f.name for f in dataclasses.fields(ms.Scenario)]
    rules = [r.name for r in rulebook.RULES]
    return [c for c in [*territory.services.index, *options, *rules] if c not in FRENCH_WORDS]


def _recoded(t: ms.Territory) -> ms.Territory:
    frames = territory_to_frames(t)
    rename = {s: f"zz{s}" for s in t.services.index}
    for name in ("services", "baseline", "modes"):
        frames[name] = frames[name].assign(service=frames[name]["service"].map(rename))
    return ms.territory_from_frames(**frames, source="recoded")


@pytest.fixture(scope="module")
def demo() -> tuple[ms.Result, ms.Analyses]:
    res = ms.optimise(datasets.angers(), datasets.angers_scenarios().base)
    return res, ms.analyse(res)


@pytest.fixture(scope="module")
def recoded() -> tuple[ms.Result, ms.Analyses]:
    res = ms.optimise(_recoded(datasets.angers()), datasets.angers_scenarios().base)
    return res, ms.analyse(res, prices=False)


@pytest.fixture(scope="module")
def infeasible() -> list[ms.Result]:
    t = datasets.angers()
    return [
        ms.optimise(t, ms.Scenario(name="plafond", max_total_cost=1.0)),
        ms.optimise(t, ms.Scenario(name="exigeant", min_level=99.0)),
    ]


def _check_html(document: str, codes: list[str], where: str) -> list[str]:
    assert 'alt="figure"' not in document
    return problems(html_text(document), codes, where)


def _check_workbook(path: Path, codes: list[str]) -> list[str]:
    text, unformatted = workbook_text(path)
    return problems(text, codes, path.name) + [f"no number format: {u}" for u in unformatted]


def _actuals(res: ms.Result, an: ms.Analyses, path: Path) -> Path:
    """A hand-made actuals file: the plan's own figures for 2026-2027, a few changed."""
    plan = planned_by_employer(res, [2026, 2027])
    plan = plan[(plan["fte"] > 0) | (plan["cost"] > 0) | (plan["employer"] != "EPCI")].copy()
    first = plan.index[(plan["employer"] != "EPCI") & (plan["arrangement"] == "share")][0]
    plan.loc[first, "arrangement"] = "keep"
    epci = plan.index[(plan["employer"] == "EPCI") & (plan["fte"] > 1)]
    plan.loc[epci[0], "fte"] += 3.0
    plan.loc[epci[1], "cost"] *= 1.2
    plan = plan.drop(index=plan.index[(plan["employer"] != "EPCI")][:2])
    plan.to_csv(path, sep=";", decimal=",", index=False, encoding="utf-8-sig")
    return path


def _render_all(res: ms.Result, an: ms.Analyses, tmp: Path, codes: list[str]) -> list[str]:
    found = _check_html(render_html(res, an), codes, "rapport")
    paths = write_result(res, tmp / "resultats", an)
    found += _check_workbook(paths["workbook"], codes)
    if res.has_plan:
        schema = write_schema(res, tmp / "schema", an)
        found += _check_html(schema["html"].read_text(encoding="utf-8"), codes, "schéma")
        found += _check_workbook(schema["workbook"], codes)
        actuals = read_actuals(_actuals(res, an, tmp / "realise.csv"), res.territory)
        note = write_followup(res, follow_up(res, actuals), tmp / "suivi")
        found += _check_html(note["html"].read_text(encoding="utf-8"), codes, "suivi")
        found += _check_workbook(note["workbook"], codes)
        figures = [
            plot.plot_mode_matrix(res),
            plot.plot_savings_waterfall(res),
            plot.plot_commune_balance(res),
            plot.plot_roadmap(an.schedule),
            plot.plot_staff(an.schedule, res.territory),
            plot.plot_scenario_savings([res]),
        ]
        for ax in figures:
            found += problems(figure_text(ax.figure), codes, f"figure « {ax.get_title()} »")
        for df in (res.by_commune, res.decisions, res.pools, an.schedule.starts, res.votes):
            found += _check_html(table(df, res.territory).to_html(), codes, "table de carnet")
    found += _check_html(result_html(res), codes, "carte du résultat")
    found += _check_html(territory_html(res.territory), codes, "carte du territoire")
    found += _check_html(scenario_html(res.scenario), codes, "carte du scénario")
    return found


def test_demo_outputs_are_french(demo: tuple[ms.Result, ms.Analyses], tmp_path: Path) -> None:
    res, an = demo
    found = _render_all(res, an, tmp_path, _codes(res.territory))
    assert not found, "\n".join(found)


def test_no_service_code_reaches_the_committee(
    recoded: tuple[ms.Result, ms.Analyses], tmp_path: Path
) -> None:
    res, an = recoded
    codes = list(res.territory.services.index)
    assert all(c.startswith("zz") for c in codes)
    found = _render_all(res, an, tmp_path, codes)
    assert not found, "\n".join(found)


def test_infeasible_outputs_are_french(infeasible: list[ms.Result], tmp_path: Path) -> None:
    for i, res in enumerate(infeasible):
        assert not res.has_plan
        found = _render_all(res, ms.analyse(res), tmp_path / str(i), _codes(res.territory))
        assert not found, "\n".join(found)


def test_cli_lines_are_french(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    codes = _codes(datasets.angers())
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    yml = tmp_path / "plafond.yaml"
    yml.write_text("name: plafond\nmax_total_cost: 1000\n", encoding="utf-8")
    assert main(["solve", "--scenario", str(yml), "--out", str(tmp_path / "plafond")]) == 3
    out += capsys.readouterr().out
    assert "Terminé en" in out
    found = problems(out.replace(str(tmp_path), "DOSSIER"), codes, "CLI")
    assert not found, "\n".join(found)


def test_the_checker_catches_what_it_must() -> None:
    """The scan itself fails on each fault the issue lists (it is not vacuous)."""
    faults = {
        "234.6 ETP": "decimal point",
        "taux 4.5 %": "decimal point",
        "0.0000 %": "decimal point",
        "157555 habitants": "ungrouped integer",
        "valeur NaN": "missing value",
        "<NA>": "missing value",
        "scénario plan_optimal": "code name",
        "mode allowed_modes": "code name",
        "juridique, imprimerie, sig": "code name",
        "statut infeasible": "English word",
        "sampled (2000 permutations)": "English word",
    }
    for text, kind in faults.items():
        found = problems(text, ["sig", "imprimerie", "juridique"], "t")
        assert any(kind in f for f in found), (text, found)
    for fine in ("157\u202f555 habitants", "234,6\xa0ETP", "art. L5211-4-2 CGCT", "2026-2032"):
        assert problems(fine, ["sig"], "t") == [], fine
    assert pd.isna(float("nan"))
