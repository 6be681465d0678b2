"""Restore a backup folder written by `backup`: the database and the media files."""

import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from hromada.core.management.commands.backup import file_roots, pg_env


class Command(BaseCommand):
    help = "Restore the database and media from a backup folder (replaces current data)."

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, folder, yes, **options):
        source = Path(folder)
        if not source.is_dir():
            raise CommandError(f"No backup folder {source}.")
        if not yes and input("This replaces all current data. Type 'yes': ").strip() != "yes":
            raise CommandError("Cancelled.")
        vendor = connection.vendor
        connection.close()
        if vendor == "sqlite":
            dump = source / "database.sqlite3"
            if not dump.exists():
                raise CommandError("The folder has no SQLite database.")
            backup = sqlite3.connect(dump)
            live = sqlite3.connect(settings.DATABASES["default"]["NAME"])
            with live:
                backup.backup(live)
            backup.close()
            live.close()
        elif vendor == "postgresql":
            dump = source / "database.pgdump"
            if not dump.exists():
                raise CommandError("The folder has no PostgreSQL dump.")
            subprocess.run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--dbname",
                    str(settings.DATABASES["default"]["NAME"]),
                    str(dump),
                ],
                check=True,
                env=pg_env(),
            )
        else:
            raise CommandError(f"Restoring {vendor} is not supported.")
        for media, name in file_roots():
            media_archive = source / f"{name}.tar.gz"
            if not media_archive.exists():
                continue
            if media.exists():
                shutil.rmtree(media)
            with tarfile.open(media_archive) as archive:
                archive.extractall(media.parent, filter="data")
            extracted = media.parent / name
            if extracted != media and extracted.exists():
                extracted.rename(media)
        self.stdout.write(self.style.SUCCESS("Restored."))
