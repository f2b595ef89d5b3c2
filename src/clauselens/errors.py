"""The one error hierarchy of clauselens.

Library code raises these; the CLI maps them to messages and exit codes. Exceptions carry
data (paths, clause ids, attempts, usage), not only a message.
"""

from __future__ import annotations


class ClauselensError(Exception):
    """Base of every error clauselens raises on purpose."""

    exit_code = 1


class UsageError(ClauselensError):
    """The command was called wrongly (bad option, unknown document, missing argument)."""

    exit_code = 2


class ConfigError(ClauselensError):
    """Settings or a shipped data file are invalid."""

    exit_code = 2


class CaptureError(ClauselensError):
    """A capture cannot be ingested: empty, binary, mis-encoded, too large, unreadable."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ManifestError(ClauselensError):
    """A manifest line or row is malformed."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class SyncError(ClauselensError):
    """A versions repository cannot be synced: not a git repository, no versions, git failed.
    Nothing is stored."""

    def __init__(self, repository: str, reason: str) -> None:
        super().__init__(f"{repository}: {reason}")
        self.repository = repository
        self.reason = reason


class HistoryRewrittenError(SyncError):
    """The commit a repository was last synced at is no longer in its history (a force-push)."""

    def __init__(self, repository: str, remembered: str, head: str) -> None:
        super().__init__(
            repository,
            f"history rewritten: the last synced commit {remembered[:12]} is no longer an "
            f"ancestor of {head[:12]} (a force-push?); nothing was ingested. Choose where to "
            "resume with --since COMMIT|DATE (captures already stored are recognised and not "
            "stored again)",
        )
        self.remembered = remembered
        self.head = head


class MissingDependencyError(ClauselensError):
    """An optional dependency a format needs is not installed."""

    exit_code = 2

    def __init__(self, package: str, extra: str, what: str) -> None:
        super().__init__(
            f"{what} needs the optional package {package!r}, which is not installed: "
            f"pip install 'clauselens[{extra}]'"
        )
        self.package = package
        self.extra = extra


class StoreError(ClauselensError):
    """The store cannot be opened, migrated or written. A run stops on it."""


class NotFoundError(UsageError):
    """A document, version, clause, analysis or run named by the user does not exist."""


class ApiError(ClauselensError):
    """The model API refused the request for a reason retrying cannot fix (400, 401, 403, 404)."""

    def __init__(self, message: str, *, status_code: int | None, request_id: str | None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.request_id = request_id
        self.usage: dict[str, int] = {}  # tokens already spent on the clause when it was refused


class ApiUnreachableError(ApiError):
    """No connection could be made to the Messages API at ``url`` (refused, unresolvable or
    timed out while connecting) within the connection retries. A run stops on it: no other
    clause can succeed either."""

    def __init__(self, url: str, reason: str, *, attempts: int) -> None:
        super().__init__(
            f"cannot reach the Messages API at {url} ({reason}); gave up within the connection "
            f"retries (at most {attempts} attempts). Check ANTHROPIC_BASE_URL (unset it to use "
            "the public API) and the network.",
            status_code=None,
            request_id=None,
        )
        self.url = url
        self.reason = reason
        self.attempts = attempts


class ReviewError(UsageError):
    """A review action is not allowed (invalid edit, missing note, unknown state)."""

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = reasons or []


class StaleReviewError(ReviewError):
    """A review action was refused because the analysis changed since the reviewer loaded it:
    its latest review event is no longer the one the action expected (someone else acted
    first). Nothing was stored. ``expected`` and ``latest_id`` are event ids, ``0`` for "not
    reviewed yet"; ``latest_*`` say who did what last."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        analysis_pk: int,
        expected: int,
        latest_id: int,
        latest_action: str | None = None,
        latest_reviewer: str | None = None,
        latest_at: str | None = None,
        reasons: list[str] | None = None,
    ) -> None:
        super().__init__(message, reasons)
        self.analysis_pk = analysis_pk
        self.expected = expected
        self.latest_id = latest_id
        self.latest_action = latest_action
        self.latest_reviewer = latest_reviewer
        self.latest_at = latest_at
