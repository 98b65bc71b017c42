"""One consistent result folder: tables, workbook and report written as one set.

:func:`write_outputs` writes the CSV tables, ``resultats.xlsx``,
``rapport.html`` and a ``manifest.json`` into a staging folder beside the
target, then swaps it in with two renames, under a lock file (PRODUCT.md Q3):

* a run killed midway leaves the previous complete set in place (and a
  hidden staging folder, removed by the next run);
* two runs writing to the same folder take turns: each final folder holds
  one run's complete set, never a mix of two scenarios;
* a folder that holds files mutusim did not write (not listed in its
  manifest, not a result file name) is not replaced unless ``force``: then
  mutusim's files are replaced one by one and the others left untouched, the
  manifest written last (a folder without manifest is an incomplete set).

The manifest names the scenario (all its options), the territory and a
checksum of its tables, the checksums of the input files given, the files
written with theirs, and the versions of mutusim and of the libraries that
computed the result. Writing never solves: the analyses are computed once by
the caller (:func:`mutusim.analyse`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from mutusim.analysis.suite import Analyses
from mutusim.core.result import Result
from mutusim.errors import OutputError
from mutusim.inputs.io import territory_to_frames
from mutusim.present.report import write_html
from mutusim.present.workbook import SHEETS, write_result

__all__ = ["LOCK_WAIT", "MANIFEST", "REPORT", "WORKBOOK", "read_manifest", "write_outputs"]

#: File names of the set (besides one CSV per table of :data:`~mutusim.present.workbook.SHEETS`).
MANIFEST = "manifest.json"
REPORT = "rapport.html"
WORKBOOK = "resultats.xlsx"
#: How long a run waits for another one writing the same folder [s].
LOCK_WAIT = 120.0
#: Libraries whose versions the manifest records.
_LIBRARIES = ("numpy", "pandas", "scipy", "pulp", "highspy", "openpyxl", "matplotlib", "pyyaml")


def write_outputs(
    result: Result,
    folder: str | os.PathLike[str],
    analyses: Analyses | None = None,
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    force: bool = False,
    wait: float = LOCK_WAIT,
) -> dict[str, Path]:
    """Write the whole result set into ``folder`` at once, with a manifest.

    Parameters
    ----------
    result : Result
        Any result (without a plan, the tables are empty and the report says why).
    folder : str or path-like
        The result folder; created, or replaced as a whole if it holds a
        previous result of mutusim.
    analyses : Analyses, optional
        Roadmap, allocation, rule prices (:func:`mutusim.analyse`).
    inputs : iterable of path
        Input files or folders (territory, scenario) whose checksums the
        manifest records; a folder counts for each file directly in it.
    force : bool
        Write into a folder that holds other files: mutusim's files are
        replaced, the others kept.
    wait : float
        Seconds to wait for another run writing the same folder [s].

    Returns
    -------
    dict of str to Path
        Paths in ``folder`` by table name, plus ``workbook``, ``report`` and ``manifest``.

    Raises
    ------
    OutputError
        ``folder`` is a file, holds files that are not mutusim's (without
        ``force``), or another run kept it locked longer than ``wait``.
    """
    out = Path(folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _lock(out, wait):
        _clean_leftovers(out)
        foreign = _foreign_files(out)
        if foreign and not force:
            shown = ", ".join(sorted(foreign)[:5]) + (", …" if len(foreign) > 5 else "")
            raise OutputError(
                f"{out} holds files that mutusim did not write ({shown}); choose an empty or "
                "new folder for the results, or give --force to replace mutusim's files there"
            )
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
        try:
            _write_set(result, staging, analyses, inputs)
            if foreign:
                _merge_into(staging, out)
            else:
                _swap(staging, out)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    written = read_manifest(out)["files"]
    paths = {_key(name): out / name for name in written}
    return paths | {"manifest": out / MANIFEST}


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a result folder written by :func:`write_outputs`.

    Parameters
    ----------
    folder : str or path-like
        A result folder.

    Returns
    -------
    dict
        ``generator``, ``mutusim``, ``created``, ``status``, ``scenario``,
        ``territory``, ``inputs``, ``versions``, ``files`` (name -> sha256).

    Raises
    ------
    OutputError
        No readable manifest: not a result folder of mutusim, or an incomplete one.
    """
    path = Path(folder) / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OutputError(f"{path}: no readable manifest ({exc})") from None
    if not isinstance(doc, dict) or doc.get("generator") != "mutusim":
        raise OutputError(f"{path}: not a manifest written by mutusim")
    return doc


# ------------------------------------------------------------------ the set
#: Files an operating system drops in a folder someone browsed: not the user's work.
_SYSTEM_CLUTTER = {".DS_Store", "Thumbs.db", "desktop.ini"}


def _result_names() -> set[str]:
    """File names mutusim writes in a result folder (and system clutter it may drop)."""
    return {f"{t}.csv" for t in SHEETS.values()} | {WORKBOOK, REPORT, MANIFEST} | _SYSTEM_CLUTTER


def _key(name: str) -> str:
    if name == WORKBOOK:
        return "workbook"
    if name == REPORT:
        return "report"
    return name.removesuffix(".csv")


