"""`bseries-ipcam`: a command-line tool for B-Series (Foscam MJPEG) IP cameras.

Probe a camera, save a snapshot, record its microphone, talk through its speaker, decode captured
protocol bytes, and run the camera simulator. Every failure ends with one line on stderr and an
exit code per kind of failure (see `bseries_cli.output.ExitCode`); never a traceback, never a password.
"""
