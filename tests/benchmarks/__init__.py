"""Tests of the benchmark code's pure parts (statistics, pairing, report, the relay's framing)."""
