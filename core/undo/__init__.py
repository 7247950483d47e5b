"""Undo a run: take back what the workbook's last run changed in Canvas.

The logins it created are removed, the ones it suspended reactivated, the ones it
reactivated suspended again. Choosing them lives in :mod:`core.undo.plan`, doing it (a
strategy of the run engine) in :mod:`core.undo.method`.
"""

from core.undo.method import UNDO_METHOD, UndoLogins, restore_permitted, undo_last_run
from core.undo.plan import RUN_GAP, UndoChange, UndoPlan, UndoTarget, plan_undo

__all__ = [
    "RUN_GAP",
    "UNDO_METHOD",
    "UndoChange",
    "UndoLogins",
    "UndoPlan",
    "UndoTarget",
    "plan_undo",
    "restore_permitted",
    "undo_last_run",
]
