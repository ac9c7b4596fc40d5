"""Where the examples send their requests: the MUXI your environment names, else the bundled fake server.

Real MUXI: set `MUXI_URL` (a formation, e.g. `http://localhost:8271`) or `MUXI_SERVER_URL` +
`MUXI_FORMATION_ID`, plus `MUXI_CLIENT_KEY` and `MUXI_USER_ID`. `Muxi()` reads them itself.
Otherwise a `muxi_sdk.testing.FakeMuxi` runs in-process (`pip install "muxi-sdk[testing]"`); it echoes.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

DEFAULT_USER = "example-user"


@contextlib.contextmanager
def muxi_options() -> Iterator[dict[str, Any]]:
    """The keyword arguments for `Muxi(...)`: empty for a real MUXI (env vars), the fake server's otherwise."""
    options: dict[str, Any] = {} if os.environ.get("MUXI_USER_ID") else {"user_id": DEFAULT_USER}
    if os.environ.get("MUXI_URL") or os.environ.get("MUXI_SERVER_URL"):
        where = os.environ.get("MUXI_URL") or os.environ["MUXI_SERVER_URL"]
        print(f"(using the MUXI at {where})", file=sys.stderr)
        yield options
        return
    from muxi_sdk.testing import FakeMuxi

    with FakeMuxi() as fake:
        print(f"(no MUXI_URL / MUXI_SERVER_URL set: using the bundled fake server at {fake.url})", file=sys.stderr)
        yield {**fake.client_kwargs(), **options}
