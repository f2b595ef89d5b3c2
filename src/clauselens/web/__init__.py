"""web: the analyst review page (``clauselens serve``): the queue, one item, approve/edit/reject.

``create_app(engine, ServeConfig(...))`` builds the Starlette app; see ``app.py``.
"""

from clauselens.web.app import ServeConfig, create_app, is_loopback, loopback_hosts, url_host

__all__ = ["ServeConfig", "create_app", "is_loopback", "loopback_hosts", "url_host"]
