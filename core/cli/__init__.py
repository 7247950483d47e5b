"""``canvas-logins-cli``: the workbook jobs without the window, for scripts and IT staff.

One module per command (``check``, ``run``, ``export_sis``, ``undo``, ``sandbox``), each
with ``add_parser`` and ``run``; :mod:`core.cli.main` assembles them.
"""

from core.cli.main import main
from core.cli.status import PROG, ExitStatus, UsageProblem

__all__ = ["PROG", "ExitStatus", "UsageProblem", "main"]
