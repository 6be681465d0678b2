"""Storage of files that have no public address."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """
    Files kept outside MEDIA_ROOT (settings.PRIVATE_MEDIA_ROOT).

    No web server location serves them and they have no URL: a view that
    checks who may see a file opens it and sends it.
    """

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view.")
