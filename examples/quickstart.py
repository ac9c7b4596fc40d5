"""Quickstart: health check, one reply, one streamed reply, and the same with asyncio.

    python examples/quickstart.py     # against the bundled fake server (it answers "Echo: ...")
    MUXI_URL=http://localhost:8271 MUXI_CLIENT_KEY=... MUXI_USER_ID=alice python examples/quickstart.py

(or `MUXI_SERVER_URL` + `MUXI_FORMATION_ID` instead of `MUXI_URL`, to go through a MUXI server).
"""

from __future__ import annotations

import asyncio
from typing import Any

from _target import muxi_options

from muxi_sdk import Muxi


def print_stream(events: Any) -> None:
    """Print a chat stream's text as it arrives (the `completed` event carries the whole text)."""
    printed = False
    for event in events:
        if event.type == "content" and event.content:
            print(event.content, end="", flush=True)
            printed = True
        elif event.type == "completed" and (not printed or event.stream_discontinuity):
            print(("\n" if printed else "") + (event.content or ""), end="")
    print()


def sync_quickstart(options: dict[str, Any]) -> None:
    with Muxi(**options) as m:
        health = m.system.health()
        print(f"Formation health: {health.status} (version {health.version})")

        reply = m.chat.send(message="Hello, MUXI!")
        print(f"Reply: {reply.text}")
        print(f"  (session {reply.session_id})")

        print("Streamed reply: ", end="", flush=True)
        with m.chat.stream(message="Stream this reply token by token", session_id=reply.session_id) as events:
            print_stream(events)


async def async_quickstart(options: dict[str, Any]) -> None:
    async with Muxi(**options) as m:
        health = await m.system.health_async()
        print(f"[async] Formation health: {health.status}")

        reply = await m.chat.send_async(message="Hello from asyncio!")
        print(f"[async] Reply: {reply.text}")

        print("[async] Streamed reply: ", end="", flush=True)
        async with m.chat.stream_async(message="Async streaming works too") as events:
            async for event in events:
                if event.type == "content" and event.content:
                    print(event.content, end="", flush=True)
        print()


def main() -> None:
    with muxi_options() as options:
        sync_quickstart(options)
        asyncio.run(async_quickstart(options))


if __name__ == "__main__":
    main()
