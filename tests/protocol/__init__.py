"""Tests of the protocol codec: framing, messages, ADPCM, and conformance to real captures."""
