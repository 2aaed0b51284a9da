"""`python -m bseries_sim`: run a simulated camera."""

import sys

from .cli import main

sys.exit(main())
