"""nif's version, in a module of its own so that the foundations (the report) can name it."""

__version__ = "0.1.0"
