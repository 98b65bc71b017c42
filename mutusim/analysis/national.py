"""France in one run: every selected EPCI optimised as a Dask task, resumable (PRODUCT.md S7).

:func:`screen` builds each selected EPCI from the reference data
(:func:`mutusim.datasets.epci`, illustrative calibration), optimises the
scenario on it and measures which rules bind (:mod:`mutusim.analysis.binding`),
one Dask task per EPCI: on a ``LocalCluster`` of the machine's cores by
default, or on an existing cluster given its scheduler's address (or a
``distributed.Client``). Dask, distributed and pyarrow are the optional
extra ``mutusim[dask]``, imported only when a screening runs or is read.

Results on disk (``out``), written by the calling process as each EPCI
finishes, each file atomically (:func:`mutusim._files.atomic_write`)::

    out/run.json                   the scenario and options of the run
    out/epci/<siren>.parquet       one row: the EPCI's summary (EPCI_COLUMNS)
    out/decisions/<siren>.parquet  its decisions (siren + Result.decisions)

An EPCI is *done* once its summary file exists (written last), so a run
interrupted at any point, even killed, resumes where it stopped: a new
:func:`screen` on the same folder computes only the EPCIs without a summary
(and, with ``retry_failed``, those that failed). The folders ``epci/`` and
``decisions/`` are ordinary Parquet datasets that any tool can read;
:func:`read_screening` loads them.

A failing EPCI (bad data, a solver error, a worker lost) is recorded with
status ``failed`` and its error, and the run goes on. Each EPCI's result
depends on its inputs only (HiGHS runs single-threaded with a fixed seed), so
the tables are the same whatever the number of workers, except the timing
columns (:data:`TIMING_COLUMNS`).

The summaries (:func:`by_group`, :func:`largest`, :func:`rule_frequency`)
are plain tables; :mod:`mutusim.present.france` draws them in French.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import re
import time
import traceback
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mutusim._files import atomic_write
from mutusim.core import rulebook
from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.errors import DataError, MutusimError, NotFoundError
from mutusim.inputs.datasets import epci as epci_territory
from mutusim.inputs.datasets import find_epci
from mutusim.inputs.geography import GEOGRAPHY_COLUMNS, epci_geography

__all__ = [
    "EPCI_COLUMNS",
    "FILTER_KEYS",
    "GROUP_KEYS",
    "RULE_COLUMNS",
    "TIMING_COLUMNS",
    "Progress",
    "Screening",
    "by_group",
    "check_national_scenario",
    "largest",
    "read_screening",
    "rule_frequency",
    "screen",
    "screen_one",
    "select_epcis",
    "set_default_progress",
]

#: Version of the folder layout written by :func:`screen`.
LAYOUT_VERSION = 2

#: Columns of the timing of each EPCI [s]: the only ones that differ between two runs.
TIMING_COLUMNS = ["seconds", "build_seconds", "solve_seconds", "binding_seconds"]

#: The rules measured (those of :data:`mutusim.analysis.binding.CHECKED_RULES`; the
#: same selection, read here from the registry so that importing this module loads no solver).
CHECKED_RULES: tuple[str, ...] = tuple(
    r.name for r in rulebook.RULES if r.switchable and ({"filter", "constraint"} & set(r.stages))
)
_VIOLATIONS = [f"violations__{r}" for r in CHECKED_RULES]
_BINDS = [f"binds__{r}" for r in CHECKED_RULES]

#: Columns of the one-row summary of each EPCI (``Screening.epcis``), with their dtypes.
_EPCI_DTYPES: dict[str, str] = {
    **{c: "string" for c in GEOGRAPHY_COLUMNS if c not in ("communes", "population")},
    "communes": "Int64",
    "population": "Int64",
    "status": "string",
    "baseline_cost": "float64",
    "total_cost": "float64",
    "savings": "float64",
    "savings_share": "float64",
    "savings_per_inhabitant": "float64",
    "npv": "float64",
    "npv_per_inhabitant": "float64",
    "total_savings": "float64",
    "services_started": "Int64",
    "first_start_year": "Int64",
    "transition_one_off": "float64",
    "fte_before": "float64",
    "fte_moved": "float64",
    "pairs": "Int64",
    "pairs_changed": "Int64",
    "pairs_share": "Int64",
    "pairs_transfer": "Int64",
    "pools_opened": "Int64",
    "gap": "float64",
    "npv_unconstrained": "float64",
    "rules_price": "float64",
    "rules_bind": "boolean",
    **{c: "Int64" for c in _VIOLATIONS},
    **{c: "boolean" for c in _BINDS},
    "explanation": "string",
    "error_type": "string",
    "error": "string",
    **{c: "float64" for c in TIMING_COLUMNS},
}
_EPCI_DTYPES["departements_count"] = "Int64"
#: Columns of :attr:`Screening.epcis`.
EPCI_COLUMNS = list(_EPCI_DTYPES)
_DECISION_DTYPES: dict[str, str] = {
    "siren": "string",
    "service": "string",
    "service_name": "string",
    "commune": "string",
    "commune_name": "string",
    "mode": "string",
    "current": "string",
    "changed": "boolean",
    "start_year": "Int64",
    "fte_before": "float64",
    "fte_after": "float64",
    "cost_before": "float64",
    "cost_after": "float64",
    "level_before": "float64",
    "level_after": "float64",
}
#: Columns of :attr:`Screening.rules` (one row per EPCI and checked rule).
RULE_COLUMNS = ["siren", "rule", "active", "violations", "binds"]
#: Keys :func:`select_epcis` filters on.
FILTER_KEYS = ("siren", "nature", "fiscalite", "region", "departement")
#: Keys :func:`by_group` groups by.
GROUP_KEYS = ("nature", "departement", "region", "fiscalite")


# --------------------------------------------------------------- selection
def _norm(text: object) -> str:
    t = unicodedata.normalize("NFKD", str(text))
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^a-z0-9]+", " ", t).strip()


def select_epcis(filters: Mapping[str, str | Iterable[str]] | None = None) -> pd.DataFrame:
    """The EPCIs of France matching every filter (all of them without filter).

    Parameters
    ----------
    filters : mapping, optional
        Key of :data:`FILTER_KEYS` -> one value or several (any of them
        matches; a string may list several separated by commas). ``region``
        and ``departement`` take codes (``52``, ``2A``) or names (``Pays de
        la Loire``, ignoring case and accents); ``nature`` ``CC``, ``CA``,
        ``CU``, ``METRO`` or ``MET69``; ``fiscalite`` ``FPU`` or ``FA``;
        ``siren`` SIRENs. An EPCI lies in the département and région holding
        most of its population (:mod:`mutusim.inputs.geography`).

    Returns
    -------
    DataFrame
        Rows of :func:`mutusim.inputs.geography.epci_geography`, sorted by SIREN.

    Raises
    ------
    NotFoundError
        An unknown key, or a value that matches no EPCI (the message lists
        the values available).

    Examples
    --------
    >>> len(select_epcis({"region": "Pays de la Loire", "nature": "CU"}))
    2
    """
    g = epci_geography()
    for key, raw in (filters or {}).items():
        if key not in FILTER_KEYS:
            raise NotFoundError(
                f"unknown filter '{key}'; filter on {', '.join(FILTER_KEYS)} (e.g. region=52)"
            )
        values = [raw] if isinstance(raw, str) else list(raw)
        wanted = [v.strip() for item in values for v in str(item).split(",") if v.strip()]
        if not wanted:
            raise NotFoundError(f"filter '{key}' has no value; e.g. {key}={g[key].iloc[0]}")
        mask = pd.Series(False, index=g.index)
        for value in wanted:
            hit = g[key].str.casefold() == value.casefold()
            if key in ("region", "departement"):
                hit |= g[f"{key}_name"].map(_norm) == _norm(value)
            if not hit.any():
                known = sorted(set(g[key]))
                shown = ", ".join(known[:30]) + (", ..." if len(known) > 30 else "")
                raise NotFoundError(
                    f"filter {key}={value} matches no EPCI of France; known values: {shown}"
                )
            mask |= hit
        g = g[mask]
    return g.reset_index(drop=True)


def _selection(epcis: object) -> pd.DataFrame:
    """Geography rows of the EPCIs asked for, sorted by SIREN, without duplicates."""
    geo = epci_geography()
    if epcis is None:
        return geo
    if isinstance(epcis, pd.DataFrame):
        if "siren" not in epcis.columns:
            raise MutusimError(
                "screen(epcis=DataFrame): the table needs a 'siren' column "
                "(e.g. from select_epcis() or ms.datasets.epcis_2026())"
            )
        asked = [str(s) for s in epcis["siren"]]
    elif isinstance(epcis, str):
        asked = [epcis]
    else:
        asked = [str(s) for s in epcis]  # type: ignore[attr-defined]
    sirens = []
    for item in asked:
        siren = item if re.fullmatch(r"\d{9}", item) else str(find_epci(item)["siren"])
        sirens.append(siren)
    known = set(geo["siren"])
    unknown = [s for s in sirens if s not in known]
    if unknown:
        raise NotFoundError(
            f"screen(): no EPCI with SIREN {', '.join(unknown[:5])} in the 2026 list; "
            "use select_epcis() or ms.datasets.find_epci('name') to find SIRENs"
        )
    return geo[geo["siren"].isin(set(sirens))].reset_index(drop=True)


# ---------------------------------------------------------------- one EPCI
def _typed(df: pd.DataFrame, dtypes: Mapping[str, str]) -> pd.DataFrame:
    """``df`` with exactly these columns and dtypes (missing ones empty): one schema for every file."""
    columns: dict[str, pd.Series] = {}
    for col, dtype in dtypes.items():
        if col in df.columns:
            values = df[col]
        else:
            values = pd.Series([None] * len(df), index=df.index, dtype=object)
        if dtype in ("float64", "Int64"):
            columns[col] = pd.to_numeric(values, errors="coerce").astype(dtype)
        else:
            obj = values.astype(object)
            columns[col] = obj.where(obj.notna(), None).astype(dtype)
    return pd.DataFrame(columns, index=df.index)


def _parquet(df: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    df.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _encode(
    row: dict[str, Any], decisions: pd.DataFrame | None
) -> tuple[str, bytes, bytes | None]:
    """Status, and the summary and decisions as Parquet files (the worker encodes, the client writes)."""
    summary = _parquet(_typed(pd.DataFrame([row]), _EPCI_DTYPES))
    dec = None if decisions is None else _parquet(_typed(decisions, _DECISION_DTYPES))
    return str(row["status"]), summary, dec


def _screen_task(
    geo: Mapping[str, Any],
    scenario: Scenario,
    services: list[str] | None,
    seed: int | None,
    rules: bool,
) -> tuple[str, bytes, bytes | None]:
    """The Dask task: :func:`screen_one`, its tables encoded as Parquet on the worker."""
    return _encode(*screen_one(geo, scenario, services, seed, rules))


def _summary(geo: Mapping[str, Any], res: Result, seconds: dict[str, float]) -> dict[str, Any]:
    row: dict[str, Any] = {c: geo.get(c) for c in GEOGRAPHY_COLUMNS}
    row["status"] = str(res.status)
    row["baseline_cost"] = res.baseline_cost
    row["explanation"] = "; ".join(str(f) for f in res.explanation) or None
    row["gap"] = res.gap
    if res.has_plan:
        d = res.decisions
        savings = res.savings or 0.0
        npv = res.npv or 0.0
        starts = res.starts
        row |= {
            "total_cost": res.total_cost,
            "savings": savings,
            "savings_share": savings / res.baseline_cost if res.baseline_cost else None,
            "savings_per_inhabitant": savings / geo["population"] if geo["population"] else None,
            "npv": npv,
            "npv_per_inhabitant": npv / geo["population"] if geo["population"] else None,
            "total_savings": res.schedule.total_savings if res.schedule is not None else None,
            "services_started": len(starts),
            "first_start_year": min(starts.values()) if starts else None,
            "transition_one_off": res.transition_one_off,
            "fte_before": float(d["fte_before"].sum()),
            "fte_moved": res.fte_moved,
            "pairs": len(d),
            "pairs_changed": int(d["changed"].sum()),
            "pairs_share": int((d["mode"] == "share").sum()),
            "pairs_transfer": int((d["mode"] == "transfer").sum()),
            "pools_opened": len(res.pools),
        }
    row |= {k: v for k, v in seconds.items() if k in TIMING_COLUMNS}
    return row


def screen_one(
    geo: Mapping[str, Any],
    scenario: Scenario,
    services: list[str] | None = None,
    seed: int | None = None,
    rules: bool = True,
) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """One EPCI of a screening: build it, optimise, measure the binding rules (a Dask task).

    Never raises for a failing EPCI: the error is returned in the summary
    (status ``failed``, ``error_type``, ``error``).

    Parameters
    ----------
    geo : mapping
        Its row of :func:`mutusim.inputs.geography.epci_geography`.
    scenario : Scenario
        The scenario.
    services : list of str, optional
        Service codes (default: the whole catalogue).
    seed : int, optional
        Seed of the calibration's productivity spread (default: none).
    rules : bool
        Measure the binding rules (one extra solve, :func:`binding_rules`).

    Returns
    -------
    summary : dict
        Columns of :data:`EPCI_COLUMNS`.
    decisions : DataFrame or None
        ``siren`` + :data:`mutusim.core.result.DECISION_COLUMNS`; None when it failed.
    """
    from mutusim.analysis.binding import binding_rules
    from mutusim.model.pipeline import optimise

    t0 = time.perf_counter()
    siren = str(geo["siren"])
    try:
        territory = epci_territory(siren, services=services, seed=seed)
        # codes were checked once against the catalogue (screen): a commune the scenario
        # names belongs to one EPCI and is ignored in the others
        res = optimise(territory, scenario, check_codes=False)
        t1 = time.perf_counter()
        seconds = {
            "build_seconds": res.build_seconds,
            "solve_seconds": res.solve_seconds or 0.0,
        }
        row = _summary(geo, res, seconds)
        if rules and res.has_plan:
            b = binding_rules(res)
            row["npv_unconstrained"] = b.npv_unconstrained
            row["rules_price"] = b.rules_price
            row["rules_bind"] = bool(b.binding) if b.rules_price is not None else None
            for r in b.active:
                row[f"violations__{r}"] = b.violations.get(r)
                row[f"binds__{r}"] = b.binds.get(r)
            row["binding_seconds"] = time.perf_counter() - t1
        decisions = res.decisions.copy()
        decisions.insert(0, "siren", siren)
    except Exception as exc:  # recorded, never raised: the run goes on
        row = _failure(geo, exc)
        decisions = None
    row["seconds"] = time.perf_counter() - t0
    return row, decisions


def _failure(geo: Mapping[str, Any], exc: BaseException) -> dict[str, Any]:
    row: dict[str, Any] = {c: geo.get(c) for c in GEOGRAPHY_COLUMNS}
    row["status"] = "failed"
    row["error_type"] = type(exc).__name__
    if isinstance(exc, DataError):
        row["error"] = str(exc)
    elif isinstance(exc, MutusimError):
        row["error"] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    else:
        # an unexpected error: where it happened helps more than the message alone
        where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        place = f" (at {Path(where[0].filename).name}:{where[0].lineno})" if where else ""
        row["error"] = f"{exc}{place}"
    return row


# ------------------------------------------------------------------ storage
def _scenario_key(scenario: Scenario) -> dict[str, Any]:
    d = scenario.to_dict()
    d.pop("description", None)
    return json.loads(json.dumps(d, sort_keys=True, default=str))


class _Store:
    """The folder of a screening: manifest, one summary and one decisions file per EPCI."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.epci_dir = path / "epci"
        self.decisions_dir = path / "decisions"
        self.manifest = path / "run.json"

    def open(self, options: dict[str, Any]) -> None:
        """Create the folder, or check that it holds a run of the same scenario and options."""
        if self.manifest.is_file():
            try:
                old = json.loads(self.manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise MutusimError(
                    f"{self.manifest}: unreadable ({exc}); remove the folder or choose another --out"
                ) from exc
            if old.get("layout") != LAYOUT_VERSION or old.get("options") != options:
                changed = sorted(
                    k
                    for k in set(options) | set(old.get("options", {}))
                    if options.get(k) != old.get("options", {}).get(k)
                )
                raise MutusimError(
                    f"{self.path} holds a screening with other options ({', '.join(changed) or 'layout'} "
                    "differ): resuming would mix two runs. Rerun with the same scenario and "
                    "options, or choose another output folder."
                )
            return
        if self.path.exists() and any(self.path.iterdir()):
            raise MutusimError(
                f"{self.path} is not empty and holds no screening (run.json missing); "
                "choose an empty or new output folder."
            )
        manifest = {
            "layout": LAYOUT_VERSION,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "options": options,
        }
        text = json.dumps(manifest, indent=2, ensure_ascii=False)
        atomic_write(self.manifest, lambda p: p.write_text(text, encoding="utf-8"))

    def statuses(self) -> dict[str, str]:
        """SIREN -> status of every EPCI done (summary written)."""
        if not self.epci_dir.is_dir():
            return {}
        files = sorted(self.epci_dir.glob("[0-9]*.parquet"))
        if not files:
            return {}
        table = _read_dataset(files, columns=["siren", "status"])
        return dict(zip(table["siren"].astype(str), table["status"].astype(str), strict=True))

    def write(self, siren: str, summary: bytes, decisions: bytes | None) -> None:
        """Write an EPCI's decisions, then its summary (which marks it done): Parquet bytes."""
        target = self.decisions_dir / f"{siren}.parquet"
        if decisions is not None:
            atomic_write(target, lambda p: p.write_bytes(decisions))
        else:
            target.unlink(missing_ok=True)  # a failure replaces an older result
        atomic_write(self.epci_dir / f"{siren}.parquet", lambda p: p.write_bytes(summary))


def _read_dataset(files: list[Path], columns: list[str] | None = None) -> pd.DataFrame:
    import pyarrow.dataset as ds

    table = ds.dataset([str(f) for f in files], format="parquet").to_table(columns=columns)
    return table.to_pandas()


# ---------------------------------------------------------------- the result
@dataclass(frozen=True)
class Screening:
    """The results of a national screening (plain data).

    Attributes
    ----------
    epcis : DataFrame
        One row per EPCI done (:data:`EPCI_COLUMNS`), sorted by SIREN: its
        geography, ``status`` (a :class:`~mutusim.core.status.Status` value,
        or ``failed`` with ``error_type`` and ``error``), the headline of the
        plan (PRODUCT.md R1, issue 8): ``npv`` [EUR] (net present value of
        the savings over the horizon) and ``npv_per_inhabitant``, the
        long-run yearly ``baseline_cost``, ``total_cost`` and ``savings``
        [EUR/year] (every change in force), ``savings_share`` [-],
        ``savings_per_inhabitant`` [EUR/inhabitant/year], ``total_savings``
        [EUR] (undiscounted, over the horizon), ``services_started`` and
        ``first_start_year``; one-off transition costs [EUR], FTE, counts of
        pairs and pools, and the binding rules: ``npv_unconstrained`` and
        ``rules_price`` [EUR of NPV], ``violations__<rule>``,
        ``binds__<rule>`` (:mod:`mutusim.analysis.binding`); times [s].
    decisions : DataFrame
        ``siren`` + :data:`mutusim.core.result.DECISION_COLUMNS`, every pair of
        every EPCI with a plan, sorted by SIREN, service and commune.
    scenario : Scenario
        The scenario screened.
    path : Path or None
        The folder of the results (None for a screening kept in memory).
    options : dict
        The scenario (as a dict), services, seed and ``rules`` of the run (``run.json``).
    """

    epcis: pd.DataFrame
    decisions: pd.DataFrame
    scenario: Scenario
    path: Path | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def failures(self) -> pd.DataFrame:
        """The EPCIs that failed: SIREN, name, error type and message."""
        f = self.epcis[self.epcis["status"] == "failed"]
        return f[["siren", "name", "error_type", "error"]].reset_index(drop=True)

    @property
    def rules(self) -> pd.DataFrame:
        """One row per EPCI with a plan and checked rule: active, violations, binds (:data:`RULE_COLUMNS`)."""
        e = self.epcis[self.epcis["rules_price"].notna()]
        frames = []
        for rule in CHECKED_RULES:
            v = e[f"violations__{rule}"]
            frames.append(
                pd.DataFrame(
                    {
                        "siren": e["siren"].to_numpy(),
                        "rule": rule,
                        "active": v.notna().to_numpy(),
                        "violations": v.to_numpy(),
                        "binds": e[f"binds__{rule}"].fillna(False).astype(bool).to_numpy(),
                    }
                )
            )
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return out.reindex(columns=RULE_COLUMNS).sort_values(["siren", "rule"], ignore_index=True)

    def __repr__(self) -> str:
        n = len(self.epcis)
        failed = int((self.epcis["status"] == "failed").sum())
        where = f" in {self.path}" if self.path else ""
        return f"<Screening '{self.scenario.name}': {n} EPCIs, {failed} failed{where}>"


def _assemble(
    rows: pd.DataFrame,
    decisions: pd.DataFrame,
    scenario: Scenario,
    path: Path | None,
    options: dict[str, Any],
) -> Screening:
    epcis = _typed(rows, _EPCI_DTYPES).sort_values("siren", ignore_index=True)
    dec = (
        _typed(decisions, _DECISION_DTYPES)
        if len(decisions)
        else _typed(pd.DataFrame(columns=list(_DECISION_DTYPES)), _DECISION_DTYPES)
    )
    dec = dec.sort_values(["siren", "service", "commune"], ignore_index=True)
    return Screening(epcis=epcis, decisions=dec, scenario=scenario, path=path, options=options)


def read_screening(path: str | os.PathLike[str]) -> Screening:
    """Load the results of a screening from its folder (complete or interrupted).

    Parameters
    ----------
    path : str or path-like
        The ``out`` folder of :func:`screen` (``mutusim national --out``).

    Returns
    -------
    Screening

    Raises
    ------
    MutusimError
        The folder holds no screening, or pyarrow is missing.
    """
    _need_extra()
    store = _Store(Path(path))
    if not store.manifest.is_file():
        raise MutusimError(
            f"{path} holds no screening (run.json missing); run `mutusim national --out {path}` first."
        )
    manifest = json.loads(store.manifest.read_text(encoding="utf-8"))
    options = manifest.get("options", {})
    scenario = Scenario.from_dict(options.get("scenario", {}))
    summaries = sorted(store.epci_dir.glob("[0-9]*.parquet")) if store.epci_dir.is_dir() else []
    rows = _read_dataset(summaries) if summaries else pd.DataFrame(columns=EPCI_COLUMNS)
    done = set(rows["siren"].astype(str))
    files = [
        f
        for f in (
            sorted(store.decisions_dir.glob("[0-9]*.parquet"))
            if store.decisions_dir.is_dir()
            else []
        )
        if f.stem in done
    ]
    decisions = _read_dataset(files) if files else pd.DataFrame(columns=list(_DECISION_DTYPES))
    return _assemble(rows, decisions, scenario, Path(path), options)


# ----------------------------------------------------------------- progress
@dataclass(frozen=True)
class Progress:
    """Where a screening stands, handed to the progress callback after each EPCI.

    Attributes
    ----------
    done : int
        EPCIs finished in this run.
    total : int
        EPCIs to compute in this run (the selection minus those already done).
    failed : int
        Of ``done``, those that failed.
    skipped : int
        EPCIs of the selection already done by an earlier run (not recomputed).
    elapsed : float
        Seconds since the first task was submitted [s].
    siren, name : str or None
        The EPCI just finished.
    """

    done: int
    total: int
    failed: int
    skipped: int
    elapsed: float
    siren: str | None = None
    name: str | None = None

    @property
    def rate(self) -> float | None:
        """EPCIs per second so far [1/s]."""
        return self.done / self.elapsed if self.done and self.elapsed > 0 else None

    @property
    def remaining(self) -> float | None:
        """Estimated seconds left at the current rate [s]."""
        rate = self.rate
        return (self.total - self.done) / rate if rate else None


ProgressCallback = Callable[[Progress], None]
_DEFAULT_PROGRESS: Callable[[], ProgressCallback] | None = None


def set_default_progress(factory: Callable[[], ProgressCallback] | None) -> None:
    """Register what ``screen(progress=True)`` shows (the package registers a French bar).

    Parameters
    ----------
    factory : callable or None
        Called once per screening, returns the callback receiving each :class:`Progress`.
    """
    global _DEFAULT_PROGRESS
    _DEFAULT_PROGRESS = factory


# --------------------------------------------------------------- the screen
def _need_extra() -> None:
    missing = []
    for module in ("dask", "distributed", "pyarrow"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise MutusimError(
            f"the national screening needs {', '.join(missing)}: pip install 'mutusim[dask]'"
        )


def _client(client: Any, workers: int | None) -> tuple[Any, Callable[[], None]]:
    """A distributed Client, and how to close what this function opened."""
    from distributed import Client, LocalCluster

    if client is not None and not isinstance(client, str):
        return client, lambda: None
    if isinstance(client, str):
        try:
            c = Client(client, timeout="30s")
        except OSError as exc:
            raise MutusimError(
                f"cannot reach the Dask scheduler at {client} ({exc}); check the address "
                "(e.g. tcp://host:8786) and that the scheduler runs"
            ) from exc
        return c, c.close
    n = workers or os.cpu_count() or 1
    if n < 1:
        raise MutusimError(f"workers must be >= 1, got {workers}")
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    c = Client(cluster)

    def close() -> None:
        c.close()
        cluster.close()

    return c, close


def check_national_scenario(scenario: Scenario, services: Iterable[str] | None = None) -> None:
    """Check, once for the whole run, the codes a national scenario names.

    A screening optimises one scenario on many EPCIs, so its codes are checked
    here rather than against each territory
    (:func:`mutusim.core.scenario.check_scenario`, which each EPCI's solve
    skips): every **service** it names (``force``/``forbid``,
    ``min_level_by_service``, ``billing_keys``, ``stances``,
    ``perimeter_services``, ``hosts``) must be one of the services screened,
    which every EPCI built from the reference data has; a misspelt service
    would otherwise be ignored in every EPCI. A **commune** it names belongs to
    one EPCI: the option applies there and is ignored in the others (each
    EPCI's solve does not fail on it). A host must be ``"EPCI"``: a commune
    host belongs to one territory.

    Parameters
    ----------
    scenario : Scenario
        The scenario of the screening.
    services : iterable of str, optional
        The services screened (default: the whole catalogue).

    Raises
    ------
    NotFoundError
        Every unknown service and every commune host, at once, with the
        closest known service.
    """
    import difflib

    from mutusim.core.schema import EPCI_PARTY
    from mutusim.inputs.datasets import SERVICE_CATALOGUE

    known = (
        [str(c) for c in SERVICE_CATALOGUE["service"]]
        if services is None
        else [str(c) for c in services]
    )
    sc = scenario
    named: list[tuple[str, str]] = []
    for option in ("force", "forbid"):
        named += [(f"{option}[{i}]", d.service) for i, d in enumerate(getattr(sc, option))]
    for option in ("min_level_by_service", "billing_keys", "stances", "hosts"):
        named += [(option, str(code)) for code in getattr(sc, option)]
    named += [("perimeter_services", str(code)) for code in sc.perimeter_services or ()]
    problems = []
    for where, code in named:
        if code == "*" or code in known:
            continue
        close = difflib.get_close_matches(code, known, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        problems.append(f"{where}: unknown service '{code}'{hint}")
    for svc, host in sc.hosts.items():
        if host != EPCI_PARTY:
            problems.append(
                f"hosts[{svc}]: a commune host ('{host}') belongs to one EPCI; "
                f"use '{EPCI_PARTY}' in a national scenario"
            )
    if problems:
        raise NotFoundError(
            f"scenario '{sc.name}' cannot be screened nationally: " + "; ".join(problems)
        )


def screen(
    epcis: object = None,
    scenario: Scenario | None = None,
    client: Any = None,
    *,
    out: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    services: Iterable[str] | None = None,
    seed: int | None = None,
    rules: bool = True,
    retry_failed: bool = False,
    progress: bool | ProgressCallback = True,
) -> Screening:
    """Optimise ``scenario`` on every selected EPCI of France, one Dask task each.

    Parameters
    ----------
    epcis : optional
        Which EPCIs: None (all 1,255), a SIREN or name, a list of them, or a
        table with a ``siren`` column (e.g. :func:`select_epcis`).
    scenario : Scenario, optional
        The scenario (default ``Scenario()``).
    client : distributed.Client or str, optional
        Where to run: a Client, or a scheduler's address (``tcp://host:8786``);
        default a ``LocalCluster`` of ``workers`` single-threaded processes,
        closed at the end.
    out : str or path-like, optional
        Folder of the results, written as each EPCI finishes; an existing
        screening there is resumed (same scenario and options required).
        Default: results kept in memory only.
    workers : int, optional
        Workers of the default LocalCluster (default: the machine's cores).
    services : iterable of str, optional
        Service codes of each territory (default: the whole catalogue).
    seed : int, optional
        Seed of the calibration's productivity spread (default: none).
    rules : bool
        Measure which rules bind (one extra solve per EPCI, :mod:`mutusim.analysis.binding`).
    retry_failed : bool
        On resume, compute again the EPCIs that failed before.
    progress : bool or callable
        Show a progress bar (True: the registered default, a French bar on
        stderr), nothing (False), or call this function with a
        :class:`Progress` after each EPCI.

    Returns
    -------
    Screening
        Every EPCI of the selection done so far (with ``out``: including
        those of earlier runs).

    Raises
    ------
    MutusimError
        The extra ``mutusim[dask]`` is missing, the selection is unknown, the
        scenario names a service not screened (:func:`check_national_scenario`),
        or ``out`` holds a screening of other options.
    """
    _need_extra()
    sc = scenario or Scenario()
    selection = _selection(epcis)
    service_list = None if services is None else [str(s) for s in services]
    check_national_scenario(sc, service_list)
    options = {
        "scenario": _scenario_key(sc),
        "services": service_list,
        "seed": seed,
        "rules": bool(rules),
    }
    store = _Store(Path(out)) if out is not None else None
    statuses: dict[str, str] = {}
    if store is not None:
        store.open(options)
        statuses = store.statuses()
    done_before = {s for s, st in statuses.items() if not (retry_failed and st == "failed")}
    todo = selection[~selection["siren"].isin(done_before)]
    skipped = len(selection) - len(todo)

    callback: ProgressCallback | None
    if progress is True:
        callback = _DEFAULT_PROGRESS() if _DEFAULT_PROGRESS is not None else None
    elif progress is False or progress is None:
        callback = None
    else:
        callback = progress

    parts: list[tuple[bytes, bytes | None]] = []
    if len(todo):
        _run(
            todo,
            sc,
            service_list,
            seed,
            bool(rules),
            client,
            workers,
            store,
            parts,
            callback,
            skipped,
        )
    elif callback is not None:
        callback(Progress(0, 0, 0, skipped, 0.0))
    if store is not None:
        wanted = set(selection["siren"])
        full = read_screening(store.path)
        keep = full.epcis["siren"].isin(wanted)
        return Screening(
            epcis=full.epcis[keep].reset_index(drop=True),
            decisions=full.decisions[full.decisions["siren"].isin(wanted)].reset_index(drop=True),
            scenario=sc,
            path=store.path,
            options=options,
        )
    summaries = [pd.read_parquet(io.BytesIO(a)) for a, _b in parts]
    frames = [pd.read_parquet(io.BytesIO(b)) for _a, b in parts if b is not None]
    rows = (
        pd.concat(summaries, ignore_index=True)
        if summaries
        else pd.DataFrame(columns=EPCI_COLUMNS)
    )
    dec = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=list(_DECISION_DTYPES))
    )
    return _assemble(rows, dec, sc, None, options)


def _run(
    todo: pd.DataFrame,
    scenario: Scenario,
    services: list[str] | None,
    seed: int | None,
    rules: bool,
    client: Any,
    workers: int | None,
    store: _Store | None,
    parts: list[tuple[bytes, bytes | None]],
    callback: ProgressCallback | None,
    skipped: int,
) -> None:
    from distributed import as_completed

    geo_rows = todo.to_dict("records")
    c, close = _client(client, workers)
    futures = []
    try:
        token = uuid.uuid4().hex[:8]
        by_key = {}
        # the largest EPCIs first: the long tasks start early and the workers finish together
        for geo in sorted(geo_rows, key=lambda g: (-int(g["communes"]), g["siren"])):
            fut = c.submit(
                _screen_task,
                geo,
                scenario,
                services,
                seed,
                rules,
                key=f"mutusim-screen-{geo['siren']}-{token}",
                priority=int(geo["communes"]),
                pure=False,
            )
            futures.append(fut)
            by_key[fut.key] = geo
        t0 = time.perf_counter()
        failed = 0
        for done, fut in enumerate(as_completed(futures), start=1):
            geo = by_key[fut.key]
            try:
                status, summary, decisions = fut.result()
            except (
                Exception
            ) as exc:  # the task itself never raises: a lost worker, a pickling error
                status, summary, decisions = _encode(_failure(geo, exc), None)
            fut.release()
            if store is not None:
                store.write(str(geo["siren"]), summary, decisions)
            else:
                parts.append((summary, decisions))
            failed += status == "failed"
            if callback is not None:
                callback(
                    Progress(
                        done,
                        len(geo_rows),
                        failed,
                        skipped,
                        time.perf_counter() - t0,
                        str(geo["siren"]),
                        str(geo["name"]),
                    )
                )
    except BaseException:
        if futures:
            c.cancel(futures)
        raise
    finally:
        close()


# ---------------------------------------------------------------- summaries
def _with_plan(s: Screening) -> pd.DataFrame:
    return s.epcis[s.epcis["total_cost"].notna()]


def _group_columns(by: str) -> list[str]:
    """The key, its name, and for a département its région (each département lies in one)."""
    if by == "departement":
        return ["departement", "departement_name", "region", "region_name"]
    if by == "region":
        return ["region", "region_name"]
    return [by]


def by_group(screening: Screening, by: str = "nature") -> pd.DataFrame:
    """NPV and savings of the screened EPCIs by nature, département, région or fiscal regime.

    Parameters
    ----------
    screening : Screening
        A screening.
    by : str
        One of :data:`GROUP_KEYS`.

    Returns
    -------
    DataFrame
        One row per group, by decreasing NPV: the key (and its name for
        départements and régions; a département's région too), ``epcis`` screened, ``with_plan``,
        ``failed``, ``communes``, ``population`` [inhabitants] (of the EPCIs
        with a plan), ``npv`` [EUR] (over the horizon, summed),
        ``npv_per_inhabitant`` [EUR/inhabitant], the long-run
        ``baseline_cost``, ``total_cost``, ``savings``
        [EUR/year], ``savings_share`` [-] (savings / baseline cost),
        ``savings_per_inhabitant`` [EUR/inhabitant/year],
        ``median_savings_share`` [-] (of its EPCIs) and ``rules_bind``
        (EPCIs where a rule binds).
    """
    if by not in GROUP_KEYS:
        raise NotFoundError(f"by_group(by='{by}'): choose among {', '.join(GROUP_KEYS)}")
    e = screening.epcis
    keys = _group_columns(by)
    plan = e["total_cost"].notna()
    work = e.assign(
        _plan=plan,
        _failed=e["status"] == "failed",
        _communes=e["communes"].where(plan, 0),
        _population=e["population"].where(plan, 0),
        _bind=e["rules_bind"].fillna(False).astype(bool),
    )
    g = work.groupby(keys, dropna=False)
    out = pd.DataFrame(
        {
            "epcis": g.size(),
            "with_plan": g["_plan"].sum(),
            "failed": g["_failed"].sum(),
            "communes": g["_communes"].sum(),
            "population": g["_population"].sum(),
            "baseline_cost": g["baseline_cost"].sum(min_count=1).where(g["_plan"].sum() > 0),
            "total_cost": g["total_cost"].sum(min_count=1),
            "savings": g["savings"].sum(min_count=1),
            "npv": g["npv"].sum(min_count=1),
            "median_savings_share": g["savings_share"].median(),
            "rules_bind": g["_bind"].sum(),
        }
    )
    base = work[work["_plan"]].groupby(keys, dropna=False)["baseline_cost"].sum()
    out["baseline_cost"] = base.reindex(out.index)
    out["savings_share"] = out["savings"] / out["baseline_cost"]
    out["savings_per_inhabitant"] = out["savings"] / out["population"].where(out["population"] > 0)
    out["npv_per_inhabitant"] = out["npv"] / out["population"].where(out["population"] > 0)
    out = out.reset_index()
    cols = [
        *keys,
        "epcis",
        "with_plan",
        "failed",
        "communes",
        "population",
        "npv",
        "npv_per_inhabitant",
        "baseline_cost",
        "total_cost",
        "savings",
        "savings_share",
        "savings_per_inhabitant",
        "median_savings_share",
        "rules_bind",
    ]
    out = out[cols]
    for c in ("epcis", "with_plan", "failed", "communes", "population", "rules_bind"):
        out[c] = out[c].astype("int64")
    return out.sort_values(
        ["npv", "savings", by],
        ascending=[False, False, True],
        na_position="last",
        ignore_index=True,
    )


def largest(screening: Screening, n: int = 20, by: str = "npv") -> pd.DataFrame:
    """The ``n`` EPCIs with the largest potential.

    Parameters
    ----------
    screening : Screening
        A screening.
    n : int
        How many.
    by : str
        ``npv`` [EUR] (over the horizon, the default), ``npv_per_inhabitant``
        [EUR/inhabitant], or the long-run ``savings`` [EUR/year],
        ``savings_share`` [-] or ``savings_per_inhabitant`` [EUR/inhabitant/year].

    Returns
    -------
    DataFrame
        Rows of :attr:`Screening.epcis` (EPCIs with a plan), largest first
        (ties by SIREN).
    """
    allowed = ("npv", "npv_per_inhabitant", "savings", "savings_share", "savings_per_inhabitant")
    if by not in allowed:
        raise NotFoundError(f"largest(by='{by}'): choose among {', '.join(allowed)}")
    e = _with_plan(screening)
    return e.sort_values([by, "siren"], ascending=[False, True], ignore_index=True).head(int(n))


def rule_frequency(screening: Screening, by: str | None = None) -> pd.DataFrame:
    """How often each checked rule binds: in how many EPCIs, overall or per group.

    Parameters
    ----------
    screening : Screening
        A screening measured with ``rules=True``.
    by : str, optional
        One of :data:`GROUP_KEYS`; None for France as a whole.

    Returns
    -------
    DataFrame
        One row per rule (and group): ``rule``, ``epcis`` (EPCIs where the
        rule was active and measured), ``binds`` (where it binds), ``share``
        [-] (binds / epcis), ``violations`` (pairs, pools or services where
        the unconstrained optimum breaks it, summed), ``rules_price``
        [EUR of NPV] (summed over the EPCIs where it binds: what the rules
        cost together there). Sorted by decreasing ``binds``.
    """
    if by is not None and by not in GROUP_KEYS:
        raise NotFoundError(f"rule_frequency(by='{by}'): choose among {', '.join(GROUP_KEYS)}")
    r = screening.rules
    r = r[r["active"]]
    e = screening.epcis.set_index("siren")
    keys = _group_columns(by) if by else []
    for k in keys:
        r = r.assign(**{k: e[k].reindex(r["siren"]).to_numpy()})
    r = r.assign(
        _price=e["rules_price"].reindex(r["siren"]).to_numpy(),
        violations=r["violations"].astype("float64"),
    )
    r = r.assign(_bound_price=r["_price"].where(r["binds"], 0.0))
    g = r.groupby([*keys, "rule"], dropna=False)
    out = pd.DataFrame(
        {
            "epcis": g.size(),
            "binds": g["binds"].sum(),
            "violations": g["violations"].sum(),
            "rules_price": g["_bound_price"].sum(),
        }
    ).reset_index()
    out["epcis"] = out["epcis"].astype("int64")
    out["binds"] = out["binds"].astype("int64")
    out["violations"] = out["violations"].astype("int64")
    out["share"] = out["binds"] / out["epcis"]
    out = out[[*keys, "rule", "epcis", "binds", "share", "violations", "rules_price"]]
    return out.sort_values(
        [*keys, "binds", "rule"], ascending=[True] * len(keys) + [False, True], ignore_index=True
    )
