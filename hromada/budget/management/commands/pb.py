"""
``python -m hromada pb``: participatory-budget files from the command line.

- ``tally FILE.pb --rule greedy|mes|phragmen [--completion add1]`` prints the
  winners of a Pabulib file as one JSON object (`hromada.budget.cli`).
- ``verify FILE`` recounts a published ballots file (or a Pabulib file with a
  ``selected`` column) and compares the result with the published one.
- ``export --cycle ID [--category ID] [--out DIR]`` writes categories as ``.pb``.
- ``import FILE.pb --community SLUG`` creates a finished, counted cycle.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Participatory budget: tally, verify, export and import Pabulib files."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        tally = sub.add_parser("tally", help="Print the winners of a Pabulib file as JSON.")
        tally.add_argument("file")
        tally.add_argument("--rule", required=True, choices=["greedy", "mes", "phragmen"])
        tally.add_argument("--completion", choices=["add1"])
        verify = sub.add_parser("verify", help="Recount a published ballots file.")
        verify.add_argument("file")
        verify.add_argument("--rule", choices=["greedy", "mes", "phragmen"])
        verify.add_argument("--completion", choices=["add1"])
        export = sub.add_parser("export", help="Write a cycle's categories as Pabulib files.")
        export.add_argument("--cycle", type=int, required=True)
        export.add_argument("--category", type=int)
        export.add_argument("--out", default=".")
        imp = sub.add_parser("import", help="Create a counted cycle from a Pabulib file.")
        imp.add_argument("file")
        imp.add_argument("--community", required=True, help="The community's short name.")
        imp.add_argument("--rule", choices=["greedy", "mes", "phragmen"])
        imp.add_argument("--completion", choices=["add1"])

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action}")(**options)

    def _tally(self, *, file, rule, completion=None, **_):
        from hromada.budget import cli

        argv = ["tally", file, "--rule", rule] + (
            ["--completion", completion] if completion else []
        )
        code = cli.main(argv)
        if code:
            raise CommandError(f"tally failed ({code})")

    def _verify(self, *, file, rule=None, completion=None, **_):
        from hromada.budget import pabulib, verify

        try:
            report = verify.verify_file(Path(file), rule=rule, completion=completion)
        except (OSError, ValueError, KeyError, pabulib.PabulibError) as error:
            raise CommandError(f"pb verify: {error}") from None
        self.stdout.write(json.dumps(report, ensure_ascii=False))
        if not report["ok"]:
            sys.exit(1)

    def _export(self, *, cycle, category=None, out=".", **_):
        from hromada.budget import pbfiles
        from hromada.budget.errors import CountsHidden
        from hromada.budget.models import Category

        categories = Category.objects.filter(cycle_id=cycle).select_related("cycle__community")
        if category:
            categories = categories.filter(pk=category)
        if not categories:
            raise CommandError("No such cycle or category.")
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for each in categories:
            try:
                text = pbfiles.category_text(each)
            except CountsHidden as error:
                raise CommandError(str(error)) from None
            path = folder / pbfiles.file_name(each)
            path.write_text(text, encoding="utf-8")
            self.stdout.write(str(path))

    def _import(self, *, file, community, rule=None, completion=None, **_):
        from hromada.budget import pabulib, pbfiles
        from hromada.core.models import Community

        target = Community.objects.filter(slug=community).first()
        if target is None:
            raise CommandError(f"No community {community!r}.")
        try:
            election = pabulib.read(file)
        except (pabulib.PabulibError, OSError) as error:
            raise CommandError(str(error)) from None
        cycle = pbfiles.import_election(
            community=target,
            election=election,
            source=Path(file).name,
            rule=rule,
            completion=completion,
        )
        self.stdout.write(
            json.dumps(
                {
                    "cycle": cycle.pk,
                    "projects": cycle.projects.count(),
                    "ballots": cycle.ballots.count(),
                    "selected": [
                        p.code
                        for p in cycle.projects.filter(outcome__selected=True).order_by(
                            "outcome__position"
                        )
                    ],
                }
            )
        )
