"""mutusim: scenario modelling of mutualisation between an EPCI and its communes.

Each service of each commune is kept, shared (service commun, mise à
disposition) or transferred to the EPCI; a mixed-integer programme (PuLP,
solved by HiGHS) finds the cheapest plan under the scenario's rules, and an
independent checker re-verifies every plan it returns.

The pipeline runs one way (``docs/architecture.md``)::

    inputs (load, validate) → core (territory, scenario, costs, law)
      → model (build, solve, check) → Result → analysis → present

Plotting and spreadsheet libraries load only when a figure or a workbook is
asked for.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from mutusim.analysis.comparison import compare, diff_decisions
from mutusim.analysis.phasing import roadmap
from mutusim.analysis.prices import rule_prices
from mutusim.analysis.shapley import allocation
from mutusim.analysis.suite import Analyses, analyse
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
from mutusim.model.pipeline import optimise
from mutusim.present.display import register as _register_display
from mutusim.present.labels import explanation

if TYPE_CHECKING:
    from mutusim.present import plot

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
    "SolverError",
    "Status",
    "Territory",
    "__version__",
    "allocation",
    "analyse",
    "blocking_communes",
    "compare",
    "datasets",
    "diff_decisions",
    "examples",
    "explanation",
    "load_territory",
    "optimise",
    "plot",
    "roadmap",
    "rule_prices",
    "territory_from_frames",
]

_LAZY = {"plot": "mutusim.present.plot"}


def __getattr__(name: str) -> Any:
    """Load the plotting module on first use (matplotlib is slow to import)."""
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        globals()[name] = module
        return module
    raise AttributeError(f"module 'mutusim' has no attribute '{name}'")


_register_display()
