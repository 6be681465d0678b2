"""
Uploads: size and type limits; images re-encoded, their metadata dropped.

Re-encoding through Pillow keeps only the pixels: EXIF (with GPS position and
camera serial), comments and anything smuggled after the image data are gone.
"""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from hromada.core.errors import ValidationFailed

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_SIDE = 2560


class InvalidUpload(ValidationFailed):
    code = "invalid_upload"


def clean_image(upload, *, field: str = "photo") -> ContentFile:
    """Return the upload re-encoded as JPEG (or PNG with transparency), or raise."""
    if upload.size > settings.HROMADA_MAX_IMAGE_BYTES:
        raise InvalidUpload(
            _("The image is larger than %(mb)d MB."),
            fields={field: "too_large"},
            mb=settings.HROMADA_MAX_IMAGE_BYTES // (1024 * 1024),
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ALLOWED_IMAGE_FORMATS:
                raise InvalidUpload(
                    _("Only JPEG, PNG, WebP or GIF images are accepted."),
                    fields={field: "type"},
                )
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise InvalidUpload(_("The image has too many pixels."), fields={field: "size"})
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            keep_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
            out = io.BytesIO()
            if keep_alpha:
                image.convert("RGBA").save(out, "PNG", optimize=True)
                extension = "png"
            else:
                image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
                extension = "jpg"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidUpload(
            _("The file is not an image we can read."), fields={field: "type"}
        ) from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def clean_pdf(upload, *, field: str = "document") -> ContentFile:
    """Return a PDF upload after checking its size and signature, or raise."""
    if upload.size > settings.HROMADA_MAX_DOCUMENT_BYTES:
        raise InvalidUpload(
            _("The document is larger than %(mb)d MB."),
            fields={field: "too_large"},
            mb=settings.HROMADA_MAX_DOCUMENT_BYTES // (1024 * 1024),
        )
    upload.seek(0)
    data = upload.read()
    if not data.startswith(b"%PDF-"):
        raise InvalidUpload(_("Only PDF documents are accepted."), fields={field: "type"})
    return ContentFile(data, name=f"{uuid.uuid4().hex}.pdf")
