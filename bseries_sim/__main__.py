"""`python -m bseries_sim`: run a simulated camera, without importing Home Assistant."""

import sys

from bseries_cli.launcher import load_protocol_alone

load_protocol_alone()

from .cli import main  # noqa: E402 - after the protocol's packages are set up

sys.exit(main())
