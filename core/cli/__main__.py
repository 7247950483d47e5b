"""``python -m core.cli``: the command line."""

import sys

from core.cli.main import main

sys.exit(main())
