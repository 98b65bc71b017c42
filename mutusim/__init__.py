"""mutusim: scenario modelling of mutualisation between an EPCI and its communes.

Each service of each commune is kept, shared (service commun, mise à
disposition) or transferred to the EPCI; a mixed-integer programme (PuLP,
solved by HiGHS) finds the cheapest plan under the scenario's rules, and an
independent checker re-verifies every plan it returns.

The pipeline runs one way (``docs/architecture.md``)::

    inputs (load, validate) → core (territory, scenario, costs, law)
      → model (build, solve, check) → Result → analysis → present

Plotting and spreadsheet libraries, the MILP engines (PuLP, HiGHS) and Dask
load only when a figure, a workbook, a solve or a screening is asked for:
``import mutusim`` costs little more than pandas (benchmarks/README.md).
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from mutusim.analysis.comparison import compare, diff_decisions
from mutusim.analysis.shapley import allocation
from mutusim.analysis.votes import blocking_communes
from mutusim.core.result import Result
from mutusim.core.scenario import Decision, Scenario
from mutusim.core.status import Status
from mutusim.core.territory import Territory
from mutusim.errors import (
    DataError,
    MutusimError,
    NoPlanError,
    NotFoundError,
    PlanError,
    Problem,
    ScenarioError,
    SolverError,
)
from mutusim.inputs import datasets, examples
from mutusim.inputs.io import load_territory, territory_from_frames
from mutusim.present.display import register as _register_display
from mutusim.present.labels import explanation
from mutusim.present.progress import register as _register_progress

if TYPE_CHECKING:
    from mutusim.analysis.alternative_plans import alternatives
    from mutusim.analysis.decisions import decision_prices
    from mutusim.analysis.financing import compare_financing
    from mutusim.analysis.instruments import legal_instruments
    from mutusim.analysis.national import Screening, read_screening, screen, select_epcis
    from mutusim.analysis.phasing import roadmap
    from mutusim.analysis.prices import rule_prices
    from mutusim.analysis.suite import Analyses, analyse
    from mutusim.analysis.tipping import tipping_points
    from mutusim.analysis.tradeoffs import pareto
    from mutusim.analysis.uncertainty import robustness
    from mutusim.model.pipeline import optimise
    from mutusim.model.purchasing import optimise_groupements as groupements
    from mutusim.present import plot
    from mutusim.present.panel import whatif

try:
    __version__ = version("mutusim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "Analyses",
    "DataError",
    "Decision",
    "MutusimError",
    "NoPlanError",
    "NotFoundError",
    "PlanError",
    "Problem",
    "Result",
    "Scenario",
    "ScenarioError",
    "Screening",
    "SolverError",
    "Status",
    "Territory",
    "__version__",
    "allocation",
    "alternatives",
    "analyse",
    "blocking_communes",
    "compare",
    "compare_financing",
    "datasets",
    "decision_prices",
    "diff_decisions",
    "examples",
    "explanation",
    "groupements",
    "legal_instruments",
    "load_territory",
    "optimise",
    "pareto",
    "plot",
    "read_screening",
    "roadmap",
    "robustness",
    "rule_prices",
    "screen",
    "select_epcis",
    "territory_from_frames",
    "tipping_points",
    "whatif",
]

#: Names loaded on first use: module, and attribute (None for the module itself).
_LAZY: dict[str, tuple[str, str | None]] = {
    "plot": ("mutusim.present.plot", None),
    "optimise": ("mutusim.model.pipeline", "optimise"),
    "roadmap": ("mutusim.analysis.phasing", "roadmap"),
    "rule_prices": ("mutusim.analysis.prices", "rule_prices"),
    "Analyses": ("mutusim.analysis.suite", "Analyses"),
    "analyse": ("mutusim.analysis.suite", "analyse"),
    "Screening": ("mutusim.analysis.national", "Screening"),
    "read_screening": ("mutusim.analysis.national", "read_screening"),
    "screen": ("mutusim.analysis.national", "screen"),
    "select_epcis": ("mutusim.analysis.national", "select_epcis"),
    "pareto": ("mutusim.analysis.tradeoffs", "pareto"),
    "alternatives": ("mutusim.analysis.alternative_plans", "alternatives"),
    "tipping_points": ("mutusim.analysis.tipping", "tipping_points"),
    "decision_prices": ("mutusim.analysis.decisions", "decision_prices"),
    "robustness": ("mutusim.analysis.uncertainty", "robustness"),
    "compare_financing": ("mutusim.analysis.financing", "compare_financing"),
    "legal_instruments": ("mutusim.analysis.instruments", "legal_instruments"),
    "groupements": ("mutusim.model.purchasing", "optimise_groupements"),
    "whatif": ("mutusim.present.panel", "whatif"),
}


def __getattr__(name: str) -> Any:
    """Load on first use what needs matplotlib, PuLP or HiGHS (slow to import)."""
    if name in _LAZY:
        module_name, attr = _LAZY[name]
        module = importlib.import_module(module_name)
        value = module if attr is None else getattr(module, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mutusim' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


_register_display()
_register_progress()
