"""Runs: the main job end to end, and what it records.

- ``run``: ``arun`` / ``run``: plan the run, then hand it to its transport (``TRANSPORTS``).
- ``plan``: ``RunOptions``; the analyzer, ingest, the run record and the work, before any request.
- ``messages``: the messages transport (one request a clause), and change analyses.
- ``batches``, ``_batch_collect``: the Message Batches transport: submit, collect, forget.
- ``summary``: ``RunSummary``, ``Callbacks`` and ``finish``, which counts a run from the store;
  an interrupted run recorded so, and runs whose process died reaped (``reap_dead_runs``).
- ``document``: ``analyze_document``, one document's clauses one at a time.
- ``records``: run records (start, update, list; an unfinished run shows what it spent).
- ``estimate``: the dry run (calls, tokens, cost before spending).
- ``ratelimit``: requests and tokens per minute.
- ``_sync``: the guard that keeps ``asyncio.run`` out of a running event loop.

Imports run one way: run → messages, batches (lazily) → plan, summary → records;
batches → _batch_collect → summary; document → messages, plan.
"""
