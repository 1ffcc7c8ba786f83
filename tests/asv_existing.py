"""Test-only stand-in for ``python -m asv``: ``asv run HASHFILE:F ...`` runs in this
Python's own environment, recorded at F's commit, so no environment is built."""

import sys
from pathlib import Path

from asv.main import main

if __name__ == "__main__":
    args = sys.argv[1:]
    spec = next((a for a in args if a.startswith("HASHFILE:")), None)
    if spec is not None:
        sha = Path(spec.removeprefix("HASHFILE:")).read_text().split()[0]
        args = [a for a in args if a != spec] + [
            "--environment", f"existing:{sys.executable}", "--set-commit-hash", sha, "--quick"]
    sys.argv = ["asv", *args]
    sys.exit(main())
