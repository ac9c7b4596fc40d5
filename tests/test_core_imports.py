"""`import muxi_sdk` stays light: no pydantic, no resource modules or their models until they are used."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY_PREFIXES = ("pydantic", "muxi_sdk.models.", "muxi_sdk.chat", "muxi_sdk.system", "muxi_sdk.testing")
# `ResponseMeta` (a plain dataclass, no pydantic) is needed by the request path itself.
LIGHT = {"muxi_sdk.models.shared"}


def loaded_after(code: str) -> list[str]:
    script = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.startswith(HEAVY_PREFIXES) and m not in LIGHT]


def test_import_does_not_load_pydantic_or_resources() -> None:
    modules = loaded_after("import muxi_sdk")
    assert "muxi_sdk" in modules
    assert heavy(modules) == []


def test_creating_a_client_does_not_load_pydantic_or_resources() -> None:
    modules = loaded_after("from muxi_sdk import Muxi, RetryConfig, BackoffStrategy\nMuxi(url='http://localhost:1')")
    assert heavy(modules) == []


def test_first_use_of_a_resource_loads_it() -> None:
    # The check above must be able to fail: touching a resource does load it (and pydantic).
    modules = loaded_after("from muxi_sdk import Muxi\nMuxi(url='http://localhost:1').chat")
    assert "muxi_sdk.chat" in modules and "pydantic" in modules and "muxi_sdk.models.chat" in modules
    assert "muxi_sdk.system" not in modules  # only what was touched


def test_a_get_does_not_load_the_body_encoders(muxi_fake: object) -> None:
    url, key = muxi_fake.url, muxi_fake.state.client_key  # type: ignore[attr-defined]
    start = f"from muxi_sdk import Muxi\nm = Muxi(url={url!r}, client_key={key!r}, user_id='u1')\n"
    assert "muxi_sdk._utils.serializers" not in loaded_after(start + "m.sessions.list()")
    assert "muxi_sdk._utils.serializers" in loaded_after(start + "m.chat.send(message='hi')")
