"""Analyze: clauses to stored analyses.

- ``work``: which clauses a key still needs, and each one's analyzer input.
- ``claims``: a clause claimed just before its request is sent, so two runs never pay twice.
- ``executor``: the analyzer over work items, concurrently, under the run's limits.
- ``heap``: the garbage collector kept off the run's path (the heap it starts with, frozen).
- ``persist``: one stored analysis per key, flagged as it is saved.
"""
