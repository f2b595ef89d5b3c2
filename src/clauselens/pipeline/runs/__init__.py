"""Runs: the main job end to end, and what it records.

- ``run``: ``run`` (ingest, plan, analyse, record) and ``RunOptions``.
- ``records``: run records (start, update, list).
- ``batches``, ``_batch_collect``, ``_batch_finish``: the Message Batches mode.
- ``estimate``: the dry run (calls, tokens, cost before spending).
- ``ratelimit``: requests and tokens per minute.
"""
