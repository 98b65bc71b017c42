"""mutusim: scenario modelling of mutualisation between an EPCI and its communes.

Each service of each commune is kept, shared (service commun, mise à
disposition) or transferred to the EPCI; a mixed-integer programme (PuLP,
solved by HiGHS) finds the cheapest plan under the scenario's rules, and an
independent checker re-verifies every plan it returns.
"""

from __future__ import annotations

from mutusim import datasets, examples, plot
from mutusim.compare import compare, diff_decisions
from mutusim.errors import DataError, MutusimError, Problem, ScenarioError, SolverError
from mutusim.io import load_territory
from mutusim.optimise import optimise
from mutusim.result import Result
from mutusim.scenario import Decision, Scenario
from mutusim.territory import Territory

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "Decision",
    "Result",
    "Scenario",
    "compare",
    "datasets",
    "diff_decisions",
    "load_territory",
    "optimise",
    "plot",
    "MutusimError",
    "Problem",
    "ScenarioError",
    "SolverError",
    "Territory",
    "__version__",
    "examples",
]
