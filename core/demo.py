"""The demo school: seeded into the built-in sandbox and written into the demo workbook.

Kept in one place so the sandbox and ``resources/demo.xlsx`` always agree. The
workbook rows are chosen to show every outcome: logins to create (K-3 simple logins
and an SSO login), a reset, a removal, and rows with problems staff fix in the grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEMO_ROOT_ACCOUNT_ID = 1
DEMO_ROOT_ACCOUNT_NAME = "Maple Grove School District"
DEMO_SUB_ACCOUNT_ID = 2
DEMO_SUB_ACCOUNT_NAME = "Maple Grove Elementary"
#: The sandbox admin token. Not a secret: it only opens the local sandbox.
DEMO_TOKEN = "sandbox-demo-token"
DEMO_ADMIN_NAME = "Office Admin (sandbox)"
DEMO_ADMIN_USER_ID = 1

#: (id, auth_type) of the root account's authentication providers.
DEMO_PROVIDERS: tuple[tuple[int, str], ...] = ((1, "canvas"), (7, "saml"))


@dataclass(frozen=True)
class DemoStudent:
    canvas_id: int
    sis_id: str
    name: str
    grade: str
    teacher: str
    #: Existing logins: (unique_id, provider type).
    logins: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def _sso(name: str) -> tuple[tuple[str, str], ...]:
    first, last = name.lower().split(" ", 1)
    return ((f"{first}.{last.replace(' ', '')}@maplegrove.example", "saml"),)


_NAMES = [
    ("Ava Kowalski", "K", "Ms. Patel"),
    ("Liam O'Brien", "K", "Ms. Patel"),
    ("Zoë Dubois", "K", "Ms. Patel"),
    ("Noah Nguyen", "K", "Ms. Patel"),
    ("Mia Schröder", "1", "Mr. Okafor"),
    ("José Álvarez", "1", "Mr. Okafor"),
    ("Emma Johnson", "1", "Mr. Okafor"),
    ("Oliver Smith", "1", "Mr. Okafor"),
    ("Sofia Rossi", "2", "Mrs. Lindqvist"),
    ("Lucas Martin", "2", "Mrs. Lindqvist"),
    ("Amara Okeke", "2", "Mrs. Lindqvist"),
    ("Ethan Brown", "2", "Mrs. Lindqvist"),
    ("Chloé Bernard", "3", "Mr. Haddad"),
    ("Yuki Tanaka", "3", "Mr. Haddad"),
    ("Aarav Sharma", "3", "Mr. Haddad"),
    ("Grace Wilson", "3", "Mr. Haddad"),
    ("Henry Davis", "4", "Ms. García"),
    ("Isla Thompson", "4", "Ms. García"),
    ("Yusuf Tahir", "5", "Mr. Berg"),  # not in the demo workbook; holds "yuki.t"
]

DEMO_STUDENTS: tuple[DemoStudent, ...] = (
    *(
        DemoStudent(
            canvas_id=101 + i,
            sis_id=f"00455{10 + i:02d}",  # leading zeros, as school SIS ids often have
            name=name,
            grade=grade,
            teacher=teacher,
            logins=_sso(name),
        )
        for i, (name, grade, teacher) in enumerate(_NAMES)
    ),
    # New this term, not in the demo workbook and without a login yet. Her first name
    # and last initial are Ava Kowalski's, so a class list that says "Ava K." is ambiguous.
    DemoStudent(canvas_id=120, sis_id="0045529", name="Ava Kaur", grade="K", teacher="Ms. Patel"),
)

#: A login that already belongs to a student, so the demo shows "belongs to someone else".
DEMO_EXTRA_LOGINS: tuple[tuple[int, str, str], ...] = (
    (113, "chloe.b", "canvas"),  # Chloé already has a simple login from last year
    (117, "henry.d", "canvas"),  # Henry moved up: the demo removes it
    (118, "isla.t", "canvas"),  # Isla forgot her password: the demo resets it
    (119, "yuki.t", "canvas"),  # another student holds the name Yuki's teacher chose
)

TEMPLATE_HEADERS: tuple[str, ...] = (
    "First Name",
    "Last Name",
    "Class",
    "Teacher",
    "SIS User ID",
    "New Login",
    "Password",
    "Action",
    "Notes",
)

_K = "Kindergarten - Ms. Patel"
_G1 = "Grade 1 - Mr. Okafor"
_G2 = "Grade 2 - Mrs. Lindqvist"
_G3 = "Grade 3 - Mr. Haddad"
_G4 = "Grade 4 - Ms. García"

#: Rows of the demo workbook, in TEMPLATE_HEADERS order. Ms. Patel left her class's
#: logins and passwords empty for the generator (Ava Kaur, new this term, then gets
#: "ava.k2"); the other teachers typed theirs, some with deliberate problems.
DEMO_ROWS: tuple[tuple[str, ...], ...] = (
    ("Ava", "Kowalski", _K, "Ms. Patel", "0045510", "", "", "", ""),
    ("Liam", "O'Brien", _K, "Ms. Patel", "0045511", "", "", "", ""),
    ("Zoë", "Dubois", _K, "Ms. Patel", "0045512", "", "", "", "Accents fine"),
    ("Noah", "Nguyen", _K, "Ms. Patel", "0045513", "noah.n", "cat7", "", "Password too short"),
    ("Mia", "Schröder", _G1, "Mr. Okafor", "0045514", "mia.s", "red-boat-55", "Create", ""),
    ("José", "Álvarez", _G1, "Mr. Okafor", "0045515", "jose.a", "tall-tree-32", "Add", ""),
    ("Emma", "Johnson", _G1, "Mr. Okafor", "0045516", "emma.j", "happy-sun-88", "", ""),
    ("Oliver", "Smith", _G1, "Mr. Okafor", "0045517", "Emma.J", "quiet-owl-64", "", "Typo?"),
    ("Sofia", "Rossi", _G2, "Mrs. Lindqvist", "0045518", "sofia.r", "warm-rain-23", "", ""),
    ("Lucas", "Martin", _G2, "Mrs. Lindqvist", "0045519", "lucas.m", "fast-fox-92", "", ""),
    ("Amara", "Okeke", _G2, "Mrs. Lindqvist", "0045520", "amara.o", "soft-moss-26", "", ""),
    ("Ethan", "Brown", _G2, "Mrs. Lindqvist", "", "ethan.b", "big-bear-22", "", "No SIS ID yet"),
    ("Chloé", "Bernard", _G3, "Mr. Haddad", "0045522", "chloe.b", "pink-star-72", "", ""),
    ("Yuki", "Tanaka", _G3, "Mr. Haddad", "0045523", "yuki.t", "gold-leaf-38", "", ""),
    ("Aarav", "Sharma", _G3, "Mr. Haddad", "0045524", "aarav.s", "cool-wave-47", "", ""),
    ("Grace", "Wilson", _G3, "Mr. Haddad", "0045525", "grace.w", "kind-lamb-29", "", ""),
    ("Henry", "Davis", _G4, "Ms. García", "0045526", "henry.d", "", "Remove", "Moved up"),
    ("Isla", "Thompson", _G4, "Ms. García", "0045527", "isla.t", "new-moon-83", "Reset", ""),
    ("Ava", "Kaur", _K, "Ms. Patel", "0045529", "", "", "", "New this term"),
)


# ----- the demo school's classes (courses, sections and enrollments in the sandbox) -----


@dataclass(frozen=True)
class DemoTeacher:
    user_id: int
    name: str
    #: What the demo workbook's Teacher column says; Canvas shows it as the display name.
    short_name: str
    sis_id: str


@dataclass(frozen=True)
class DemoTerm:
    term_id: int
    name: str
    start_at: str | None
    end_at: str | None
    sis_term_id: str | None = None


@dataclass(frozen=True)
class DemoSection:
    section_id: int
    name: str
    student_ids: tuple[int, ...]


@dataclass(frozen=True)
class DemoCourse:
    course_id: int
    name: str
    course_code: str
    sis_course_id: str
    teacher_id: int
    term_id: int
    sections: tuple[DemoSection, ...]
    #: Last year's class: workflow_state "completed", its term over, enrollments completed.
    concluded: bool = False


DEMO_TEACHERS: tuple[DemoTeacher, ...] = (
    DemoTeacher(51, "Anita Patel", "Ms. Patel", "T0051"),
    DemoTeacher(52, "Daniel Okafor", "Mr. Okafor", "T0052"),
    DemoTeacher(53, "Karin Lindqvist", "Mrs. Lindqvist", "T0053"),
    DemoTeacher(54, "Omar Haddad", "Mr. Haddad", "T0054"),
    DemoTeacher(55, "Lucía García", "Ms. García", "T0055"),
    DemoTeacher(56, "Erik Berg", "Mr. Berg", "T0056"),
)

DEMO_CURRENT_TERM_ID = 3
#: Every Canvas root account has its "Default Term", without dates and without classes here.
DEMO_TERMS: tuple[DemoTerm, ...] = (
    DemoTerm(1, "Default Term", None, None),
    DemoTerm(2, "2024-2025", "2024-08-19T05:00:00Z", "2025-06-13T05:00:00Z", "2425"),
    DemoTerm(DEMO_CURRENT_TERM_ID, "2025-2026", "2025-08-18T05:00:00Z", None, "2526"),
)


def _one_section(section_id: int, name: str, *student_ids: int) -> tuple[DemoSection, ...]:
    """A class with only its default section, which Canvas names after the course."""
    return (DemoSection(section_id, name, student_ids),)


#: One class per teacher. Noah (104) also reads with Grade 1, so a roster of both classes
#: must list him once; Aarav (115) is in both sections of Mr. Haddad's class.
DEMO_COURSES: tuple[DemoCourse, ...] = (
    DemoCourse(
        201,
        "Kindergarten - Ms. Patel",
        "K-PATEL",
        "2526-K-PATEL",
        51,
        DEMO_CURRENT_TERM_ID,
        _one_section(301, "Kindergarten - Ms. Patel", 101, 102, 103, 104, 120),
    ),
    DemoCourse(
        202,
        "Grade 1 - Mr. Okafor",
        "G1-OKAFOR",
        "2526-G1-OKAFOR",
        52,
        DEMO_CURRENT_TERM_ID,
        _one_section(302, "Grade 1 - Mr. Okafor", 104, 105, 106, 107, 108),
    ),
    DemoCourse(
        203,
        "Grade 2 - Mrs. Lindqvist",
        "G2-LINDQVIST",
        "2526-G2-LINDQVIST",
        53,
        DEMO_CURRENT_TERM_ID,
        _one_section(303, "Grade 2 - Mrs. Lindqvist", 109, 110, 111, 112),
    ),
    DemoCourse(
        204,
        "Grade 3 - Mr. Haddad",
        "G3-HADDAD",
        "2526-G3-HADDAD",
        54,
        DEMO_CURRENT_TERM_ID,
        (
            DemoSection(304, "Grade 3 - Room 3A", (113, 114, 115)),
            DemoSection(305, "Grade 3 - Room 3B", (115, 116)),
        ),
    ),
    DemoCourse(
        205,
        "Grade 4 - Ms. García",
        "G4-GARCIA",
        "2526-G4-GARCIA",
        55,
        DEMO_CURRENT_TERM_ID,
        _one_section(306, "Grade 4 - Ms. García", 117, 118, 119),
    ),
    DemoCourse(
        206,
        "Grade 5 - Mr. Berg",
        "G5-BERG",
        "2526-G5-BERG",
        56,
        DEMO_CURRENT_TERM_ID,
        _one_section(307, "Grade 5 - Mr. Berg", 119),
    ),
    DemoCourse(
        207,
        "Kindergarten - Ms. Patel (2024-2025)",
        "K-PATEL-2425",
        "2425-K-PATEL",
        51,
        2,
        _one_section(308, "Kindergarten - Ms. Patel (2024-2025)", 105, 106, 107, 108),
        concluded=True,
    ),
)

#: Enrollments not simply "active": (user id, section id) -> workflow_state. Ava Kaur has
#: not accepted her invitation yet; Yusuf left Ms. García's class for Grade 5.
DEMO_ENROLLMENT_STATES: dict[tuple[int, int], str] = {
    (120, 301): "invited",
    (119, 306): "deleted",
}
