"""core/exports.csv_response: every CSV download is UTF-8 with a BOM, and formula-safe."""

import codecs
import csv
import io

import pytest

from core.exports import cell, csv_response


def read(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_answer_declares_utf8_and_starts_with_the_bom():
    response = csv_response([["name"], ["Zoë"]], filename="people.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content == codecs.BOM_UTF8 + "name\r\nZoë\r\n".encode()


def test_it_is_an_attachment_with_the_given_name():
    response = csv_response([["a"]], filename="scoreboard-2026-05.csv")
    assert response["Content-Disposition"] == 'attachment; filename="scoreboard-2026-05.csv"'


def test_names_in_any_script_round_trip():
    names = ["Zoë Ñúñez-Ångström", "Łukasz Żółć", "Ngozi Ọkọnkwọ", "Юлия", "山田 太郎", "👩🏽‍💻"]
    assert read(csv_response([[name] for name in names], filename="x.csv")) == [
        [name] for name in names
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_quoted_as_text(start):
    value = f'{start}HYPERLINK("http://evil")'
    assert read(csv_response([[value]], filename="x.csv")) == [["'" + value]]


def test_ordinary_values_are_written_as_they_are():
    assert [cell(v) for v in ("Zoë", 3, "4.50", None, "a=b")] == ["Zoë", "3", "4.50", "", "a=b"]
