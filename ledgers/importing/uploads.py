"""An upload handler that stops an import upload at the size limit while it arrives.

Django's own handlers write the whole body to a temporary file before any view can look at
its size. Put first in ``request.upload_handlers``, this one counts the file's bytes as they
come (and believes a Content-Length that is already too large) and raises ``StopUpload``: Django
then closes (deletes) the partial temporary file and reads the rest of the body without storing
it, the other form fields (the CSRF token, the kind) arrive as usual, and the view answers with
a form error. Nothing of a refused upload is written to disk.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from ledgers.importing.safety import MAX_UPLOAD_BYTES

# room for the multipart envelope and the other fields of the form
ENVELOPE_BYTES = 64 * 1024


class LimitedUploadHandler(FileUploadHandler):
    """Refuses file fields over ``limit`` bytes; sets ``request.upload_too_large``."""

    def __init__(self, request: HttpRequest | None = None, limit: int = MAX_UPLOAD_BYTES):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.content_length: int | None = None

    def handle_raw_input(self, input_data: Any, META: Any, content_length: int, boundary: Any,
                         encoding: str | None = None) -> None:
        self.content_length = content_length
        return None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        if self.content_length is not None and self.content_length > self.limit + ENVELOPE_BYTES:
            self._stop()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._stop()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) makes the file

    def _stop(self) -> None:
        if self.request is not None:
            self.request.upload_too_large = True
        # read (and drop) the rest of the body, so that the browser gets the page with the error
        raise StopUpload(connection_reset=False)
