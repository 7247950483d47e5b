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

DEMO_STUDENTS: tuple[DemoStudent, ...] = tuple(
    DemoStudent(
        canvas_id=101 + i,
        sis_id=f"00455{10 + i:02d}",  # leading zeros, as school SIS ids often have
        name=name,
        grade=grade,
        teacher=teacher,
        logins=_sso(name),
    )
    for i, (name, grade, teacher) in enumerate(_NAMES)
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
    "Grade",
    "Teacher",
    "SIS User ID",
    "New Login",
    "Password",
    "Action",
    "Notes",
)

#: Rows of the demo workbook, in TEMPLATE_HEADERS order. Some carry deliberate problems.
DEMO_ROWS: tuple[tuple[str, ...], ...] = (
    ("Ava", "Kowalski", "K", "Ms. Patel", "0045510", "ava.k", "sunny-apple-7", "", ""),
    ("Liam", "O'Brien", "K", "Ms. Patel", "0045511", "liam.o", "green-frog-42", "", ""),
    ("Zoë", "Dubois", "K", "Ms. Patel", "0045512", "zoe.d", "blue-kite-19", "", "Accents fine"),
    ("Noah", "Nguyen", "K", "Ms. Patel", "0045513", "noah.n", "cat7", "", "Password too short"),
    ("Mia", "Schröder", "1", "Mr. Okafor", "0045514", "mia.s", "red-boat-55", "Create", ""),
    ("José", "Álvarez", "1", "Mr. Okafor", "0045515", "jose.a", "tall-tree-31", "Add", ""),
    ("Emma", "Johnson", "1", "Mr. Okafor", "0045516", "emma.j", "happy-sun-88", "", ""),
    ("Oliver", "Smith", "1", "Mr. Okafor", "0045517", "Emma.J", "quiet-owl-64", "", "Typo?"),
    ("Sofia", "Rossi", "2", "Mrs. Lindqvist", "0045518", "sofia.r", "warm-rain-23", "", ""),
    ("Lucas", "Martin", "2", "Mrs. Lindqvist", "0045519", "lucas.m", "fast-fox-90", "", ""),
    ("Amara", "Okeke", "2", "Mrs. Lindqvist", "0045520", "amara.o", "soft-moss-16", "", ""),
    ("Ethan", "Brown", "2", "Mrs. Lindqvist", "", "ethan.b", "big-bear-11", "", "No SIS ID yet"),
    ("Chloé", "Bernard", "3", "Mr. Haddad", "0045522", "chloe.b", "pink-star-72", "", ""),
    ("Yuki", "Tanaka", "3", "Mr. Haddad", "0045523", "yuki.t", "gold-leaf-38", "", ""),
    ("Aarav", "Sharma", "3", "Mr. Haddad", "0045524", "aarav.s", "cool-wave-47", "", ""),
    ("Grace", "Wilson", "3", "Mr. Haddad", "0045525", "grace.w", "kind-lamb-29", "", ""),
    ("Henry", "Davis", "4", "Ms. García", "0045526", "henry.d", "", "Remove", "Moved up"),
    ("Isla", "Thompson", "4", "Ms. García", "0045527", "isla.t", "new-moon-81", "Reset", ""),
)
