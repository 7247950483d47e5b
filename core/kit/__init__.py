"""Login kit: generated names and passwords, and the cards that hand them out.

The generators (:mod:`.names`, :mod:`.logins`, :mod:`.passwords`, :mod:`.fill`) are
re-exported here; the cards live in their own modules.
"""

from core.kit.fill import (
    FilledCell,
    FillOptions,
    FillPlan,
    TakenCheck,
    apply_fill,
    canvas_taken,
    plan_fill,
    remember_generated,
)
from core.kit.logins import (
    DEFAULT_LOGIN_PATTERN,
    LOGIN_FIELDS,
    LOGIN_PATTERNS,
    LoginStyle,
    login_stem,
    pattern_problem,
)
from core.kit.names import StudentName, student_name
from core.kit.passwords import PasswordStyle, child_words, make_password, password_style_problem

__all__ = [
    "DEFAULT_LOGIN_PATTERN",
    "LOGIN_FIELDS",
    "LOGIN_PATTERNS",
    "FillOptions",
    "FillPlan",
    "FilledCell",
    "LoginStyle",
    "PasswordStyle",
    "StudentName",
    "TakenCheck",
    "apply_fill",
    "canvas_taken",
    "child_words",
    "login_stem",
    "make_password",
    "password_style_problem",
    "pattern_problem",
    "plan_fill",
    "remember_generated",
    "student_name",
]
