"""Table schemas of a territory: one definition drives validation and docs.

A territory is five tables (:data:`TABLES`). Each column is declared once,
with its type, unit, default and meaning; :mod:`mutusim.inputs.validation`
checks input against these declarations and ``docs/data-format.md`` is
generated from them (``make docs``; ``tests/core/test_schema.py`` keeps the
two in step).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "BASELINE",
    "COMMUNES",
    "EPCI",
    "EPCI_PARTY",
    "FISCALITES",
    "MAX_POOLED_FTE",
    "MODES",
    "MODE_PARAMS",
    "NATURES",
    "POOL_MODES",
    "SERVICES",
    "TABLES",
    "TABLES_BY_NAME",
    "Column",
    "Table",
    "markdown",
]

#: Decision modes of a (service, commune) pair (PRODUCT.md, "Mode").
MODES: tuple[str, ...] = ("keep", "share", "transfer")
#: Modes that run the service as a pooled unit (one per service and mode).
POOL_MODES: tuple[str, ...] = ("share", "transfer")
#: Natures of EPCI à fiscalité propre (DOMAIN.md §1.1, glossary).
NATURES: tuple[str, ...] = ("CC", "CA", "CU", "METRO", "MET69")
#: Fiscal regimes (DOMAIN.md glossary).
FISCALITES: tuple[str, ...] = ("FPU", "FA")
#: Code of the EPCI itself as a party of the baseline (its own services) and as the
#: host of a pooled unit, beside the INSEE codes of its communes (DOMAIN.md §1.3).
EPCI_PARTY = "EPCI"


@dataclass(frozen=True)
class Column:
    """Declaration of one column of an input table.

    Attributes
    ----------
    name : str
        Column header.
    kind : str
        ``code``, ``str``, ``int``, ``float``, ``bool``, ``choice`` or ``list``.
    unit : str
        Unit of the values (``-`` when none).
    description : str
        Meaning, for the documentation.
    required : bool
        The column must be present and filled.
    default : object
        Value of an empty cell of an optional column.
    minimum, maximum : float or None
        Bounds of a number.
    choices : tuple of str
        Allowed values of a ``choice`` column.
    width : int or None
        Exact width of a ``code`` column, leading zeros included.
    also : tuple of str
        Other values a ``code`` column accepts (``EPCI`` beside INSEE codes).
    plausible : str
        Why ``maximum`` (or a plausibility ``minimum``) is where it is: shown
        with a value out of bounds, which is most often a unit mistake.
    """

    name: str
    kind: str  # "code", "str", "int", "float", "bool", "choice", "list"
    unit: str
    description: str
    required: bool = True
    default: object = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    #: for "code" columns: the exact width that leading zeros must keep
    width: int | None = None
    #: for "code" columns: other accepted values (e.g. ``EPCI`` beside INSEE codes)
    also: tuple[str, ...] = ()
    plausible: str = ""


@dataclass(frozen=True)
class Table:
    """Declaration of one input table (one CSV file or one workbook sheet).

    Attributes
    ----------
    name : str
        Table name (file ``<name>.csv`` or sheet ``<name>``).
    description : str
        What one row is.
    columns : tuple of Column
        The columns, in file order.
    key : tuple of str
        Columns whose values are unique together.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default=())

    @property
    def file(self) -> str:
        """File name of the table in a CSV folder."""
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        """The declaration of column ``name`` (KeyError if absent).

        Parameters
        ----------
        name : str
            Column header.

        Returns
        -------
        Column
        """
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        """Column headers, in file order."""
        return [c.name for c in self.columns]


EPCI = Table(
    "epci",
    "The intercommunal body itself: exactly one row.",
    (
        Column("siren", "code", "-", "SIREN number of the EPCI (9 digits).", width=9),
        Column("name", "str", "-", "Name of the EPCI."),
        Column(
            "nature",
            "choice",
            "-",
            "Legal category: CC, CA, CU, METRO or MET69 (DOMAIN.md §1.1). It fixes "
            "which competences are mandatory (services.mandatory_for).",
            choices=NATURES,
        ),
        Column(
            "fiscalite",
            "choice",
            "-",
            "Fiscal regime: FPU (single business tax, attribution de compensation "
            "paid to communes) or FA (additional taxation).",
            choices=FISCALITES,
        ),
    ),
)

