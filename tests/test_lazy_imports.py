"""``import mutusim`` loads no plotting, spreadsheet, solver or Dask library (issue 12)."""

from __future__ import annotations

import subprocess
import sys

#: pyarrow is not listed: pandas loads it itself when installed (string dtype).
HEAVY = ("matplotlib", "openpyxl", "pulp", "highspy", "dask", "distributed")


def _loaded(code: str) -> list[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return out.stdout.split()


def test_import_mutusim_loads_none_of_the_heavy_libraries():
    assert _loaded("import mutusim") == []


def test_lazy_names_load_on_first_use():
    assert _loaded("import mutusim as ms\nms.optimise") == ["pulp", "highspy"]
    assert "matplotlib" in _loaded("import mutusim as ms\nms.plot")
    code = "import mutusim as ms\nassert ms.screen.__module__ == 'mutusim.analysis.national'"
    assert not {"dask", "distributed"} & set(_loaded(code))
