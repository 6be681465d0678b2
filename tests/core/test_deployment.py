"""Production settings pass Django's deployment checks; backups restore."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PRODUCTION_ENV = {
    "HROMADA_ENV": "production",
    "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-check-0123456789",
    "ALLOWED_HOSTS": "hromada.example.org",
    "DEBUG": "0",
}


def run_hromada(*args, env=None, cwd=None):
    environment = {**os.environ, **(env or {})}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.pop("HROMADA_TESTING", None)
    # Set for the browser tests only; the deployment check rightly refuses it.
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "-m", "hromada", *args],
        env=environment,
        cwd=cwd or settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run_hromada(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**PRODUCTION_ENV, "HROMADA_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**PRODUCTION_ENV, "HROMADA_VAR_DIR": str(tmp_path)}
    del env["SECRET_KEY"]
    environment = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", "hromada", "check"],
        env={**environment, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def backup_with_an_open_umask(env, to):
    """Run the backup as a cron job with the usual umask 022 would."""
    previous = os.umask(0o022)
    try:
        return run_hromada("backup", "--to", str(to), env=env)
    finally:
        os.umask(previous)


def assert_private(folder: Path) -> None:
    """The backup's folder is 0700 and its files 0600: they hold personal data."""
    assert folder.stat().st_mode & 0o777 == 0o700
    files = list(folder.iterdir())
    assert files
    assert {path.name: path.stat().st_mode & 0o777 for path in files} == {
        path.name: 0o600 for path in files
    }


def test_backup_and_restore_of_the_sqlite_database(tmp_path):
    env = {
        "HROMADA_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'db.sqlite3'}",
    }
    assert run_hromada("migrate", "-v0", env=env).returncode == 0
    media = tmp_path / "var" / "media"
    media.mkdir(parents=True, exist_ok=True)
    (media / "photo.jpg").write_bytes(b"picture")
    private = tmp_path / "var" / "private-media"
    private.mkdir(parents=True, exist_ok=True)
    (private / "scan.jpg").write_bytes(b"private picture")
    database = tmp_path / "var" / "db.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO core_community (slug, name, name_genitive, name_en, katottg, edrpou, council_name, emblem, email, phone, postal_address, website, domain, languages, territory, action_levels, is_active) VALUES ('kept', 'Громада', '', '', '', '', '', '', '', '', '', '', '', 'uk', '{}', '{}', 1)"
        )

    backup = backup_with_an_open_umask(env, tmp_path / "backups")
    assert backup.returncode == 0, backup.stderr
    folder = Path(backup.stdout.strip().splitlines()[-1])
    assert_private(folder)
    assert sorted(path.name for path in folder.iterdir()) == [
        "database.sqlite3",
        "media.tar.gz",
        "private-media.tar.gz",
    ]

    with sqlite3.connect(database) as db:
        db.execute("DELETE FROM core_community")
    (media / "photo.jpg").unlink()
    (private / "scan.jpg").unlink()

    restore = run_hromada("restore", str(folder), "--yes", env=env)
    assert restore.returncode == 0, restore.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT slug FROM core_community").fetchall() == [("kept",)]
    assert (media / "photo.jpg").read_bytes() == b"picture"
    assert (private / "scan.jpg").read_bytes() == b"private picture"


@pytest.mark.postgres
def test_backup_and_restore_of_the_postgresql_database(tmp_path):
    """Run against a database of its own, so the test database stays untouched."""
    name = f"hromada_backup_{os.getpid()}"
    admin = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    subprocess.run([*admin, f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run([*admin, f"CREATE DATABASE {name}"], check=True)
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    env = {"HROMADA_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": url}
    query = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-tA", "-c"]
    try:
        assert run_hromada("migrate", "-v0", env=env).returncode == 0
        subprocess.run(
            [
                *query,
                "INSERT INTO core_community (slug, name, name_genitive, name_en, katottg, edrpou, council_name, emblem, email, phone, postal_address, website, domain, languages, territory, action_levels, is_active) VALUES ('kept', 'Громада', '', '', '', '', '', '', '', '', '', '', '', 'uk', '{}', '{}', true)",
            ],
            check=True,
        )
        backup = backup_with_an_open_umask(env, tmp_path / "backups")
        assert backup.returncode == 0, backup.stderr
        folder = backup.stdout.strip().splitlines()[-1]
        assert_private(Path(folder))
        subprocess.run([*query, "DELETE FROM core_community"], check=True)

        restore = run_hromada("restore", folder, "--yes", env=env)

        assert restore.returncode == 0, restore.stderr
        slugs = subprocess.run(
            [*query, "SELECT slug FROM core_community"], check=True, capture_output=True, text=True
        ).stdout.split()
        assert slugs == ["kept"]
    finally:
        subprocess.run([*admin, f"DROP DATABASE IF EXISTS {name}"], check=True)


def test_the_content_security_policy_allows_the_tile_server_that_is_set(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "HROMADA_VAR_DIR": str(tmp_path),
        "HROMADA_MAP_TILES": "https://{s}.tiles.example.org/{z}/{x}/{y}.png",
    }
    policy = run_hromada(
        "shell", "-v0", "-c", "from csp.utils import build_policy; print(build_policy())", env=env
    )
    assert policy.returncode == 0, policy.stderr
    header = policy.stdout.strip().splitlines()[-1]
    directives = dict(part.split(" ", 1) for part in header.split("; "))
    assert directives["img-src"] == "'self' data: https://*.tiles.example.org"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"

    refused = run_hromada(
        "check", env={**env, "HROMADA_MAP_TILES": "https://tiles-{s}.example.org/{z}/{x}/{y}.png"}
    )
    assert refused.returncode != 0
    assert "only a leading {s}" in refused.stderr
