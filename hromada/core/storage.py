"""
Where uploaded files live: the local disk (the embedded default) or S3-compatible
object storage, chosen by STORAGE_URL.

Two stores, both used only through Django's Storage API:

- "default": public files (budget project photos, petition answers, emblems),
  which pages link to directly;
- "private": files that only some may see (photos of appeals). They have no
  address of their own: a view checks who asks and sends them, or — when
  HROMADA_PRIVATE_FILES_REDIRECT is on — redirects to a signed address that
  expires in HROMADA_SIGNED_URL_SECONDS.

On object storage both live in one bucket under ``public/`` and ``private/``
(or the private files in a bucket of their own); the S3 backends are in
hromada.core.objectstorage, imported only when configured.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

PUBLIC_PREFIX = "public"
PRIVATE_PREFIX = "private"


class PrivateStorage(FileSystemStorage):
    """
    Files kept outside MEDIA_ROOT (settings.PRIVATE_MEDIA_ROOT).

    No web server location serves them and they have no URL: a view that
    checks who may see a file opens it and sends it.
    """

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view.")


class PrivateFiles(LazyObject):
    """
    The "private" store, looked up on first use rather than when models load.

    A FileField calls its storage callable once, at import; handing it this
    proxy instead of storages["private"] itself lets a change of STORAGES
    (override_settings in tests) reach fields that were defined before it.
    """

    def _setup(self):
        self._wrapped = storages["private"]


private_storage = PrivateFiles()


@receiver(setting_changed)
def _forget_private_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        private_storage._wrapped = empty


def file_storages(environ: Mapping[str, str], *, private_root: Path) -> dict[str, dict]:
    """
    Return the "default" and "private" entries of settings.STORAGES.

    STORAGE_URL (or the AWS_* variables django-storages users know) puts both
    on object storage; with neither, files stay on the local disk.
    """
    url = environ.get("STORAGE_URL", "").strip()
    if url:
        options = object_storage_options(url)
    elif environ.get("AWS_STORAGE_BUCKET_NAME"):
        options = {
            "bucket_name": environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": environ.get("AWS_S3_REGION_NAME") or None,
            # Left out, boto3 finds the keys itself (environment, instance role).
            "access_key": environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "addressing_style": "path" if environ.get("AWS_S3_ENDPOINT_URL") else None,
        }
    else:
        return {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "private": {
                "BACKEND": "hromada.core.storage.PrivateStorage",
                "OPTIONS": {"location": private_root},
            },
        }
    shared = {
        key: value
        for key, value in options.items()
        if key not in {"private_bucket_name", "prefix", "public_acl", "public_domain", "acls"}
    }
    acls = options.get("acls", True)
    prefix = options.get("prefix", "")
    public = {
        **shared,
        "location": f"{prefix}{PUBLIC_PREFIX}",
        "default_acl": options.get("public_acl") if acls else None,
        "custom_domain": options.get("public_domain"),
    }
    private = {
        **shared,
        "bucket_name": options.get("private_bucket_name") or options["bucket_name"],
        "location": f"{prefix}{PRIVATE_PREFIX}",
        # A bucket with ACLs switched off refuses any ACL header; it is private anyway.
        "default_acl": "private" if acls else None,
    }
    return {
        "default": {"BACKEND": "hromada.core.objectstorage.PublicObjectStorage", "OPTIONS": public},
        "private": {
            "BACKEND": "hromada.core.objectstorage.PrivateObjectStorage",
            "OPTIONS": private,
        },
    }


def object_storage_options(url: str) -> dict:
    """
    Read ``s3://KEY:SECRET@HOST:PORT/BUCKET[/PREFIX]?region=…&secure=0``.

    Query options: ``region``; ``secure`` (1: https, the default; 0: http);
    ``addressing`` (path, the default with a host, or virtual);
    ``private_bucket`` (private files in a bucket of their own);
    ``public_domain`` (a CDN or custom host serving the public files);
    ``public_acl`` (e.g. public-read, for stores that grant reading by ACL
    instead of the bucket policy); ``acls=0`` for buckets with ACLs switched
    off (AWS's default), which refuse even the private ACL. Key and secret
    are URL-encoded; leave them out to let boto3 find credentials itself;
    leave the host out for AWS.
    """
    parsed = urlparse(url)
    if parsed.scheme != "s3":
        raise ImproperlyConfigured("STORAGE_URL must start with s3://")
    bucket, _, prefix = parsed.path.lstrip("/").partition("/")
    if not bucket:
        raise ImproperlyConfigured("STORAGE_URL names no bucket: s3://KEY:SECRET@HOST/BUCKET")
    query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    unknown = set(query) - {
        "region",
        "secure",
        "addressing",
        "private_bucket",
        "public_domain",
        "public_acl",
        "acls",
    }
    if unknown:
        raise ImproperlyConfigured(f"STORAGE_URL: unknown options {', '.join(sorted(unknown))}")
    secure = query.get("secure", "1").lower() not in {"0", "false", "no", "off"}
    endpoint = None
    if parsed.hostname:
        port = f":{parsed.port}" if parsed.port else ""
        endpoint = f"{'https' if secure else 'http'}://{parsed.hostname}{port}"
    addressing = query.get("addressing", "path" if endpoint else "")
    if addressing not in {"", "path", "virtual"}:
        raise ImproperlyConfigured("STORAGE_URL: addressing is path or virtual")
    prefix = prefix.strip("/")
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": query.get("region") or None,
        "access_key": unquote(parsed.username) if parsed.username else None,
        "secret_key": unquote(parsed.password) if parsed.password else None,
        "addressing_style": addressing or None,
        "url_protocol": "https:" if secure else "http:",
        "prefix": f"{prefix}/" if prefix else "",
        "private_bucket_name": query.get("private_bucket") or None,
        "public_domain": query.get("public_domain") or None,
        "public_acl": query.get("public_acl") or None,
        "acls": query.get("acls", "1").lower() not in {"0", "false", "no", "off"},
    }


def file_origins(stores: Mapping[str, dict]) -> list[str]:
    """
    Return the origins pages load files from when they live in object storage.

    Content-Security-Policy's img-src must name them: public photos are linked
    there directly, and a redirected private photo is fetched from there.
    """
    origins: list[str] = []
    for alias in ("default", "private"):
        options = stores[alias].get("OPTIONS", {})
        if "bucket_name" not in options:
            continue  # local disk: the site itself
        protocol = options.get("url_protocol", "https:")
        bucket, endpoint = options["bucket_name"], options.get("endpoint_url")
        if options.get("custom_domain"):
            hosts = [options["custom_domain"]]
        elif endpoint:
            host = urlparse(endpoint).netloc
            hosts = [f"{bucket}.{host}" if options.get("addressing_style") == "virtual" else host]
            protocol = f"{urlparse(endpoint).scheme}:"
        else:
            region = options.get("region_name")
            hosts = [f"{bucket}.s3.amazonaws.com"]
            if region:
                hosts.append(f"{bucket}.s3.{region}.amazonaws.com")
        for host in hosts:
            origin = f"{protocol}//{host}"
            if origin not in origins:
                origins.append(origin)
    return origins


def public_read_policy(bucket: str, prefix: str = "") -> str:
    """Return the bucket policy that lets anyone read the public prefix, and nothing else."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicFilesOnly",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/{prefix}{PUBLIC_PREFIX}/*",
                }
            ],
        },
        indent=2,
    )
