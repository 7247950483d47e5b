"""PyInstaller entry script for the command line (the ``canvas-logins-cli`` script)."""

import multiprocessing
import sys

from core.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
