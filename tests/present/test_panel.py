"""The what-if panel (issue 11.5): controls set programmatically, figures checked
against :func:`mutusim.optimise` on the same options."""

from __future__ import annotations

import pytest

import mutusim as ms
from mutusim.present.formatting import euros
from mutusim.present.panel import BUSY, headline_html, matrix_html, whatif

HAND = {"end_year": 2028, "discount_rate": 0, "departures": "all", "all_departure_rate": 0.5}


@pytest.fixture
def panel():
    pytest.importorskip("ipywidgets")
    return whatif(ms.examples.tiny(), ms.Scenario(**HAND))


def test_the_panel_starts_on_the_optimum(panel):
    assert panel.result.npv == pytest.approx(32_000)
    assert euros(32_000) in panel.headline.value
    assert "Ressources humaines et paie" in panel.matrix.value


def test_each_control_re_solves_like_optimise(panel):
    tiny = ms.examples.tiny()
    # only transfers allowed: payroll cannot be transferred, ADS transfers lose money
    panel.controls["modes"].value = ("transfer",)
    expected = ms.optimise(tiny, ms.Scenario(**HAND, allowed_modes=("keep", "transfer")))
    assert panel.result.npv == pytest.approx(expected.npv) == pytest.approx(0.0)
    panel.controls["modes"].value = ("share", "transfer")
    assert panel.result.npv == pytest.approx(32_000)
    # payroll's fixed cost x 2.6 = 26,000: the pool stops paying (closed form in
    # tests/analysis/test_tipping.py); x 2.5 still pays 32,000 - 2 x 15,000 = 2,000
    panel.controls["service"].value = "rh_paie"
    panel.controls["fixed_cost"].value = 2.5
    assert panel.result.npv == pytest.approx(2_000)
    assert euros(2_000) in panel.headline.value
    panel.controls["fixed_cost"].value = 1.0
    # a departure rate below 50 % saves nothing within the horizon
    panel.controls["departure_rate"].value = 0.4
    expected = ms.optimise(tiny, ms.Scenario(**(HAND | {"all_departure_rate": 0.4})))
    assert panel.result.npv == pytest.approx(expected.npv)
    # a service level floor nobody reaches: no plan, said in French
    panel.controls["min_level"].value = 99
    assert not panel.result.has_plan
    assert "Aucun plan" in panel.headline.value
    assert matrix_html(panel.result) == ""


def test_the_panel_says_when_it_is_solving(panel):
    shown = []
    panel.status.observe(lambda change: shown.append(change["new"]), names="value")
    panel.controls["min_level"].value = 10
    assert shown == [BUSY, ""]
    assert "Calcul en cours" in shown[0]


def test_renderers_take_a_result():
    res = ms.optimise(ms.examples.tiny(), ms.Scenario(**HAND))
    assert "Valeur actuelle nette 2026-2028" in headline_html(res)
    assert matrix_html(res).count("<tr>") == 3  # header + 2 services
