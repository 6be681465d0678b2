"""
The ``pb`` command: count a participatory budget from a Pabulib file.

``pb tally FILE.pb --rule greedy|mes|phragmen [--completion add1]`` prints one
JSON object, ``{"rule": ..., "selected": [...], "cost": ...}``, with the
selected project ids in the order chosen. It needs no database, so anyone can
recount a published result with the same code the platform used.

Run it as ``python -m hromada.budget.cli tally FILE.pb --rule mes``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from fractions import Fraction

from hromada.budget import pabulib
from hromada.budget.rules import COMPLETIONS, RULES, select

# From about this many ballots add1's compiled loops save more than the
# quarter of a second loading the compiler costs a process (a city-wide
# category of 50,000 ballots takes a tenth of a second in numpy).
COMPILED_FROM_BALLOTS = 100_000


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the ``pb`` command and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="pb", description="Count participatory budgets in Pabulib files."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    tally = commands.add_parser("tally", help="select the winning projects of a Pabulib file")
    tally.add_argument("file", help="the Pabulib .pb file")
    tally.add_argument("--rule", choices=RULES, required=True)
    tally.add_argument("--completion", choices=COMPLETIONS, default=None)
    tally.set_defaults(handler=run_tally)

    # `pb verify` is added here: a subparser with set_defaults(handler=…).
    return parser


def run_tally(args: argparse.Namespace) -> int:
    """Print the outcome of `args.rule` on `args.file` as one JSON object."""
    election = pabulib.read(args.file)
    instance = election.instance()
    # One count, then the process ends: add1's compiled loops repay loading
    # the compiler (a quarter of a second) only on a large election.
    compiled = len(instance.ballots) >= COMPILED_FROM_BALLOTS
    result = select(instance, args.rule, args.completion, compiled=compiled)
    print(
        json.dumps(
            {
                "rule": result.rule,
                "selected": result.selected,
                "cost": _json_number(result.cost),
            },
            ensure_ascii=False,
        )
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``pb`` command with `argv` (the process arguments by default)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (OSError, pabulib.PabulibError, ValueError) as error:
        print(f"pb {args.command}: {error}", file=sys.stderr)
        return 2


def _json_number(value: int | Fraction) -> int | float:
    """Return an exact amount for JSON: whole amounts stay exact integers."""
    return value if isinstance(value, int) else float(value)


if __name__ == "__main__":
    sys.exit(main())
