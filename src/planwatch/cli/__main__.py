"""``python -m planwatch.cli``: the ``planwatch`` command."""

import sys

from planwatch.cli import main

sys.exit(main())
