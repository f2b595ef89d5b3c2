"""clauselens: clause-by-clause analysis of platform policies."""

__version__ = "0.1.0"

__all__ = ["__version__"]
