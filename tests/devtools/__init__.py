"""Tests of the development tools (devtools/) that need no Home Assistant process."""
