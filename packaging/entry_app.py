"""PyInstaller entry script for the windowed app (the ``canvas-logins`` gui script)."""

import multiprocessing
import sys

from gui.app import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
