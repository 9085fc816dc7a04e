"""``python -m zeebe_router``: the ``zeebe-router`` command line."""

import sys

from zeebe_router.cli import main

if __name__ == "__main__":
    sys.exit(main())
