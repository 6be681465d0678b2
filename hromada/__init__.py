"""Hromada: an online platform for a Ukrainian territorial community."""

__version__ = "0.1.0"
