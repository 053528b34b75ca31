"""Lint the dbt project: sqlfluff and dbt-score (``make lint``).

    .venv/bin/python scripts/lint_dbt.py

Uses the warehouse the settings name (the embedded one by default) only to
render the dbt project; nothing is written to it.
"""

from __future__ import annotations

import subprocess
import sys

from planwatch.config import load_settings
from planwatch.dbt import lint
from planwatch.warehouse.db import warehouse_url


def main() -> int:
    settings = load_settings()
    try:
        lint(warehouse_url(settings), settings)
    except subprocess.CalledProcessError as exc:
        print(f"dbt lint failed: {' '.join(exc.cmd[:2])} exited {exc.returncode}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
