"""Explanations that say what happened: time limits, numerical trouble, failed solves (issue 7.5, 7.9)."""

from __future__ import annotations

import mutusim as ms
from mutusim.core.findings import Finding
from mutusim.core.result import Result
from mutusim.core.status import SolveInfo, Status
from mutusim.model import pipeline
from mutusim.model.explain import explain_infeasible
from mutusim.present.labels import explanation, finding_text


def bare(status: Status, scenario: ms.Scenario | None = None, **kw) -> Result:
    return Result(
        territory=ms.examples.tiny(), scenario=scenario or ms.Scenario(), status=status, **kw
    )


def test_relaxed_solves_stopped_by_their_time_limit_are_not_called_unexplained():
    tiny = ms.examples.tiny()
    sc = ms.Scenario(max_total_cost=1.0, max_fte_moved=0.0, time_limit=5.0)

    def run(territory, scenario):  # every relaxed re-solve stops at its time limit
        return bare(Status.TIME_LIMIT, scenario)

    findings = explain_infeasible(tiny, sc, run)
    assert [f.code for f in findings] == ["explain_time_limit"]
    assert findings[0].values == {"seconds": 5.0}
    text = finding_text(findings[0])
    assert "peut-être incomplète" in text
    assert "limite de temps (5 s)" in text
    assert "plusieurs règles se contredisent" not in text


def test_a_time_limit_without_plan_names_the_limit_and_the_option():
    (line,) = explanation(bare(Status.TIME_LIMIT, ms.Scenario(time_limit=0.5)))
    assert "limite de temps (0,5 s)" in line
    assert "augmenter la limite de temps" in line
    assert "--time-limit" in line


def test_unbounded_and_failed_solves_are_explained():
    (line,) = explanation(bare(Status.UNBOUNDED))
    assert "n'est pas borné" in line
    info = SolveInfo("cbc", Status.ERROR, "Not Solved", None, None, None, 0.1)
    (line,) = explanation(bare(Status.ERROR, solve=info))
    assert "Le solveur a échoué (son statut : Not Solved)" in line


def test_numerical_trouble_is_explained_not_called_fractional(monkeypatch):
    tiny = ms.examples.tiny()
    monkeypatch.setattr(pipeline, "extract_plan", lambda model: ({}, {}, [("ads", "49001")]))
    res = ms.optimise(tiny)
    assert res.status == "error"
    assert res.check_errors == ()
    (finding,) = res.explanation
    assert finding.code == "numerical"
    # the model's coefficients: from 0.5 (fte_step in the staffing rows) to 45,000 x 0.5
    assert finding.values["largest"] >= 22_500.0
    (line,) = explanation(res)
    assert "difficulté numérique" in line
    assert "ordres de grandeur" in line
    assert "fractional" not in line


def test_numerical_finding_in_english_for_developers():
    f = Finding("numerical", values={"pairs": 2, "smallest": 0.5, "largest": 1e6})
    assert (
        str(f)
        == "numerical trouble: 2 decision(s) neither 0 nor 1; coefficients from 0.5 to 1e+06"
    )
