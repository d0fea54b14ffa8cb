"""Plumbline: every story from every side, with bias that is measured and checkable."""

__version__ = "0.1.0"
