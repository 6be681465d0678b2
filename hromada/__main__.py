"""Run Django management commands: ``python -m hromada <command>``."""

import os
import sys


def main() -> None:
    arguments = sys.argv[1:]
    if arguments[:2] == ["pb", "tally"] and not {"-h", "--help"} & set(arguments):
        # Counting a Pabulib file needs neither the database nor the apps:
        # the rules' own command line, without starting Django (a third of
        # a second instead of two), the same output and exit status.
        from hromada.budget import cli

        if cli.main(arguments[1:]):
            sys.stderr.write("CommandError: tally failed\n")
            sys.exit(1)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hromada.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([f"{sys.executable} -m hromada", *sys.argv[1:]])


if __name__ == "__main__":
    main()
