"""Running changes against Canvas: one journaled, paced engine (:mod:`.engine`) with its
strategies (rows by the API in :mod:`.api`; the SIS import and undo live in
:mod:`core.sis` and :mod:`core.undo`), the per-row Canvas calls (:mod:`.operations`) and
the pacing by Canvas's throttle (:mod:`.pacing`)."""

from core.run.api import execute
from core.run.engine import CanvasUnavailable, RunOptions, RunSummary

__all__ = ["CanvasUnavailable", "RunOptions", "RunSummary", "execute"]
