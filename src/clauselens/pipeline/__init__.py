"""The stages, one package each, in data-flow order.

- ``ingest``: read captures (files, folders, manifests), extract text, record versions.
- ``segment``: cut a version into clauses by its structure, within size bounds.
- ``versions``: align a version with the one before, classify changes, analyse them.
- ``analyze``: which clauses need analysis, run the analyzer over them, store the results.
- ``runs``: a run end to end (messages or batches), its record, the estimate, rate limits.
"""
