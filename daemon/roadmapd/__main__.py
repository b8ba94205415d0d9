"""`python -m roadmapd ...` is the `roadmapd` command (editors launch the daemon this way)."""

import sys

from roadmapd.cli import main

sys.exit(main())
