"""core.csvutil: Excel-friendly, formula-safe, streamed CSV out; UTF-8 or GB18030 in."""

import csv
import io
from urllib.parse import unquote

import pytest
from flask import Flask

from core.csvutil import csv_response, iter_csv, read_csv_text, safe_cell


@pytest.mark.parametrize("raw, shown", [
    ("=1+1", "'=1+1"), ("+86", "'+86"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("张伟", "张伟"), ("a=b", "a=b"), (None, ""), (-5, -5), (7, 7),
])
def test_cells_that_excel_would_run_get_a_leading_quote(raw, shown):
    assert safe_cell(raw) == shown


def _download(header, rows, filename="报表.csv"):
    app = Flask(__name__)
    with app.test_request_context():
        response = csv_response(filename, header, rows)
        return response, b"".join(response.response)


def test_download_has_bom_utf8_and_an_rfc5987_filename():
    response, body = _download(["姓名", "积分"], [["张伟", 10], ["=HYPERLINK(\"x\")", -3]])
    assert body.startswith(b"\xef\xbb\xbf")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"")
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "报表.csv"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["姓名", "积分"], ["张伟", "10"], ["'=HYPERLINK(\"x\")", "-3"]]


def test_large_exports_stream_in_chunks_from_a_generator():
    produced = []

    def rows():
        for n in range(1200):
            produced.append(n)
            yield [n, "x"]

    chunks = iter_csv(["n", "x"], rows())
    first = next(chunks)
    assert first.startswith("\ufeff") and produced == []  # nothing read before it is needed
    rest = list(chunks)
    assert len(rest) == 3 and len(produced) == 1200


def test_read_csv_text_accepts_utf8_with_or_without_bom_and_gb18030():
    text = "姓名,分钟\n张伟,60\n"
    assert read_csv_text(text.encode("utf-8-sig")) == text
    assert read_csv_text(text.encode("utf-8")) == text
    assert read_csv_text(text.encode("gb18030")) == text
