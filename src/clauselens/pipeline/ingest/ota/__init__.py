"""Open Terms Archive versions repositories: follow a collection's git history (``sync``)."""
