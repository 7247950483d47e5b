"""Students from Canvas: find classes, read their students into a new workbook, and
find the students of a names-only class list (issue 11).

``courses`` finds classes and sections, ``roster`` reads and writes the class list,
``match`` fills Canvas User IDs from names.
"""
