"""Segment: a version's text into clauses by its real structure.

- ``clauses``: ``segment`` and the clause helpers (``heading_only``, ``outline``).
- ``_blocks``, ``_headings``, ``_split``: blocks of text, heading detection, size bounds.
"""
