"""`python -m bseries_cli`: the same as the `bseries-ipcam` command."""

from bseries_cli.main import main

raise SystemExit(main())
