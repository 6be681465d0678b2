"""
Back up the database (SQLite or PostgreSQL) and the uploaded files.

A backup holds every resident's personal data: its folder is created 0700 and
its files 0600 (the umask is set before anything is written, pg_dump included),
whatever the umask of the cron job that runs it.
"""

import os
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def file_roots() -> list[tuple[Path, str]]:
    """Return the folders of uploaded files and their archive names: public and private."""
    return [
        (Path(settings.MEDIA_ROOT), "media"),
        (Path(settings.PRIVATE_MEDIA_ROOT), "private-media"),
    ]


def pg_env() -> dict:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        PGHOST=str(db.get("HOST") or ""),
        PGPORT=str(db.get("PORT") or ""),
        PGUSER=str(db.get("USER") or ""),
        PGPASSWORD=str(db.get("PASSWORD") or ""),
        PGDATABASE=str(db["NAME"]),
    )
    return env


class Command(BaseCommand):
    help = "Write a backup folder: the database dump and the media files."

    def add_arguments(self, parser):
        parser.add_argument("--to", default=str(settings.VAR_DIR / "backups"))

    def handle(self, *args, to, **options):
        target = Path(to) / datetime.now().strftime("%Y%m%d-%H%M%S")
        previous = os.umask(0o077)
        try:
            target.mkdir(mode=0o700, parents=True, exist_ok=False)
            self.write_backup(target)
        finally:
            os.umask(previous)
        self.stdout.write(str(target))

    def write_backup(self, target: Path) -> None:
        vendor = connection.vendor
        if vendor == "sqlite":
            # The online backup API copies a consistent snapshot while the site runs.
            source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
            dest = sqlite3.connect(target / "database.sqlite3")
            with dest:
                source.backup(dest)
            source.close()
            dest.close()
        elif vendor == "postgresql":
            if not shutil.which("pg_dump"):
                raise CommandError("pg_dump is not installed.")
            subprocess.run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    str(target / "database.pgdump"),
                ],
                check=True,
                env=pg_env(),
            )
        else:
            raise CommandError(f"Backups of {vendor} are not supported.")
        for root, name in file_roots():
            with tarfile.open(target / f"{name}.tar.gz", "w:gz") as archive:
                if root.exists():
                    archive.add(root, arcname=name)
