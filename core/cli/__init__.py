"""``canvas-logins-cli``: the workbook jobs without the window, for scripts and IT staff.

One module per command (``check``, ``run``, ``export_sis``, ``undo``, ``history``,
``generate``, ``cards``, ``roster``, ``match``, ``sandbox``), each with ``add_parser`` and
``run``; :mod:`core.cli.main` assembles them. :mod:`core.cli.common` opens workbooks and
says how a command ended, :mod:`core.cli.connection` finds and connects to Canvas, and
:mod:`core.cli.json_output` is ``--json``.
"""

from core.cli.main import main
from core.cli.status import PROG, ExitStatus, UsageProblem

__all__ = ["PROG", "ExitStatus", "UsageProblem", "main"]
