"""
S3-compatible object storage for uploads (django-storages), set up by STORAGE_URL.

Kept apart from hromada.core.storage so that boto3 loads only where it is used.
"""

from __future__ import annotations

from storages.backends.s3 import S3Storage

# A file read from the store is kept in memory up to this size, on disk beyond.
SPOOL_BYTES = 5 * 1024 * 1024


class PublicObjectStorage(S3Storage):
    """
    Public files under ``public/``: their URLs are plain, unsigned addresses.

    The bucket policy (docs/deploy.md) lets anyone read this prefix, so an
    address stays valid in caches and in open data for as long as the file.
    """

    def __init__(self, **options):
        super().__init__(
            **{
                "signature_version": "s3v4",
                "max_memory_size": SPOOL_BYTES,
                **options,
                "querystring_auth": False,
                # Two uploads with one name keep both, as on the local disk.
                "file_overwrite": False,
            }
        )


class PrivateObjectStorage(S3Storage):
    """
    Private files under ``private/``, stored with the private ACL (or, in a
    bucket with ACLs switched off, private by the bucket's own default).

    They have no address of their own: url() refuses, so no template or API
    can hand one out by mistake. A view that has checked who asks either
    streams the file or, when the settings say so, redirects to signed_url().
    """

    def __init__(self, **options):
        super().__init__(
            **{
                "signature_version": "s3v4",
                "max_memory_size": SPOOL_BYTES,
                "default_acl": "private",
                **options,
                "querystring_auth": True,
                "custom_domain": None,
                "file_overwrite": False,
            }
        )

    def url(self, name, *args, **kwargs):
        raise ValueError("Private files have no public URL; serve them through a view.")

    def signed_url(self, name: str, *, seconds: int) -> str:
        """Return an address of the file that works for `seconds` only; after a check."""
        return super().url(name, expire=seconds)
