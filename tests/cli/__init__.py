"""Tests of the `bseries-ipcam` command-line tool."""
