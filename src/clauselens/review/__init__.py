"""Review: what an analyst looks at, and what they decide.

- ``flags``: the flag rules (data) and the flags of each analysis.
- ``decisions``: the review queue, approve / edit / reject, the append-only audit trail.
"""
