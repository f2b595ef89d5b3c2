"""Analyze: clauses to stored analyses.

- ``work``: which clauses a key still needs, and each one's analyzer input.
- ``executor``: the analyzer over work items, concurrently, under the run's limits.
- ``persist``: one stored analysis per key, flagged as it is saved.
"""
