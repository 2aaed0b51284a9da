"""Development tools: run a real Home Assistant and the camera simulator on 127.0.0.1.

Not shipped to Home Assistant users (not in the package list of pyproject.toml): used by
`scripts/develop` and the end-to-end tests in tests/e2e/, from the repository's root.
"""
