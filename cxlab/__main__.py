"""``python -m cxlab``: the same as the ``cxlab`` command."""

import sys

from cxlab.cli import main

if __name__ == "__main__":
    sys.exit(main())
