"""CSV in and out: UTF-8 with BOM for Excel on Chinese Windows, formula injection neutralised.

Exports stream: rows are written in small chunks from a generator, so a large audit trail
never becomes one giant string in memory.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import quote

from flask import Response, stream_with_context

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500


def safe_cell(value) -> str | int:
    """A cell Excel will not run: text starting with = + - @ tab or CR gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def iter_csv(header: Sequence, rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text in chunks: the BOM and header first, then CHUNK_ROWS rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    count = 0
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        count += 1
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    tail = buffer.getvalue()
    if tail:
        yield tail


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback and the real (maybe Chinese) name per RFC 5987."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename)
    return f"attachment; filename=\"{fallback or 'export.csv'}\"; filename*=UTF-8''{quote(filename, safe='')}"


def csv_response(filename: str, header: Sequence, rows: Iterable[Sequence]) -> Response:
    """A streamed CSV download; rows may be a generator that reads the database lazily."""
    chunks = (chunk.encode("utf-8") for chunk in iter_csv(header, rows))
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def read_csv_text(data: bytes) -> str:
    """Uploaded CSV bytes as text: UTF-8 (with or without BOM) first, then GB18030 (Excel, 中文 Windows).

    Raises UnicodeDecodeError when neither fits, for the caller to turn into a field message.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")
