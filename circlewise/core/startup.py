"""Moved to `circlewise.core.perf.startup`; this name stays for the server entry points that
import it still (config/wsgi.py, config/asgi.py) until they switch."""

from circlewise.core.perf.startup import ready_to_serve

__all__ = ["ready_to_serve"]
