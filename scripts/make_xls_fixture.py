"""Write tests/fixtures/small.xls, the synthetic Excel 97 workbook the format tests read.

Run once by hand (``pip install xlwt`` into any scratch environment: xlwt is not a
dependency of riskoff, which only reads workbooks); the file is committed. Every number
in it is made up.
"""

from __future__ import annotations

from pathlib import Path

import xlwt  # type: ignore[import-not-found]

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "small.xls"


def main() -> None:
    book = xlwt.Workbook()
    daily = book.add_sheet("daily")
    header = ["DAY", "N10D", "GPRD", "GPRD_ACT", "GPRD_THREAT"]
    rows: list[list[object]] = [
        ["20200101", 400.0, 100.5, 90.25, 110.75],
        ["20200102", 410.0, 101.5, 91.25, 111.75],
        [20200103, 420.0, 150.0, 190.0, 120.0],  # a numeric day cell: read as 20200103
        ["20200106", 430.0, 99.0, 80.0, 105.0],
        ["20200107", "", "", "", ""],  # an empty row inside the sheet: missing, not an error
        ["20200108", 50.0, 98.0, 81.0, 104.0],
    ]
    for j, name in enumerate(header):
        daily.write(0, j, name)
    for i, row in enumerate(rows, start=1):
        for j, cell in enumerate(row):
            if cell != "":
                daily.write(i, j, cell)
    broken = book.add_sheet("broken")
    for j, name in enumerate(["DAY", "V", "W", "DAY2"]):
        broken.write(0, j, name)
    for i, row in enumerate(
        [
            ["20200101", 1.0, 1.0, "20200101"],
            ["20200102", "abc", 2.0, "20200102"],  # V: not a number on row 3
            ["20200103", 3.0, 3.0, "2020013x"],  # DAY2: not a day on row 4
        ],
        start=1,
    ):
        for j, cell in enumerate(row):
            broken.write(i, j, cell)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(OUT))


if __name__ == "__main__":
    main()