COMMUNES = Table(
    "communes",
    "Member communes of the EPCI: one row per commune.",
    (
        Column(
            "commune",
            "code",
            "-",
            "INSEE code of the commune, as text with its leading zero (01001, 2A004).",
            width=5,
        ),
        Column("name", "str", "-", "Name of the commune."),
        Column(
            "population",
            "int",
            "inhabitants",
            "Population municipale (INSEE legal population).",
            minimum=0,
            maximum=10_000_000,
            plausible="Paris, the largest French commune, has 2.1 million inhabitants",
        ),
        Column(
            "polarity",
            "bool",
            "-",
            "True if the commune is a polarity of the SCoT (used to define perimeters).",
            required=False,
            default=False,
        ),
        Column(
            "potentiel_financier",
            "float",
            "EUR/inhabitant",
            "Potentiel financier per inhabitant (optional, informative).",
            required=False,
            default=None,
            minimum=0,
            maximum=100_000,
            plausible="French communes range from a few hundred to a few thousand EUR per inhabitant",
        ),
    ),
    key=("commune",),
)

SERVICES = Table(
    "services",
    "Catalogue of the services communes run: one row per service.",
    (
        Column(
            "service",
            "code",
            "-",
            "Short identifier of the service: lower-case letters, digits and '_' (e.g. rh_paie).",
        ),
        Column("name", "str", "-", "Label shown to the committee (French)."),
        Column(
            "domain", "str", "-", "Domain (famille de métiers), e.g. 'Pilotage et ressources'."
        ),
        Column(
            "unit", "str", "-", "Unit of work of the service (bulletins de paie, dossiers ADS…)."
        ),
        Column(
            "transferable",
            "bool",
            "-",
            "True if the service is a competence that may be transferred to the EPCI "
            "(L5211-17, DOMAIN.md §1.1). Support functions are not competences: False.",
        ),
        Column(
            "mandatory_for",
            "list",
            "-",
            "EPCI natures for which the competence is mandatory by law, separated by ';' "
            "(e.g. 'CU;METRO'). For such an EPCI the transfer is fixed, not a decision.",
            required=False,
            default="",
        ),
    ),
    key=("service",),
)

BASELINE = Table(
    "baseline",
    "État des lieux: today's situation for each commune and service it runs.",
    (
        Column(
            "commune",
            "code",
            "-",
            "INSEE code of the commune (see communes), or EPCI for the EPCI's own service: "
            "the staff and costs it bears today for itself (optional rows; DOMAIN.md §1.3).",
            width=5,
            also=(EPCI_PARTY,),
        ),
        Column("service", "code", "-", "Service identifier (see services)."),
        Column(
            "fte",
            "float",
            "FTE",
            "Staff in the service today, full-time equivalents.",
            minimum=0,
            maximum=50_000,
            plausible="Paris, the largest French commune, employs about 50,000 agents in all",
        ),
        Column(
            "fte_posts",
            "float",
            "FTE",
            "Part of fte held by agents who work entirely in the service: a whole number of "
            "posts, at most fte. They move with the service to a pooled unit (transferred by "
            "law, L5211-4-1, L5211-4-2), and leave only as whole agents; the rest of fte is "
            "shares of agents who also work elsewhere, made available (mis à disposition) and "
            "kept on the commune's payroll (DOMAIN.md §1.1, §1.3, §3). Empty: the whole part "
            "of fte.",
            required=False,
            default=None,
            minimum=0,
            maximum=50_000,
            plausible="Paris, the largest French commune, employs about 50,000 agents in all",
        ),
        Column(
            "cost",
            "float",
            "EUR/year",
            "Annual operating cost of the service for the commune today, staff included.",
            minimum=0,
            maximum=1e10,
            plausible="10 billion EUR/year exceeds the whole budget of any French commune",
        ),
        Column(
            "units",
            "float",
            "units of work/year",
            "Yearly volume of work, in the unit of the service.",
            minimum=0,
            maximum=1e10,
            plausible="ten billion units of work a year is beyond any service of a commune",
        ),
        Column(
            "level",
            "float",
            "score 0-100",
            "Service level reached today (expertise, continuity, proximity, delay).",
            minimum=0,
            maximum=100,
        ),
        Column(
            "equipment_charge",
            "float",
            "EUR/year",
            "Annualised cost of the service's equipment (acquisition or renewal over a normal "
            "life) that the CLECT counts on transfer but that `cost` does not include today, "
            "e.g. for communes under 3,500 inhabitants that do not depreciate assets "
            "(CGI 1609 nonies C; DOMAIN.md §2.1).",
            required=False,
            default=0.0,
            minimum=0,
            maximum=1e10,
            plausible="10 billion EUR/year exceeds the whole budget of any French commune",
        ),
        Column(
            "arrangement",
            "choice",
            "-",
            "Current arrangement: keep (run by the commune), share (already pooled in the "
            "service commun of modes.csv, hosted by its host) or transfer (already with the EPCI).",
            required=False,
            default="keep",
            choices=MODES,
        ),
    ),
    key=("commune", "service"),
)

