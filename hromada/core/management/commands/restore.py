"""
Restore a backup folder written by `backup`: the database and the media files.

Files go back through the Storage API, to the local disk or to object storage
as configured now: a backup taken on one restores onto the other.
"""

import sqlite3
import subprocess
import tarfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from hromada.core.management.commands.backup import file_storages, pg_env, stored_names


def stored_name(member: tarfile.TarInfo, root: str) -> str:
    """Return the storage name of an archived file, refusing any outside `root`/."""
    path = PurePosixPath(member.name)
    parts = path.parts
    if path.is_absolute() or len(parts) < 2 or parts[0] != root or ".." in parts:
        raise CommandError(f"The archive holds {member.name!r}, outside {root}/.")
    return "/".join(parts[1:])


def restore_files(storage: Storage, archive_path: Path, root: str) -> int:
    """Replace the files of a store with those of the archive; return how many."""
    with tarfile.open(archive_path) as archive:
        # Every name is checked before a single file of the store is deleted.
        files = [
            (member, stored_name(member, root))
            for member in archive.getmembers()
            if member.isfile()
        ]
        for name in list(stored_names(storage)):
            storage.delete(name)
        for member, name in files:
            with archive.extractfile(member) as data:
                content = File(data, name=PurePosixPath(name).name)
                content.size = member.size
                saved = storage.save(name, content)
            if saved != name:
                raise CommandError(f"{name} was stored as {saved}.")
    return len(files)


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
        for storage, name in file_storages():
            media_archive = source / f"{name}.tar.gz"
            if media_archive.exists():
                restore_files(storage, media_archive, name)
        self.stdout.write(self.style.SUCCESS("Restored."))
