"""visitdesk: prepare, conduct and document on-site collection visits.

The version below is the single source for ``visitdesk --version``, the About box and the
Windows installer (installer/build.py reads it).
"""

__version__ = "0.1.0"