MODE_PARAMS = Table(
    "modes",
    "Parameters of each pooled mode of a service (share, transfer). A service with no "
    "row for a mode cannot take that mode.",
    (
        Column("service", "code", "-", "Service identifier (see services)."),
        Column("mode", "choice", "-", "share or transfer.", choices=POOL_MODES),
        Column(
            "fixed_cost",
            "float",
            "EUR/year",
            "Fixed yearly cost of running the pooled unit once opened (management, premises, licences).",
            minimum=0,
            maximum=1e10,
            plausible="10 billion EUR/year exceeds the whole budget of any French EPCI",
        ),
        Column(
            "min_members",
            "int",
            "communes",
            "Minimum number of member communes for the pooled unit to be opened.",
            required=False,
            default=1,
            minimum=1,
            maximum=1_000,
            plausible="no EPCI has more than a few hundred communes",
        ),
        Column(
            "units_per_fte",
            "float",
            "units of work/FTE/year",
            "Productivity of one FTE of the pooled unit.",
            minimum=1e-3,
            maximum=1e9,
            plausible="one agent handles between a thousandth and a billion units of work a year",
        ),
        Column(
            "cost_per_fte",
            "float",
            "EUR/FTE/year",
            "Fully loaded cost of one FTE.",
            minimum=0,
            maximum=1_000_000,
            plausible="a full-time agent costs a local authority 30,000 to 150,000 EUR a year",
        ),
        Column(
            "fte_step",
            "float",
            "FTE",
            "Granularity of pooled staffing: the unit employs a whole number of steps "
            "(1 = whole posts, 0.5 = half posts).",
            required=False,
            default=1.0,
            minimum=0.01,
            maximum=100,
            plausible="staff is hired from a hundredth of a post to teams of 100 FTE at a time",
        ),
        Column(
            "cost_per_unit",
            "float",
            "EUR/unit of work",
            "Non-staff variable cost per unit of work (supplies, software per user).",
            required=False,
            default=0.0,
            minimum=0,
            maximum=10_000_000,
            plausible="10 million EUR per unit of work is beyond any service of a commune",
        ),
        Column(
            "overhead_per_member",
            "float",
            "EUR/year/commune",
            "Coordination overhead per member commune (convention, reporting, travel).",
            required=False,
            default=0.0,
            minimum=0,
            maximum=1e9,
            plausible="a billion EUR/year per member exceeds the budget of nearly every commune",
        ),
        Column(
            "transition_cost_per_member",
            "float",
            "EUR/commune",
            "One-off cost for a commune that joins (IT convergence, procedures).",
            required=False,
            default=0.0,
            minimum=0,
            maximum=1e10,
            plausible="10 billion EUR exceeds the whole budget of any French commune",
        ),
        Column(
            "transition_cost_per_fte",
            "float",
            "EUR/FTE",
            "One-off cost per FTE that moves (pay harmonisation, training), DOMAIN.md §3.",
            required=False,
            default=0.0,
            minimum=0,
            maximum=10_000_000,
            plausible="pay harmonisation and training cost a few thousand EUR per agent",
        ),
        Column(
            "level",
            "float",
            "score 0-100",
            "Service level the pooled unit delivers to each member.",
            minimum=0,
            maximum=100,
        ),
        Column(
            "host",
            "code",
            "-",
            "Who employs the pooled unit's staff: EPCI (default) or the INSEE code of a member "
            "commune, e.g. the ville-centre (L5211-4-2: a service commun may be run by a commune "
            "chosen by the council). A transfer is always hosted by the EPCI.",
            required=False,
            default=EPCI_PARTY,
            width=5,
            also=(EPCI_PARTY,),
        ),
    ),
    key=("service", "mode"),
)

