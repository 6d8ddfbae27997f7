"""baclo: a command-line drug reference for baclofen."""

__version__ = "0.1.0"
