"""The data behind the main figures: bars from zero, every commune, values printed, French text.

The expected values are computed here from the decisions table (or by hand
on the tiny case), not with the plotting code.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import mutusim as ms  # noqa: E402
from conftest import make_territory  # noqa: E402
from mutusim.present import plot  # noqa: E402

#: The hand scenario of tests/model/test_model.py (TestTinyByHand): payroll shared by
#: Bourg-Centre and Village-Est from 2027; NPV 32,000 €; long run 40,000 €/year.
HAND = ms.Scenario(end_year=2028, discount_rate=0.0, departures="all", all_departure_rate=0.5)


@pytest.fixture(scope="module")
def solved() -> ms.Result:
    return ms.optimise(ms.examples.tiny(), HAND)


def _bars(ax) -> list[tuple[float, float, float]]:  # noqa: ANN001
    """(left, width, y) of the horizontal bars of an Axes, top to bottom."""
    out = [(p.get_x(), p.get_width(), p.get_y() + p.get_height() / 2) for p in ax.patches]
    return sorted(out, key=lambda b: b[2])


def _texts(ax) -> list[str]:  # noqa: ANN001
    return [t.get_text() for t in ax.texts]


def test_savings_bars_start_from_zero_on_the_tiny_case(solved: ms.Result) -> None:
    ax = plot.plot_savings_waterfall(solved)
    bars = _bars(ax)
    # by hand: one service saves 40 000 €/year in the long run (payroll: 131 000 € today,
    # 75 000 € for the pool + 16 000 € kept by Hameau-Sud), then the total
    assert [(round(left, 6), round(width, 6)) for left, width, _ in bars] == [
        (0.0, 40.0),
        (0.0, 40.0),
    ]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Ressources humaines et paie",
        "Total des économies",
    ]
    assert _texts(ax) == ["+40\u202f000\xa0€", "+40\u202f000\xa0€"]
    assert ax.get_xlim()[0] <= 0.0
    assert "40\u202f000\xa0€/an" in ax.get_title()
    assert "coût actuel" in ax.get_title()


def test_savings_bars_add_up_to_the_total_on_the_demo() -> None:
    from mutusim.inputs import datasets

    res = ms.optimise(datasets.angers(), datasets.angers_scenarios().base)
    ax = plot.plot_savings_waterfall(res)
    bars = _bars(ax)
    d = res.by_service
    steps = (d["cost_before"] - d["cost_after"]).to_numpy()
    steps = np.sort(steps[np.abs(steps) > 0.5])[::-1] / 1000
    widths = [w for _, w, _ in bars]
    assert widths[:-1] == pytest.approx(np.abs(steps).tolist())
    assert bars[0][0] == pytest.approx(0.0)  # the first step starts at zero
    ends = np.cumsum(steps)
    assert bars[-2][0] + bars[-2][1] == pytest.approx(ends[-1])  # the steps reach the total
    assert bars[-1][:2] == pytest.approx((0.0, res.savings / 1000))  # the total bar from zero
    assert ax.get_xlim()[0] <= 0.0


def test_commune_balance_shows_every_commune_from_zero(solved: ms.Result) -> None:
    ax = plot.plot_commune_balance(solved)
    bars = _bars(ax)
    # by hand: the pool's 73 000 € (fixed + staff) billed 1 200 : 300 payslips, plus each
    # member's overhead of 1 000 €: Bourg-Centre 90 000 - 59 400 = 30 600 €/year,
    # Village-Est 25 000 - 15 600 = 9 400, Hameau-Sud nothing
    assert [(left, round(width, 6)) for left, width, _ in bars] == [
        (0.0, 30.6),
        (0.0, 9.4),
        (0.0, 0.0),
    ]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Bourg-Centre",
        "Village-Est",
        "Hameau-Sud",
    ]
    assert _texts(ax) == ["+30\u202f600\xa0€", "+9\u202f400\xa0€", "0\xa0€"]
    assert ax.get_yscale() == "linear"
    assert ax.get_xlim()[0] < 0.0 < ax.get_xlim()[1]
    assert ax.figure.get_suptitle().startswith("Gagnants et perdants")


@pytest.mark.parametrize("seed", range(5))
def test_commune_balance_matches_the_decisions(seed: int) -> None:
    res = ms.optimise(make_territory(seed, n_communes=3, n_services=3))
    ax = plot.plot_commune_balance(res, per_panel=2)  # small multiples: 2 panels
    axes = ax.figure.axes
    assert len(axes) == 2
    shown: dict[str, float] = {}
    for a in axes:
        names = [t.get_text() for t in a.get_yticklabels()]
        for name, (_, width, _) in zip(names, _bars(a), strict=True):
            shown[name] = width
    d = res.decisions
    expected = (
        d.groupby("commune_name")["cost_before"].sum()
        - d.groupby("commune_name")["cost_after"].sum()
    ) / 1000
    assert set(shown) == set(res.territory.communes["name"])  # all communes, none left out
    for name, value in expected.items():
        assert shown[name] == pytest.approx(value, abs=1e-9)
    values = [shown[t.get_text()] for a in axes for t in a.get_yticklabels()]
    assert values == sorted(values, reverse=True)  # winners first, losers last
    assert axes[0].get_xlim() == axes[1].get_xlim()  # one scale for every panel


def test_every_figure_has_a_source_line_and_units(solved: ms.Result) -> None:
    an = ms.analyse(solved, prices=False)
    figures = {
        "matrix": plot.plot_mode_matrix(solved),
        "waterfall": plot.plot_savings_waterfall(solved),
        "balance": plot.plot_commune_balance(solved),
        "roadmap": plot.plot_roadmap(an.schedule),
        "staff": plot.plot_staff(an.schedule, solved.territory),
        "scenarios": plot.plot_scenario_savings([solved]),
    }
    for name, ax in figures.items():
        texts = [t.get_text() for t in ax.figure.texts]
        assert any(t.startswith("Source : ") for t in texts), name
        labels = ax.get_xlabel() + ax.get_ylabel()
        if name != "matrix":
            assert any(u in labels for u in ("k€", "ETP")), (name, labels)
        for tick in ax.get_yticklabels() + ax.get_xticklabels():
            assert tick.get_fontsize() >= 8, name
    assert figures["staff"].get_ylim()[0] == 0.0


def test_scenario_savings_bars(solved: ms.Result) -> None:
    keep = ms.optimise(ms.examples.tiny(), ms.Scenario(name="rien", allowed_modes=("keep",)))
    capped = ms.optimise(ms.examples.tiny(), ms.Scenario(name="plafond", max_total_cost=1.0))
    ax = plot.plot_scenario_savings([solved, keep, capped])
    widths = [w for _, w, _ in _bars(ax)]
    # the NPV over the mandate, by hand: -8 000 + 40 000 = 32 000 € (no discounting)
    assert widths == pytest.approx([32.0, 0.0, 0.0])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["base", "rien", "plafond"]
    assert _texts(ax)[-1] == "aucun plan"
    assert pd.Series(widths).ge(0).all()