def _write_set(
    result: Result,
    staging: Path,
    analyses: Analyses | None,
    inputs: Iterable[str | os.PathLike[str]],
) -> None:
    write_result(result, staging, analyses)
    write_html(result, staging / REPORT, analyses)
    files = {
        f.name: _sha256(f) for f in sorted(staging.iterdir()) if f.is_file() and f.name != MANIFEST
    }
    manifest = _manifest(result, inputs) | {"files": files}
    text = json.dumps(manifest, ensure_ascii=False, indent=2, default=str)
    (staging / MANIFEST).write_text(text + "\n", encoding="utf-8")


def _manifest(result: Result, inputs: Iterable[str | os.PathLike[str]]) -> dict[str, Any]:
    from mutusim import __version__

    t = result.territory
    tables = hashlib.sha256()
    for name, df in territory_to_frames(t).items():
        tables.update(name.encode())
        tables.update(df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for lib in _LIBRARIES:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            versions[lib] = None
    return {
        "generator": "mutusim",
        "mutusim": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "status": str(result.status),
        "scenario": result.scenario.to_dict(),
        "territory": {
            "name": t.name,
            "siren": str(t.epci.get("siren")),
            "nature": t.nature,
            "communes": len(t.communes),
            "services": len(t.services),
            "tables_sha256": tables.hexdigest(),
        },
        "inputs": [_input_entry(Path(p)) for p in inputs],
        "versions": versions,
    }


def _input_entry(path: Path) -> dict[str, Any]:
    """Checksums of an input file, or of each file directly in an input folder."""
    if path.is_dir():
        files = {f.name: _sha256(f) for f in sorted(path.iterdir()) if f.is_file()}
        return {"path": str(path.resolve()), "files": files}
    return {"path": str(path.resolve()), "sha256": _sha256(path) if path.is_file() else None}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ----------------------------------------------------------- the folder swap
def _foreign_files(out: Path) -> set[str]:
    """Names in ``out`` that are not mutusim's (its manifest's, or result file names)."""
    if not out.exists():
        return set()
    if not out.is_dir():
        raise OutputError(f"{out} is a file, not a folder; give a folder for the results")
    ours = _result_names()
    with contextlib.suppress(OutputError):
        ours |= set(read_manifest(out)["files"])
    return {f.name for f in out.iterdir()} - ours


def _swap(staging: Path, out: Path) -> None:
    """Put ``staging`` in place of ``out`` with two renames (the old set removed after)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp creates 0700
    if not out.exists():
        os.replace(staging, out)
        return
    old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    os.replace(out, old)
    try:
        os.replace(staging, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _merge_into(staging: Path, out: Path) -> None:
    """``force`` into a folder with other files: replace mutusim's files one by one, manifest last."""
    (out / MANIFEST).unlink(missing_ok=True)  # no manifest: an incomplete set
    new = {f.name for f in staging.iterdir()}
    for name in _result_names() - new:
        (out / name).unlink(missing_ok=True)  # a table of the previous set that this one lacks
    for f in sorted(staging.iterdir(), key=lambda f: f.name == MANIFEST):
        os.replace(f, out / f.name)


def _clean_leftovers(out: Path) -> None:
    """Staging and old folders of runs killed midway (under the lock, so none is in use)."""
    for pattern in (f".{out.name}.staging-*", f".{out.name}.old-*"):
        for leftover in out.parent.glob(pattern):
            shutil.rmtree(leftover, ignore_errors=True)


# --------------------------------------------------------------------- lock
@contextlib.contextmanager
def _lock(out: Path, wait: float) -> Iterator[None]:
    """Hold ``.<name>.mutusim-lock`` beside ``out`` while writing; wait for another holder."""
    lock = out.parent / f".{out.name}.mutusim-lock"
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(lock)
            if holder == "":  # released meanwhile
                continue
            if holder is None:  # its process is gone: a run that was killed
                stale = lock.with_name(f"{lock.name}.stale-{uuid.uuid4().hex[:8]}")
                with contextlib.suppress(FileNotFoundError):
                    os.replace(lock, stale)
                    stale.unlink()
                continue
            if time.monotonic() > deadline:
                raise OutputError(
                    f"{out}: another mutusim run ({holder}) is writing this folder; wait for it "
                    f"to end, or delete {lock} if no run is active"
                ) from None
            time.sleep(0.2)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}, f)
        break
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _holder(lock: Path) -> str | None:
    """Who holds the lock (``"pid N on host"``); None when that process no longer runs, ``""``
    when the lock is gone."""
    try:
        info = json.loads(lock.read_text(encoding="utf-8"))
        pid, host = int(info["pid"]), str(info["host"])
    except FileNotFoundError:
        return ""
    except (OSError, ValueError, KeyError, TypeError):
        # being written right now, or garbled: stale once old
        try:
            age = time.time() - lock.stat().st_mtime
        except OSError:
            return ""
        return None if age > 3600 else "unknown"
    if host == socket.gethostname() and sys.platform != "win32" and not _alive(pid):
        return None
    return f"pid {pid} on {host}"


def _alive(pid: int) -> bool:
    """True when process ``pid`` runs (POSIX; signal 0 only checks)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
