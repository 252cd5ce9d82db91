"""botocore's data files, cut to what this layer's clients read, written at build time.

Making its first client, botocore parses data meant for every AWS service: ``endpoints.json``
(1.2 MB, the endpoints of some 400 services in every partition, about 20 ms of CPU), a directory
listing of all 400 services to check that the one asked for exists (about 8 ms), and the service's
model, mostly documentation strings (DynamoDB's is 540 kB, SSM's 950 kB: 5–10 ms each). The floor
of ``make bench`` pays all of it; a function that makes three clients pays it three times over.

:func:`write` (the layer's build, ``make venv`` for the working tree) writes, for the services in
:data:`SERVICES` only, the same data without what no call reads: ``endpoints.json`` keeps every
partition but only these services' entries, and each service model keeps every operation and
shape but not their documentation. :func:`install` gives a botocore session a loader that reads that
directory before botocore's own and knows only these services. Everything else (endpoint rule
sets, paginators, waiters, retry rules) is still botocore's own, found further down the path.

The directory records the botocore version it was cut from. A session made with any other version
(a ``pip install`` after the build) reads botocore's own data: slower, never different.
``tests/unit/test_botocore_data.py`` holds each client made this way equal to botocore's own.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import Any

#: The services this layer makes clients of (``paylox.aws`` refuses any other).
SERVICES = ("cognito-idp", "dynamodb", "events", "lambda", "s3", "ses", "sqs", "ssm")

#: Where the layer's build (and ``make venv``) writes the data, beside this module.
DIRECTORY = os.path.join(os.path.dirname(__file__), "botocore-data")

_VERSION_FILE = "BOTOCORE_VERSION"
_NOT_READ = frozenset({"documentation", "documentationUrl"})


def install(session: Any) -> bool:
    """Make ``session`` read the cut data, when it was cut from this botocore; False otherwise."""
    import botocore
    from botocore.loaders import Loader

    try:
        with open(os.path.join(DIRECTORY, _VERSION_FILE), encoding="ascii") as stamp:
            if stamp.read().strip() != botocore.__version__:
                return False
    except OSError:
        return False

    class LayerLoader(Loader):  # type: ignore[misc]  # botocore has no type stubs here
        """botocore's loader, with the cut data first on its path and only these services."""

        def list_available_services(self, type_name: str) -> list[str]:
            # botocore lists some 400 directories to answer this; only these are ever asked for.
            return sorted(SERVICES)

    session.register_component("data_loader", LayerLoader(extra_search_paths=[DIRECTORY]))
    return True


def _undocumented(model: dict[str, Any]) -> dict[str, Any]:
    """``model`` without the documentation of the service, its operations and its shapes (botocore
    reads those only to write docstrings). What else says ``documentation`` is kept: botocore
    requires it of client context parameters, for one."""
    cut = {key: value for key, value in model.items() if key not in _NOT_READ}
    for part in ("operations", "shapes"):
        if part in cut:
            cut[part] = _without_documentation(cut[part])
    return cut


def _without_documentation(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_documentation(item) for key, item in value.items() if key not in _NOT_READ}
    if isinstance(value, list):
        return [_without_documentation(item) for item in value]
    return value


def _dump(data: Any, path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, separators=(",", ":"))


def write(directory: str = DIRECTORY) -> None:
    """Cut botocore's data for :data:`SERVICES` into ``directory`` (replacing what is there)."""
    import botocore
    from botocore.loaders import Loader

    shutil.rmtree(directory, ignore_errors=True)  # no model of an older botocore stays behind
    stock = Loader()
    names = set(SERVICES)  # endpoints.json knows a service by its endpoint prefix (SES: "email")
    for service in SERVICES:
        version = stock.determine_latest_version(service, "service-2")
        model = stock.load_data(f"{service}/{version}/service-2")  # as stored: the loader adds extras
        names.add(model["metadata"]["endpointPrefix"])
        _dump(_undocumented(model), os.path.join(directory, service, version, "service-2.json"))
    endpoints = stock.load_data("endpoints")
    for partition in endpoints["partitions"]:
        partition["services"] = {name: data for name, data in partition["services"].items() if name in names}
    _dump(endpoints, os.path.join(directory, "endpoints.json"))
    # Last: a directory cut halfway has no version, and is never read.
    with open(os.path.join(directory, _VERSION_FILE), "w", encoding="ascii") as stamp:
        stamp.write(botocore.__version__ + "\n")


if __name__ == "__main__":  # python -m paylox.botocore_data [DIRECTORY]
    write(sys.argv[1] if len(sys.argv) > 1 else DIRECTORY)
