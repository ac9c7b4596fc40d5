"""Deploy `examples/formation/` to a MUXI server, streaming the progress, then show what runs.

    python examples/deploy.py            # against the bundled fake server, started in-process
    MUXI_SERVER_URL=http://localhost:7890 MUXI_KEY_ID=... MUXI_SECRET_KEY=... python examples/deploy.py

The directory is packed into a temporary `.tar.gz` under one top-level directory, as the MUXI server needs
(reproducibly: an unchanged directory gives the same bundle), and streamed to `POST /rpc/formations`. If the
formation already exists it is updated instead (`PUT /rpc/formations/{id}`, blue-green); an unchanged bundle
is reported and left alone. A failure is reported the same way whether the server answered it before
streaming (JSON) or in the stream (`event: error`): `FormationOperationError` is also a `ConflictError`,
`ValidationError`, ... with the same `status_code`.
Options: `--async` does the same with the async twins; `--delete` removes the formation at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from muxi_sdk import Muxi
from muxi_sdk._utils.bundles import read_manifest
from muxi_sdk.errors import ConflictError, FormationOperationError
from muxi_sdk.models.formations import CompleteEvent, LifecycleProgressEvent

FORMATION_DIR = Path(__file__).resolve().parent / "formation"


@contextlib.contextmanager
def server_options() -> Iterator[dict[str, Any]]:
    """`Muxi(...)` arguments: empty when the environment names a MUXI server, the fake server's otherwise."""
    if all(os.environ.get(v) for v in ("MUXI_SERVER_URL", "MUXI_KEY_ID", "MUXI_SECRET_KEY")):
        print(f"(using the MUXI server at {os.environ['MUXI_SERVER_URL']})", file=sys.stderr)
        yield {}
        return
    from muxi_sdk.testing import FakeMuxi

    with FakeMuxi() as fake:
        print(f"(MUXI_SERVER_URL/MUXI_KEY_ID/MUXI_SECRET_KEY not set: fake server at {fake.url})", file=sys.stderr)
        s = fake.state
        yield {"server_url": fake.url, "key_id": s.key_id, "secret_key": s.secret_key}


def show(event: Any) -> None:
    if isinstance(event, LifecycleProgressEvent):
        print(f"  {event.stage}: {event.message}")
    elif isinstance(event, CompleteEvent):
        print(f"  done: {event.formation_id} {event.status} on port {event.port} -> {event.url}")
    else:
        print(f"  ({event.type}: {event.data})")


def deploy(m: Muxi, formation_id: str) -> None:
    existing = m.formations.list().ids()
    try:
        if formation_id in existing:
            print(f"Updating {formation_id} from {FORMATION_DIR.name}/ ...")
            stream = m.formations.stream_update(formation_id=formation_id, bundle=FORMATION_DIR)
        else:
            print(f"Deploying {formation_id} from {FORMATION_DIR.name}/ ...")
            stream = m.formations.stream_deploy(bundle=FORMATION_DIR)
        with stream as events:
            for event in events:
                show(event)
    except ConflictError as exc:  # 409: the same bundle already runs (`event: error` NoChange, or JSON)
        print(f"  nothing to do: {exc.message}")
    except FormationOperationError as exc:
        print(f"  failed at {exc.stage}: {exc.code} ({exc.status_code}): {exc.message}")
        raise SystemExit(1) from exc


def report(m: Muxi, formation_id: str, delete: bool) -> None:
    formation = m.formations.get(formation_id=formation_id)
    print(f"{formation.id}: {formation.status}, port {formation.port}, pid {formation.pid}")
    for line in m.formations.logs(formation_id=formation_id, lines=5).lines:
        print(f"  | {line}")
    if delete:
        print(m.formations.delete(formation_id=formation_id).message)


async def deploy_async(m: Muxi, formation_id: str, delete: bool) -> None:
    if formation_id in (await m.formations.list_async()).ids():
        opened = m.formations.stream_update_async(formation_id=formation_id, bundle=FORMATION_DIR)
    else:
        opened = m.formations.stream_deploy_async(bundle=FORMATION_DIR)
    try:
        async with opened as events:
            async for event in events:
                show(event)
    except ConflictError as exc:
        print(f"  nothing to do: {exc.message}")
    formation = await m.formations.get_async(formation_id=formation_id)
    print(f"{formation.id}: {formation.status}, port {formation.port} (async)")
    if delete:
        print((await m.formations.delete_async(formation_id=formation_id)).message)


def main(argv: list[str]) -> None:
    manifest = read_manifest(FORMATION_DIR)
    formation_id = manifest.id if manifest and manifest.id else "hello-muxi"
    delete = "--delete" in argv
    with server_options() as options, Muxi(**options) as m:
        print(f"MUXI server: {m.server.health().status}")
        if "--async" in argv:
            asyncio.run(deploy_async(m, formation_id, delete))
            return
        deploy(m, formation_id)
        report(m, formation_id, delete)


if __name__ == "__main__":
    main(sys.argv[1:])
