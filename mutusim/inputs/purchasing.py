"""Purchase spend for groupements de commandes: the illustrative calibration and a user's file.

The optional table ``purchases.csv`` has one row per commune and purchasing
category: ``commune`` (INSEE code), ``category`` (free text code),
``spend`` [EUR/year, the part of the category's purchases that a joint
contract could cover]. Without it, :func:`default_purchases` derives each
commune's spend from its population and the calibration
(``data/calibration/purchasing.csv``: spend per inhabitant and groupable
share per category, illustrative, DOMAIN.md §1.5).
"""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import pandas as pd

from mutusim.core.purchasing import PurchasingParams
from mutusim.core.territory import Territory
from mutusim.errors import DataError, Problem

__all__ = [
    "PURCHASE_COLUMNS",
    "default_purchases",
    "purchasing_categories",
    "purchasing_params",
    "read_purchases",
]

#: Columns of a purchases table.
PURCHASE_COLUMNS = ["commune", "category", "spend"]


def _rows(name: str) -> list[dict[str, str]]:
    path = resources.files("mutusim.data").joinpath("calibration").joinpath(name)
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def purchasing_categories() -> pd.DataFrame:
    """The calibrated purchasing categories (illustrative).

    Returns
    -------
    DataFrame
        Index ``category``; columns ``name`` (French), ``spend_per_inhabitant``
        [EUR per inhabitant per year], ``groupable_share`` [-], ``source``,
        ``status``.

    Examples
    --------
    >>> purchasing_categories().loc["energie", "spend_per_inhabitant"]
    np.float64(60.0)
    """
    df = pd.DataFrame(_rows("purchasing.csv")).set_index("category")
    for col in ("spend_per_inhabitant", "groupable_share"):
        df[col] = df[col].astype(float)
    return df


def purchasing_params() -> PurchasingParams:
    """The calibrated price tiers and costs of groupements (illustrative, DOMAIN.md §1.5).

    Returns
    -------
    PurchasingParams
    """
    tiers = tuple(
        (float(r["volume"]), float(r["price_cut"])) for r in _rows("purchasing_tiers.csv")
    )
    costs = {r["parameter"]: float(r["value"]) for r in _rows("purchasing_costs.csv")}
    return PurchasingParams(tiers, costs["coordinator_cost"], costs["member_cost"])


def default_purchases(territory: Territory) -> pd.DataFrame:
    """Each commune's groupable spend per category from its population (illustrative).

    ``population × spend_per_inhabitant × groupable_share``.

    Parameters
    ----------
    territory : Territory

    Returns
    -------
    DataFrame
        Columns :data:`PURCHASE_COLUMNS`.
    """
    cats = purchasing_categories()
    rows = [
        (str(c), str(k), round(float(pop) * cat.spend_per_inhabitant * cat.groupable_share, 2))
        for k, cat in cats.iterrows()
        for c, pop in territory.communes["population"].items()
    ]
    return pd.DataFrame(rows, columns=PURCHASE_COLUMNS)


def read_purchases(path: str | Path, territory: Territory) -> pd.DataFrame:
    """Read and check a ``purchases.csv`` for ``territory``.

    Parameters
    ----------
    path : str or Path
        A CSV file (UTF-8, comma separated, decimal point) with the columns
        :data:`PURCHASE_COLUMNS`.
    territory : Territory
        Its communes are the only valid codes.

    Returns
    -------
    DataFrame
        Columns :data:`PURCHASE_COLUMNS`, ``spend`` as float.

    Raises
    ------
    DataError
        Every problem at once, each naming the file, line, column and the fix.
    """
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(
            [Problem(name, None, None, f"cannot be read ({exc}).", "Save it as UTF-8 CSV.")],
            str(path),
        ) from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in PURCHASE_COLUMNS if c not in header]
    if missing:
        raise DataError(
            [
                Problem(
                    name,
                    1,
                    None,
                    f"missing column(s) {missing}.",
                    f"Write the header {','.join(PURCHASE_COLUMNS)}.",
                )
            ],
            str(path),
        )
    communes = {str(c) for c in territory.communes.index}
    problems: list[Problem] = []
    rows = []
    seen: dict[tuple[str, str], int] = {}
    for line, raw in enumerate(reader, start=2):
        rec = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        c, k, s = rec.get("commune", ""), rec.get("category", ""), rec.get("spend", "")
        if c not in communes:
            problems.append(
                Problem(
                    name,
                    line,
                    "commune",
                    f"'{c}' is not a commune of {territory.name}.",
                    "Write the INSEE code of a member commune (5 characters, e.g. 49007).",
                )
            )
        if not k:
            problems.append(
                Problem(name, line, "category", "empty category.", "Name the category.")
            )
        try:
            spend = float(s)
            if not spend >= 0 or spend == float("inf"):
                raise ValueError
        except ValueError:
            problems.append(
                Problem(
                    name,
                    line,
                    "spend",
                    f"'{s}' is not a spend in EUR/year.",
                    "Write a number >= 0 with a decimal point and no thousands separator.",
                )
            )
            spend = 0.0
        if (c, k) in seen:
            problems.append(
                Problem(
                    name,
                    line,
                    "category",
                    f"commune {c} and category '{k}' already on line {seen[(c, k)]}.",
                    "Keep one row per commune and category.",
                )
            )
        seen.setdefault((c, k), line)
        rows.append((c, k, spend))
    if problems:
        raise DataError(problems, str(path))
    return pd.DataFrame(rows, columns=PURCHASE_COLUMNS)
