"""Command line: ``mutusim validate | solve | votes | demo`` (PRODUCT.md R6).

Errors a user can cause print one line on stderr and exit with code 1;
``--debug`` shows the traceback instead. Usage errors exit with code 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mutusim.errors import DataError, MutusimError


def _territory(args: argparse.Namespace):  # noqa: ANN202
    from mutusim import datasets
    from mutusim.io import load_territory

    if getattr(args, "territory", None):
        return load_territory(args.territory)
    if getattr(args, "epci", None):
        return datasets.epci(args.epci)
    return datasets.angers()


def _scenario(args: argparse.Namespace):  # noqa: ANN202
    from mutusim.scenario import Scenario

    sc = Scenario.from_yaml(args.scenario, args.name) if args.scenario else Scenario()
    if getattr(args, "time_limit", None) is not None:
        sc = sc.replace(time_limit=args.time_limit)
    if getattr(args, "solver", None):
        sc = sc.replace(solver=args.solver)
    return sc


def _print_result(res, out_dir: Path | None) -> None:  # noqa: ANN001
    s = res.summary()
    print(f"Scénario '{s['scenario']}' sur {res.territory.name} : statut {s['status']}")
    if res.has_plan:
        print(f"  coût actuel      {s['baseline_cost']:>16,.0f} €/an".replace(",", " "))
        print(f"  coût du plan     {s['total_cost']:>16,.0f} €/an".replace(",", " "))
        print(f"  économies        {s['savings']:>16,.0f} €/an".replace(",", " "))
        sch = res.schedule()
        npv = f"{sch.npv:,.0f}".replace(",", " ")
        years = f"{res.scenario.start_year}-{res.scenario.end_year}"
        print(f"  valeur actuelle nette {years} : {npv} € (feuille de route : {sch.status})")
        gap = "n/a" if s["gap"] is None else f"{100 * s['gap']:.4f} %"
        print(
            f"  construction {s['build_seconds']:.2f} s, résolution {s['solve_seconds']:.2f} s, écart {gap}"
        )
    for line in res.explanation + res.check_errors:
        print(f"  - {line}")
    if out_dir is not None:
        print(f"  résultats écrits dans {out_dir}")


def cmd_validate(args: argparse.Namespace) -> int:
    from mutusim.io import load_territory

    t = load_territory(args.path)
    print(f"OK: {t!r}")
    return 0


def cmd_solve(args: argparse.Namespace) -> int:
    from mutusim.export import write_result
    from mutusim.optimise import optimise
    from mutusim.report import write_html

    t = _territory(args)
    res = optimise(t, _scenario(args))
    out = Path(args.out)
    write_result(res, out)
    write_html(res, out / "rapport.html")
    _print_result(res, out)
    return 0 if res.has_plan else 3


def cmd_votes(args: argparse.Namespace) -> int:
    from mutusim.optimise import ModelData, vote_tables

    t = _territory(args)
    data = ModelData.from_inputs(t, _scenario(args))
    votes, majorities = vote_tables(data)
    if args.service not in set(majorities.get("service", [])):
        from mutusim.errors import MutusimError

        known = sorted(set(majorities.get("service", [])))
        raise MutusimError(
            f"'{args.service}' is not a transferable service of {t.name}; transferable: {known}"
        )
    m = majorities.set_index("service").loc[args.service]
    name = t.services.at[args.service, "name"]
    verdict = "atteinte" if m["majority"] else "NON atteinte"
    print(f"Transfert « {name} » : majorité qualifiée {verdict}")
    pop_yes = f"{m['yes_population']:,}".replace(",", " ")
    pop = f"{m['population']:,}".replace(",", " ")
    print(f"  {m['yes']} conseils favorables sur {m['councils']}, {pop_yes} habitants sur {pop}")
    if m["veto_applies"]:
        accord = "favorable" if m["largest_yes"] else "DÉFAVORABLE"
        print(
            f"  la commune la plus peuplée ({t.communes.at[m['largest'], 'name']}) doit l'accepter : {accord}"
        )
    against = votes[(votes["service"] == args.service) & ~votes["vote"]].sort_values(
        "population", ascending=False
    )
    if against.empty:
        print("  aucun conseil défavorable")
    else:
        print("  conseils défavorables (bloquants si la majorité n'est pas atteinte) :")
        for row in against.itertuples():
            pop = f"{row.population:,}".replace(",", " ")
            print(f"    {row.commune} {row.name} ({pop} hab.) : {row.reason}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from mutusim import datasets
    from mutusim.export import write_result
    from mutusim.optimise import optimise
    from mutusim.report import write_html

    demo = datasets.angers_scenarios().base
    res = optimise(datasets.angers(), demo)
    out = Path(args.out)
    write_result(res, out)
    write_html(res, out / "rapport.html")
    _print_result(res, out)
    return 0 if res.has_plan else 3


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mutusim", description="Mutualisation scenarios for an EPCI and its communes."
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser(
        "validate", help="check a territory (folder of CSVs or .xlsx) and report every problem"
    )
    v.add_argument("path")
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser(
        "solve", help="optimise a scenario and write CSV tables, an .xlsx and an HTML report"
    )
    src = s.add_mutually_exclusive_group()
    src.add_argument("--territory", help="folder of CSV files or .xlsx workbook")
    src.add_argument(
        "--epci", help="SIREN or name of any EPCI of France (illustrative calibration)"
    )
    s.add_argument("--scenario", help="scenario YAML file (default: every rule on)")
    s.add_argument(
        "--name", help="scenario name within the YAML file (an override or combination)"
    )
    s.add_argument("--solver", choices=["highs", "cbc"])
    s.add_argument(
        "--time-limit", type=float, dest="time_limit", help="solver time limit in seconds"
    )
    s.add_argument("--out", required=True, help="output folder")
    s.set_defaults(func=cmd_solve)

    vt = sub.add_parser("votes", help="who votes for a transfer, and which communes block it")
    vt.add_argument("--service", required=True, help="service code, e.g. espace_public")
    vsrc = vt.add_mutually_exclusive_group()
    vsrc.add_argument("--territory", help="folder of CSV files or .xlsx workbook")
    vsrc.add_argument("--epci", help="SIREN or name of any EPCI of France")
    vt.add_argument("--scenario", help="scenario YAML file (stances, vote tolerance)")
    vt.add_argument("--name", help="scenario name within the YAML file")
    vt.set_defaults(func=cmd_votes)

    d = sub.add_parser(
        "demo", help="optimise the embedded default territory (Angers Loire Métropole)"
    )
    d.add_argument("--out", default="out/demo")
    d.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DataError as exc:
        if args.debug:
            raise
        print(f"mutusim: error: {exc.one_line()}", file=sys.stderr)
        return 1
    except MutusimError as exc:
        if args.debug:
            raise
        print(f"mutusim: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except OSError as exc:
        if args.debug:
            raise
        print(f"mutusim: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
