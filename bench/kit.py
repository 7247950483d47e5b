"""How fast the K-3 kit is: generating logins and passwords for a whole school, and
making its login cards.

* generate: ``plan_fill`` + ``apply_fill`` for N students whose names collide often (a
  school has many Avas), offline, so the numbering is exercised;
* cards: ``cards_pdf`` for the same students, one class per 25, with a few names in
  other scripts (shaped Arabic, CJK from a system font when one is installed).

Always exits 0: it is a measurement, not a test. Nothing leaves the machine.

    .venv/bin/python bench/kit.py [--students 2000] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

FIRST = ["Ava", "Liam", "Zoë", "Noah", "Mia", "José", "Emma", "Oliver", "Sofia", "Yuki"]
LAST = ["Kowalski", "Nguyễn", "Dubois", "Álvarez", "Smith", "田中", "حسن", "Okafor"]


def make_table(students: int):
    """A sheet of ``students`` rows: names, a class per 25, an SIS id, empty logins."""
    from core.model import Role, Row, Table

    headers = ["First Name", "Last Name", "Class", "SIS User ID", "New Login", "Password"]
    columns = {
        Role.FIRST_NAME: 0,
        Role.LAST_NAME: 1,
        Role.CLASS: 2,
        Role.SIS_USER_ID: 3,
        Role.NEW_LOGIN: 4,
        Role.PASSWORD: 5,
    }
    rows = [
        Row(
            n + 2,
            [
                FIRST[n % len(FIRST)],
                LAST[(n // len(FIRST)) % len(LAST)],
                f"Class {n // 25 + 1:03d}",
                f"00{n:06d}",
                "",
                "",
            ],
        )
        for n in range(students)
    ]
    return Table(sheet="Students", headers=headers, header_row=1, columns=columns, rows=rows)


def measure(students: int) -> dict[str, float]:
    from core.kit.cards import CardOptions, PageSize, cards_for, cards_pdf
    from core.kit.fill import FillOptions, apply_fill, plan_fill
    from core.model import Role, Status

    table = make_table(students)
    started = time.perf_counter()
    plan = plan_fill(table, FillOptions())
    apply_fill(table, plan)
    generate_s = time.perf_counter() - started
    for row in range(students):
        table.set_value(row, Role.STATUS, Status.CREATED.value)

    options = CardOptions(
        PageSize.LETTER, "school.instructure.com", "https://school.instructure.com/"
    )
    cards = cards_for(table)
    started = time.perf_counter()
    pdf, report = cards_pdf(cards, options)
    cards_s = time.perf_counter() - started
    return {
        "students": students,
        "generate_s": round(generate_s, 3),
        "generate_rows_per_s": round(students / generate_s),
        "numbered_logins": len(plan.renamed),
        "cards_s": round(cards_s, 3),
        "cards_per_s": round(len(cards) / cards_s),
        "pages": report.pages,
        "pdf_mb": round(len(pdf) / 1_000_000, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure(args.students)
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:>20}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
