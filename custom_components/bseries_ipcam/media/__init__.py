"""The media layer: on-demand video and sound from the camera's AV channel, and what is made of them.

Feeds share one camera connection among every consumer; recording, pre-roll, Matroska, restream and live
audio turn the feeds into files and HTTP streams. Platform modules stay at the integration's root, as
Home Assistant expects; this package holds the pipeline they use.
"""
