"""Ingest: captures in, versions out.

- ``captures``: ``ingest`` (files, folders, manifests) into documents, captures and versions.
- ``manifest``: manifest rows (JSONL, CSV) and their capture metadata.
- ``extract``: text from Markdown, text, HTML and PDF captures.
- ``cutoff``: whether a captured text looks cut off.
"""
