"""CSV downloads that spreadsheets open as they should: UTF-8 with a byte-order mark, the
charset declared, and no cell a spreadsheet would run as a formula. Every export answers
through `csv_response`."""

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.http import content_disposition_header

# Excel reads a CSV without a BOM in the machine's legacy code page, which garbles every
# accented name; with it, Excel reads UTF-8, and other readers skip it.
BOM = "\ufeff"
FORMULA_CHARACTERS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A spreadsheet must never run a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_CHARACTERS) else text


def csv_response(rows: Iterable[Iterable[object]], *, filename: str) -> HttpResponse:
    """`rows` (the header first) as a CSV attachment named `filename`."""
    out = io.StringIO()
    out.write(BOM)
    csv.writer(out).writerows([cell(value) for value in row] for row in rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
