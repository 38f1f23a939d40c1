"""Serving stored files (uploads and export results) — the only way a file leaves MEDIA_ROOT.

There is no public /media/ route in any settings profile. Each kind of file has a download view
that first finds its record through ``Model.objects.restrict(user, VIEW)`` (outside the user's
scope: 404; a role that may not read that kind of record: 403) and then answers with
``file_response``:

* by default Django streams the file itself (``FileResponse``);
* with ``BANGFU_X_ACCEL_REDIRECT`` set (say ``/protected-media/``), the view only answers with an
  ``X-Accel-Redirect`` header and nginx sends the bytes from an ``internal`` location that aliases
  MEDIA_ROOT (deploy/nginx.conf.example). Clients can never reach that location themselves.

Files are always sent as attachments with ``nosniff``, so an uploaded HTML or SVG file is never
rendered in the site's origin, and ``Cache-Control: private, no-store`` keeps them out of shared
caches.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse


def _disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback name and the real (often Chinese) name."""
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback or 'file'}\"; filename*=UTF-8''{quote(filename)}"


def file_response(field_file: FieldFile | None, *, filename: str | None = None,
                  content_type: str | None = None) -> HttpResponse:
    """The stored file of a record the caller has already found in the user's scope; 404 when
    the record has no file or the file is gone from storage."""
    if not field_file or not field_file.name:
        raise Http404
    name = field_file.name
    filename = filename or name.rsplit("/", 1)[-1]
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    prefix = getattr(settings, "FILES_X_ACCEL_REDIRECT", "")
    if prefix:
        if not default_storage.exists(name):
            raise Http404
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(name)
    else:
        try:
            handle = field_file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = _disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
