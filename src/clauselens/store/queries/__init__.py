"""The query layer: one typed function for each question the stages ask of the store.

- ``pending``: which clauses need analysis for an analyzer key, and the rule that decides it.
- ``runs``: what a run has stored under its id (counts, usage, cost, failures, batches).
"""
