"""planwatch: a warehouse for monitoring a provincial government action plan."""

__version__ = "0.1.0"
