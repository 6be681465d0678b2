"""
Uploads: size and type limits; images re-encoded, their metadata dropped.

Re-encoding through Pillow keeps only the pixels: EXIF (with GPS position and
camera serial), comments and anything smuggled after the image data are gone.

A body with files larger than HROMADA_MAX_REQUEST_BYTES is refused by its
declared length before any of it is read: the visitor sees the 413 page
instead of waiting for megabytes to be written to a temporary file.
"""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.base import ContentFile
from django.core.files.uploadhandler import FileUploadHandler
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.defaults import bad_request as django_bad_request
from PIL import Image, ImageOps, UnidentifiedImageError

from hromada.core.errors import ValidationFailed

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_SIDE = 2560


class InvalidUpload(ValidationFailed):
    code = "invalid_upload"


class UploadTooLarge(RequestDataTooBig):
    """A body with files declared larger than the limit; answered with 413, not read."""


class RequestSizeLimitHandler(FileUploadHandler):
    """
    Refuse a multipart body by its Content-Length before reading it.

    Django limits the form fields of a multipart body but not its files, so
    without this a 1 GB "photo" would be read into a temporary file first.
    Listed first in FILE_UPLOAD_HANDLERS: Django asks it before any parsing.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.HROMADA_MAX_REQUEST_BYTES:
            raise UploadTooLarge(
                f"Request body of {content_length} bytes over HROMADA_MAX_REQUEST_BYTES."
            )
        return None  # within the limit: the next handlers parse it as usual

    def receive_data_chunk(self, raw_data, start):
        return raw_data  # pass each chunk on to the handler that stores the file

    def file_complete(self, file_size):
        return None


def too_large_message(exception: RequestDataTooBig) -> str:
    """Return the sentence that tells why a body was refused and what the limit is."""
    if isinstance(exception, UploadTooLarge):
        mb = settings.HROMADA_MAX_REQUEST_BYTES // (1024 * 1024)
        return _("The files are too large: at most %(mb)d MB can be sent at once.") % {"mb": mb}
    mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return _("The request is too large: at most %(mb)d MB can be sent at once.") % {"mb": mb}


def bad_request(request, exception=None):
    """Answer a bad request (handler400); a body refused for its size gets the 413 page."""
    if not isinstance(exception, RequestDataTooBig):
        return django_bad_request(request, exception)
    return render(request, "413.html", {"message": too_large_message(exception)}, status=413)


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
