"""Paylox escrow backend: the shared library every Lambda function imports.

Organised by domain (``users``, ``transactions``, ``payments``, ...) with the cross-cutting parts
beside them (``config``, ``auth``, ``http``, ``clock``, ``observability``, ``audit``, ``events``).
"""

from paylox import collector, lazy_packages

# Before the imports of the function: see paylox.collector.
collector.pause()
# Before any Paylox module imports Powertools' event handler: see paylox.lazy_packages.
lazy_packages.install()
