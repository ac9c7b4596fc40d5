"""Chat streaming: every event of a reply as it arrives, then `.final()` to gather a whole reply.

    python examples/chat_stream.py    # against the bundled fake server (it answers "Echo: ...")
    MUXI_URL=http://localhost:8271 MUXI_CLIENT_KEY=... MUXI_USER_ID=alice python examples/chat_stream.py

Events are typed (`event.type`): progress, thinking, planning, tool_call, content (a slice of the text),
completed (the whole text), ui (widgets), done - and `unknown` for types newer than this SDK, which are kept,
not dropped. An `error` frame raises `StreamError`; a dropped connection raises `StreamInterruptedError`.
"""

from __future__ import annotations

from _target import muxi_options

from muxi_sdk import Muxi


def main() -> None:
    with muxi_options() as options, Muxi(**options) as m:
        print("-- every event")
        with m.chat.stream(message="What can you do?") as events:
            for event in events:
                detail = getattr(event, "content", None) or getattr(event, "stage", None) or ""
                print(f"{event.type:>10}  {detail}")
            session_id = events.final().session_id  # the stream is consumed: final() just adds it up

        print("-- .final() gathers the reply")
        with m.chat.stream(message="Summarise that in one line", session_id=session_id) as events:
            result = events.final()
        print(f"text:     {result.text}")
        print(f"status:   {result.status}")
        print(f"session:  {result.session_id}")
        print(f"events:   {result.events_received}")


if __name__ == "__main__":
    main()
