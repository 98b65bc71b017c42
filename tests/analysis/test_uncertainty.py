"""Robustness draws (issue 11.4) on the hand example of tests/model/test_model.py.

tiny under HAND: payroll pooled by 49001 + 49002 from 2027, NPV 32,000 = the unit's
yearly flows of 2027-2028 (2.5 then 1.5 FTE at 42,000, 10,000 fixed a year). With a
fixed factor f on the cost per FTE the NPV is 32,000 − 4 x 42,000 (f − 1); with a
factor g on the fixed cost, 32,000 − 2 x 10,000 (g − 1).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

import mutusim as ms
from mutusim.analysis import uncertainty
from mutusim.analysis.uncertainty import (
    UNCERTAINTY,
    draw_parameters,
    robustness,
    wilson_interval,
)
from mutusim.errors import MutusimError

HAND = {"end_year": 2028, "discount_rate": 0, "departures": "all", "all_departure_rate": 0.5}


@pytest.fixture(scope="module")
def result() -> ms.Result:
    return ms.optimise(ms.examples.tiny(), ms.Scenario(**HAND))


def only(parameter: str, low: float, high: float) -> dict:
    return {parameter: (low, high, "factor", "test")}


def test_no_uncertainty_gives_the_plan(result):
    r = robustness(result, draws=5, uncertainty={})
    assert r.draws["npv"].tolist() == pytest.approx([32_000] * 5)
    assert r.summary.set_index("measure").at["npv", "p_loss"] == 0.0


def test_fixed_factors_by_closed_form(result):
    r = robustness(result, draws=3, uncertainty=only("cost_per_fte", 1.05, 1.05))
    assert r.draws["npv"].tolist() == pytest.approx([32_000 - 4 * 42_000 * 0.05] * 3)
    r = robustness(result, draws=3, uncertainty=only("fixed_cost", 3.0, 3.0))
    assert r.draws["npv"].tolist() == pytest.approx([32_000 - 2 * 20_000] * 3)
    assert r.draws["loses"].all()
    assert r.summary.set_index("measure").at["npv", "p_loss"] == 1.0
    s = r.by_service.set_index("service")
    assert s.at["rh_paie", "p50"] == pytest.approx(-8_000)
    # the long run pays 40,000 - 20,000 more fixed cost: Bourg-Centre and Village-Est
    # still pay less than alone (bills by units: 80 % and 20 % of the extra 20,000)
    c = r.by_commune.set_index("commune")
    assert c.at["49001", "p50"] == pytest.approx(-30_600 + 16_000)
    assert c.at["49003", "p_worse"] == 0.0


def test_seeded_and_within_the_ranges(result):
    a = robustness(result, draws=40, seed=7)
    b = robustness(result, draws=40, seed=7)
    assert a.draws.equals(b.draws)
    c = robustness(result, draws=40, seed=8)
    assert not a.draws["npv"].equals(c.draws["npv"])
    for p, (low, high, kind, _) in UNCERTAINTY.items():
        if kind == "factor":
            f = a.factors[a.factors["parameter"] == p]["factor"]
            assert f.between(low, high).all()
    assert a.draws["departure_rate"].between(0.025, 0.040).all()
    q = a.summary.set_index("measure").loc["npv"]
    assert q["p10"] <= q["p50"] <= q["p90"]


def test_reoptimised_draws_say_how_often_a_decision_is_optimal(result):
    # payroll's fixed cost x 3: its pool loses money in every draw; re-optimised, every
    # draw keeps payroll
    r = robustness(
        result, draws=2, reoptimise=2, workers=1, uncertainty=only("fixed_cost", 3.0, 3.0)
    )
    d = r.decisions.set_index(["service", "decision"])
    assert d.at[("rh_paie", "keep"), "share_of_draws"] == 1.0
    assert d.at[("rh_paie", "keep"), "draws_optimal"] == 2
    # the plan pools payroll: that decision is listed, optimal in none of the draws, and
    # its 95 % Wilson interval for 0 of 2 is [0, 2z²/(2(2 + z²))]: 2 draws say little
    assert d.at[("rh_paie", "share"), "draws_optimal"] == 0
    assert d.at[("rh_paie", "share"), "plan_decision"] == "share"
    z2 = 1.959963984540054**2
    assert d.at[("rh_paie", "share"), "share_low"] == pytest.approx(0.0, abs=1e-12)
    assert d.at[("rh_paie", "share"), "share_high"] == pytest.approx(z2 / (2 + z2))
    assert d.at[("rh_paie", "keep"), "share_low"] == pytest.approx(2 / (2 + z2))
    # the same on two processes, in the same order
    r2 = robustness(
        result, draws=2, reoptimise=2, workers=2, uncertainty=only("fixed_cost", 3.0, 3.0)
    )
    assert r2.decisions.equals(r.decisions)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_decision_intervals_are_wilson_intervals(kn):
    # oracle: scipy's own Wilson interval (scipy.stats.binomtest), not our formula
    k, n = kn
    low, high = wilson_interval(np.array([k]), n)
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert low[0] == pytest.approx(ci.low, abs=1e-12)
    assert high[0] == pytest.approx(ci.high, abs=1e-12)
    assert low[0] <= k / n <= high[0]


def test_decision_intervals_narrow_with_more_draws():
    # 48 of 100 draws: about 38-58 %; 480 of 1,000: about 45-51 %
    low, high = wilson_interval(np.array([48]), 100)
    assert (round(low[0], 3), round(high[0], 3)) == (0.385, 0.577)
    low, high = wilson_interval(np.array([480]), 1000)
    assert (round(low[0], 3), round(high[0], 3)) == (0.449, 0.511)
    with pytest.raises(MutusimError, match="trials >= 1"):
        wilson_interval(np.array([0]), 0)


def test_progress_and_errors(result):
    seen = []
    robustness(result, draws=3, uncertainty={}, progress=lambda d, n: seen.append((d, n)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    with pytest.raises(MutusimError):
        robustness(result, draws=0)
    factors, rates = draw_parameters(["ads"], 2, 0, {})
    assert factors.empty
    assert rates.tolist() != rates.tolist()  # NaN: no departure draw


def test_a_journal_keeps_the_draws_of_an_interrupted_run(result, tmp_path, monkeypatch):
    from mutusim.analysis import uncertainty

    # seed 0: payroll pooled in draw 1 only (fixed cost x 1.16), kept in the others (x 3.4-4.3)
    ranges = only("fixed_cost", 1.0, 5.0)
    plain = robustness(result, draws=4, reoptimise=4, uncertainty=ranges)
    journal = tmp_path / "draws.jsonl"

    def stop_after_two(done, total):
        if done == 4 + 2:  # the 4 priced draws, then 2 re-optimised ones
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        robustness(
            result,
            draws=4,
            reoptimise=4,
            uncertainty=ranges,
            journal=journal,
            progress=stop_after_two,
        )
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 2  # the header, then the two draws solved
    # a kill in the middle of a write leaves a partial last line: it is dropped
    with journal.open("a", encoding="utf-8") as f:
        f.write('{"draw": 2, "decis')
    solved = []
    real = uncertainty._reoptimised

    def counted(args):
        solved.append(args)
        return real(args)

    monkeypatch.setattr(uncertainty, "_reoptimised", counted)
    seen = []
    again = robustness(
        result,
        draws=4,
        reoptimise=4,
        workers=1,  # solved in this process, where _reoptimised is counted
        uncertainty=ranges,
        journal=journal,
        progress=lambda d, n: seen.append(d),
    )
    assert len(solved) == 2  # only the draws the journal did not have
    assert seen[4:] == [6, 7, 8]  # the journal's two draws count as done at once
    assert again.decisions.equals(plain.decisions)
    d = again.decisions.set_index(["service", "decision"])["share_of_draws"]
    assert d[("rh_paie", "keep")] == 0.75
    assert len(journal.read_text(encoding="utf-8").splitlines()) == 1 + 4
    # complete: nothing is solved again, and fewer re-optimised draws read the first ones
    solved.clear()
    fewer = robustness(
        result, draws=4, reoptimise=2, workers=1, uncertainty=ranges, journal=journal
    )
    assert solved == []
    first_two = robustness(result, draws=4, reoptimise=2, workers=1, uncertainty=ranges)
    assert fewer.decisions.equals(first_two.decisions)
    assert (
        fewer.decisions.set_index(["service", "decision"]).at[
            ("rh_paie", "share"), "share_of_draws"
        ]
        == 0.5
    )


def test_a_journal_on_two_processes_gives_the_same_draws(result, tmp_path):
    ranges = only("fixed_cost", 1.0, 5.0)
    plain = robustness(result, draws=3, reoptimise=3, uncertainty=ranges)
    journal = tmp_path / "draws.jsonl"
    two = robustness(result, draws=3, reoptimise=3, workers=2, uncertainty=ranges, journal=journal)
    assert two.decisions.equals(plain.decisions)
    draws = [json.loads(line)["draw"] for line in journal.read_text().splitlines()[1:]]
    assert draws == [0, 1, 2]


def test_a_journal_of_other_inputs_is_refused(result, tmp_path):
    journal = tmp_path / "draws.jsonl"
    robustness(result, draws=2, reoptimise=1, seed=1, uncertainty={}, journal=journal)
    before = journal.read_text(encoding="utf-8")
    # another seed, another number of draws, other ranges: other draws
    for change in ({"seed": 2}, {"draws": 3}, {"uncertainty": only("fixed_cost", 1, 2)}):
        options = {"draws": 2, "reoptimise": 1, "seed": 1, "uncertainty": {}, **change}
        with pytest.raises(MutusimError, match="other inputs") as err:
            robustness(result, journal=journal, **options)
        assert str(journal) in str(err.value)
        assert "delete" in str(err.value)
    other = ms.optimise(ms.examples.tiny(), ms.Scenario(**{**HAND, "discount_rate": 0.01}))
    with pytest.raises(MutusimError, match="other inputs"):
        robustness(other, draws=2, reoptimise=1, seed=1, uncertainty={}, journal=journal)
    assert journal.read_text(encoding="utf-8") == before  # left as it was


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("draw,decision\n0,keep\n", 1, "no robustness journal header"),
        (None, 2, "not a JSON line"),
        ('{"draw": 7, "decisions": {"rh_paie": "keep"}}\n', 2, "'draw' must be"),
        ('{"draw": 0, "decisions": {"ads": "keep"}}\n', 2, "'decisions' must"),
    ],
)
def test_a_damaged_journal_is_named_with_its_line(result, tmp_path, text, line, what):
    journal = tmp_path / "draws.jsonl"
    robustness(result, draws=2, reoptimise=1, uncertainty={}, journal=journal)
    header = journal.read_text(encoding="utf-8").splitlines()[0]
    if text is None:
        text = header + "\nnot json\n"
    elif not text.startswith("draw,"):
        text = header + "\n" + text
    journal.write_text(text, encoding="utf-8")
    with pytest.raises(MutusimError, match=what) as err:
        robustness(result, draws=2, reoptimise=1, uncertainty={}, journal=journal)
    assert f"{journal}, line {line}" in str(err.value)


def test_a_journal_that_cannot_be_written_is_named(result, tmp_path):
    folder = tmp_path / "a_folder"
    folder.mkdir()
    with pytest.raises(MutusimError, match="cannot be read or written") as err:
        robustness(result, draws=2, reoptimise=1, uncertainty={}, journal=folder)
    assert str(folder) in str(err.value)


def test_the_committee_reads_the_decisions_in_french(result):
    from mutusim.present.display import table
    from mutusim.present.formatting import percent
    from mutusim.present.views import robustness_decisions_view

    # seed 0: payroll pooled in one draw of four, kept in the other three
    r = robustness(result, draws=4, reoptimise=4, uncertainty=only("fixed_cost", 1.0, 5.0))
    view = robustness_decisions_view(r.decisions)
    payroll = view[view["service"] == "rh_paie"]
    # the plan's own decision first, then the others
    assert payroll["decision"].tolist() == ["mutualiser", "mutualiser"]
    assert payroll["draw_decision"].tolist() == ["mutualiser", "conserver"]
    assert payroll["share_of_draws"].tolist() == [0.25, 0.75]
    assert payroll["draws_optimal"].tolist() == [1, 3]
    low, high = wilson_interval(np.array([1, 3]), 4)
    assert payroll["share_low"].tolist() == pytest.approx(low.tolist())
    assert payroll["share_high"].tolist() == pytest.approx(high.tolist())
    html = table(view, result.territory).to_html()
    assert "Borne basse (intervalle à 95 %)" in html
    assert percent(float(low[0])) in html
    assert "Ressources humaines et paie" in html
    assert "rh_paie" not in html
    assert "Décision optimale dans les tirages" in html
    assert percent(0.75) in html
    assert percent(0.25) in html


def test_workers_default_to_the_cores_and_change_nothing(result, monkeypatch):
    from mutusim.analysis import uncertainty

    ranges = only("fixed_cost", 1.0, 5.0)
    one = robustness(result, draws=4, reoptimise=4, workers=1, uncertainty=ranges)
    pools = []
    real = uncertainty.ProcessPoolExecutor

    def counted(max_workers, **kwargs):
        pools.append(max_workers)
        return real(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(uncertainty, "ProcessPoolExecutor", counted)
    monkeypatch.setattr(uncertainty.os, "cpu_count", lambda: 2)
    default = robustness(result, draws=4, reoptimise=4, uncertainty=ranges)
    assert pools == [2]
    assert default.decisions.equals(one.decisions)
    with pytest.raises(MutusimError, match="workers >= 1"):
        robustness(result, draws=4, reoptimise=4, workers=0)


def test_a_worker_solves_on_one_thread_with_its_inherited_objects_frozen(monkeypatch):
    import gc

    from mutusim.analysis import uncertainty
    from mutusim.model import phased

    monkeypatch.setattr(phased, "THREADS", 4)
    try:
        uncertainty._one_thread()
        assert phased.THREADS == 1
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_draw_without_a_plan_reads_as_its_status_in_french():
    from mutusim.present.views import robustness_decisions_view

    # a re-optimised draw that found no plan records its status for every service
    outcomes = [{"ads": "keep"}, {"ads": "infeasible"}, {"ads": "time_limit"}]
    decisions = uncertainty._decision_shares(outcomes, {"ads": "keep"})
    view = robustness_decisions_view(decisions)
    assert view["draw_decision"].tolist() == [
        "conserver",
        "infaisable",
        "limite de temps atteinte sans solution",
    ]
    assert view["draws_optimal"].tolist() == [1, 1, 1]
