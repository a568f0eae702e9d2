"""Reading uploaded evidence files, the same way for reports and inspections."""

from __future__ import annotations

from fastapi import UploadFile

from api.errors import ApiError
from api.settings import ApiSettings

__all__ = ["MAX_FILES", "read_uploads"]

#: Most evidence files one request may carry.
MAX_FILES = 10


def read_uploads(files: list[UploadFile], api: ApiSettings) -> list[tuple[str, bytes]]:
    """Return ``(file name, bytes)`` of each upload, at most :data:`MAX_FILES` of them.

    Call it from a worker thread: large uploads are spooled to disk. The body limit of
    :class:`api.main.BodySizeLimit` already bounds the total; reading one byte more than the
    per-file limit lets :mod:`geo.reports.evidence` say a file is too large, not cut it.
    """
    if len(files) > MAX_FILES:
        raise ApiError(
            422, f"evidence: at most {MAX_FILES} files, got {len(files)}", field="evidence"
        )
    return [(f.filename or "", f.file.read(api.max_upload_bytes + 1)) for f in files]