#: Most FTE a pooled unit may need for the work of all communes (a consistency check).
MAX_POOLED_FTE = 100_000

#: All tables of a territory, in loading order.
TABLES: tuple[Table, ...] = (EPCI, COMMUNES, SERVICES, BASELINE, MODE_PARAMS)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def markdown() -> str:
    """Return the data-format documentation (docs/data-format.md) as Markdown."""
    out = [
        "# Territory data format",
        "",
        "<!-- Generated by `make docs` from mutusim/core/schema.py; edit that file instead. -->",
        "",
        "A territory is a folder with one CSV file per table below, or one .xlsx workbook",
        "with one sheet per table (sheet name = table name). CSV files may be comma-separated",
        "with a decimal point, or semicolon-separated with a decimal comma as French Excel",
        "writes them, in UTF-8 with or without BOM. Codes (INSEE, SIREN) are text: keep",
        "their leading zeros. Booleans accept true/false, 1/0, oui/non, vrai/faux.",
        "",
        "Thousands may be grouped with spaces. A number such as `243.517` or `243,517` (one",
        "group of three digits after a single `.` or `,`) could be 243517 or 243.517: it is",
        "read as the file's other numbers use that mark (`1.234.567` groups thousands,",
        "`0.5` is a decimal), as thousands in a whole-number column, and is an error naming",
        "the cell otherwise. In a workbook, formulas need their computed value (save the",
        "file in Excel or LibreOffice) and merged cells are refused.",
        "",
        "Every problem found is reported at once, naming file, line (as a spreadsheet",
        "shows it, header = line 1), column and the fix; nothing is loaded until the whole",
        "territory is valid.",
        "",
    ]
    for t in TABLES:
        out += [f"## `{t.file}`", "", t.description, ""]
        if t.key:
            out += [f"Key: {', '.join(t.key)} (unique).", ""]
        out += [
            "| column | type | unit | required | default | meaning |",
            "|---|---|---|---|---|---|",
        ]
        for c in t.columns:
            kind = c.kind
            if c.choices:
                kind += " (" + " / ".join(c.choices) + ")"
            if c.minimum is not None or c.maximum is not None:
                lo = "" if c.minimum is None else f"≥ {c.minimum:g}"
                hi = "" if c.maximum is None else f"≤ {c.maximum:g}"
                kind += ", " + " ".join(x for x in (lo, hi) if x)
            default = (
                "" if c.required else ("empty" if c.default in (None, "") else f"{c.default}")
            )
            req = "yes" if c.required else "no"
            meaning = c.description + (f" Bounds: {c.plausible}." if c.plausible else "")
            out.append(f"| `{c.name}` | {kind} | {c.unit} | {req} | {default} | {meaning} |")
        out.append("")
    out += [
        "## Cross-table rules",
        "",
        "- `epci.csv` has exactly one row.",
        "- `baseline.csv` may hold rows whose commune is `EPCI`: the EPCI's own services, a",
        "  party of pooled units like a commune (no vote, no population); `fte_posts` is a",
        "  whole number at most `fte`.",
        "- A `host` of `modes.csv` is `EPCI` or a declared commune; a transfer's host is `EPCI`.",
        "- Every commune and service of `baseline.csv` and `modes.csv` is declared in",
        "  `communes.csv` / `services.csv`; every (commune, service) pair appears at most once.",
        "- Every service has a baseline row for every commune (a commune that does not run",
        "  a service today has a row with zero FTE, cost and units).",
        "- A `transfer` row in `modes.csv` needs `transferable = true` for its service.",
        "- A service's current `arrangement` of `transfer` must be the same for all communes.",
        "- A baseline row with units but no cost, or FTE but no cost, is inconsistent.",
        "- A baseline row with staff has units of work (a pooled unit sizes its staff from",
        "  them: staff without units would vanish, and its cost with it).",
        f"- A pooled unit needs at most {MAX_POOLED_FTE:,} FTE for the work of every commune",
        "  (`units / units_per_fte` summed over `baseline.csv`): more means a unit mistake.",
        "",
        "Upper bounds are plausibility bounds: a value beyond them is almost always a unit",
        "mistake (cents for euros, a number read a thousand times too large), and would make",
        "the optimisation numerically unreliable.",
        "",
    ]
    return "\n".join(out)
