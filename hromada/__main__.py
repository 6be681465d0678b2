"""Run Django management commands: ``python -m hromada <command>``."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hromada.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([f"{sys.executable} -m hromada", *sys.argv[1:]])


if __name__ == "__main__":
    main()
