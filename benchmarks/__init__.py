"""Benchmarks: the protocol codec, and the camera entity against Home Assistant's `mjpeg`.

Run them with `scripts/bench` (see `python -m benchmarks --help`).
"""
