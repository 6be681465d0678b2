"""
Back up the database (SQLite or PostgreSQL) and the uploaded files.

A backup holds every resident's personal data: its folder is created 0700 and
its files 0600 (the umask is set before anything is written, pg_dump included),
whatever the umask of the cron job that runs it.

Uploaded files are read through the Storage API, so the same archives
(media.tar.gz, private-media.tar.gz) come from the local disk or from object
storage; files are copied into the archive one at a time.
"""

import os
import posixpath
import shutil
import sqlite3
import subprocess
import tarfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def file_storages() -> list[tuple[Storage, str]]:
    """Return the stores of uploaded files and their archive names: public and private."""
    return [(storages["default"], "media"), (storages["private"], "private-media")]


def stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Yield the name of every file in a store, folder by folder."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return  # a local folder nothing was uploaded to yet
    for name in files:
        yield posixpath.join(folder, name)
    for sub in folders:
        yield from stored_names(storage, posixpath.join(folder, sub))


def archive_files(storage: Storage, archive: tarfile.TarFile, root: str) -> int:
    """Add every file of a store to the archive under `root`/; return how many."""
    count = 0
    now = time.time()
    for name in stored_names(storage):
        with storage.open(name, "rb") as handle:
            member = tarfile.TarInfo(f"{root}/{name}")
            member.size = handle.size
            member.mtime = now
            member.mode = 0o600
            archive.addfile(member, handle)
        count += 1
    return count


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
        parser.add_argument(
            "--database-only",
            action="store_true",
            help="Leave the uploaded files out (a big bucket kept by versioning and replication).",
        )

    def handle(self, *args, to, database_only, **options):
        target = Path(to) / datetime.now().strftime("%Y%m%d-%H%M%S")
        previous = os.umask(0o077)
        try:
            target.mkdir(mode=0o700, parents=True, exist_ok=False)
            self.write_backup(target, files=not database_only)
        finally:
            os.umask(previous)
        self.stdout.write(str(target))

    def write_backup(self, target: Path, *, files: bool = True) -> None:
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
        if not files:
            return
        for storage, name in file_storages():
            with tarfile.open(target / f"{name}.tar.gz", "w:gz") as archive:
                archive_files(storage, archive, name)
