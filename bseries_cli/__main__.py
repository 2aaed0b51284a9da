"""`python -m bseries_cli`: the same as the `bseries-ipcam` command."""

from bseries_cli.launcher import main

raise SystemExit(main())
