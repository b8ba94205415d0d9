"""`python -m roadmapd.server`: the language server on stdio (used by tests)."""

import sys

from .main import main

sys.exit(main(sys.argv[1:]))
