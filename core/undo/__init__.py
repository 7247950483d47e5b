"""Undo a run: remove exactly the logins the workbook's last run created.

Choosing the logins lives in :mod:`core.undo.plan`, removing them (a strategy of the run
engine) in :mod:`core.undo.method`.
"""

from core.undo.method import UNDO_METHOD, UndoLogins, restore_permitted, undo_last_run
from core.undo.plan import RUN_GAP, UndoPlan, UndoTarget, plan_undo

__all__ = [
    "RUN_GAP",
    "UNDO_METHOD",
    "UndoLogins",
    "UndoPlan",
    "UndoTarget",
    "plan_undo",
    "restore_permitted",
    "undo_last_run",
]
