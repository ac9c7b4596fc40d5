"""Credentials never leave the origin or the process (issue 13, items 1-8), over real loopback sockets.

The fake MUXI server plays MUXI; `tests/_loopback.py` plays what MUXI never does: a redirect to another
address, a `Set-Cookie`, and the server side of a forked child's connection.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from _helpers import call_twin, dead_url
from _loopback import Answer, Seen, loopback
from muxi_sdk import Muxi
from muxi_sdk.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionError,
    MuxiError,
    RedirectError,
)
from muxi_sdk.testing import FakeMuxi

pytestmark = pytest.mark.usefixtures("clean_env")

CK, AK, SK = "ck-PLAIN-4711", "ak-PLAIN-4712", "sk-PLAIN-4713"
KEYS = {"client_key": CK, "admin_key": AK, "key_id": "kid-1", "secret_key": SK}
SECRETS = (CK, AK, SK, "signature=")
TWINS = pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])


run = call_twin


def leaked(data: bytes | str, secrets: tuple[str, ...] = SECRETS) -> list[str]:
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    return [s for s in secrets if s in text]


def fake_secrets(fake: FakeMuxi) -> tuple[str, ...]:
    return (fake.state.client_key, fake.state.admin_key, fake.state.secret_key, "signature=")


# ------------------------------------------------------------------------------------- 1. 3xx is never success
CALLS_3XX = {
    "secrets.delete": {"key": "API_KEY"},
    "scheduler.delete": {"job_id": "job-1", "user_id": "u1"},
    "memory.clear_buffer": {"user_id": "u1"},
    "sessions.list": {"user_id": "u1"},
}


CASES_3XX = [(dotted, 307) for dotted in CALLS_3XX] + [("secrets.delete", s) for s in (301, 302, 303, 308, 304)]


@TWINS
@pytest.mark.parametrize(("dotted", "status"), CASES_3XX)
def test_3xx_is_a_redirect_error_with_status_location_and_request_id(dotted: str, status: int, is_async: bool) -> None:
    location = None if status == 304 else "http://127.0.0.1:9/elsewhere"
    headers = {"x-request-id": "req-3xx", **({"Location": location} if location else {})}
    with loopback(lambda _: Answer(status, {}, headers)) as server, Muxi(url=server.url, **KEYS) as m:
        with pytest.raises(RedirectError) as info:
            run(m, dotted, is_async, **CALLS_3XX[dotted])
    err = info.value
    assert (err.status_code, err.location, err.request_id, err.code) == (status, location, "req-3xx", "REDIRECT")
    assert len(server.seen) == 1  # neither followed nor retried


@TWINS
def test_3xx_on_a_stream_is_a_redirect_error(is_async: bool) -> None:
    answer = Answer(307, {}, {"Location": "http://127.0.0.1:9/v1/chat"})
    with loopback(lambda _: answer) as server, Muxi(url=server.url, **KEYS) as m:
        with pytest.raises(RedirectError) as info:
            if is_async:

                async def main() -> None:
                    async with m.chat.stream_async(message="hi", user_id="u1") as events:
                        async for _ in events:
                            pass

                asyncio.run(main())
            else:
                with m.chat.stream(message="hi", user_id="u1") as events:
                    list(events)
    assert (info.value.status_code, info.value.location) == (307, "http://127.0.0.1:9/v1/chat")
    assert info.value.code == "REDIRECT" and len(server.seen) == 1


# ------------------------------------------------------------------------ 2. no key follows a redirect
def _to(target: str) -> Callable[[Seen], Answer]:
    return lambda seen: Answer(307, {}, {"Location": target + seen.path})


def _clients(is_async: bool, cls: type | None = None) -> dict[str, Any]:
    if is_async:
        return {"async_client": (cls or httpx.AsyncClient)(follow_redirects=True)}
    return {"client": (cls or httpx.Client)(follow_redirects=True)}


@TWINS
@pytest.mark.parametrize(
    ("dotted", "kwargs"),
    [("secrets.delete", {"key": "API_KEY"}), ("chat.send", {"message": "hi", "user_id": "u1"}), ("server.status", {})],
    ids=["admin-key", "client-key", "hmac"],
)
def test_keys_never_follow_a_redirect_whatever_the_injected_client_says(
    dotted: str, kwargs: dict[str, Any], is_async: bool
) -> None:
    with loopback() as elsewhere, loopback(_to(elsewhere.url)) as origin:
        with Muxi(url=origin.url, server_url=origin.url, **KEYS, **_clients(is_async)) as m:
            with pytest.raises(RedirectError) as info:
                run(m, dotted, is_async, **kwargs)
    assert elsewhere.seen == []  # not one request reached the other address
    assert info.value.location is not None and info.value.location.startswith(elsewhere.url)


class _ForcedFollowing(httpx.Client):
    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        kwargs["follow_redirects"] = True
        return super().send(request, **kwargs)


class _ForcedFollowingAsync(httpx.AsyncClient):
    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        kwargs["follow_redirects"] = True
        return await super().send(request, **kwargs)


@TWINS
def test_an_answer_from_another_origin_is_refused_even_from_a_client_that_follows_anyway(is_async: bool) -> None:
    ok = Answer(200, {"success": True, "data": {"message": "deleted"}})
    with loopback(lambda _: ok) as elsewhere, loopback(_to(elsewhere.url)) as origin:
        cls = _ForcedFollowingAsync if is_async else _ForcedFollowing
        with Muxi(url=origin.url, **KEYS, **_clients(is_async, cls)) as m:
            with pytest.raises(RedirectError, match="followed by the HTTP client"):
                run(m, "secrets.delete", is_async, key="API_KEY")
    assert len(elsewhere.seen) == 1  # that client did go there; its answer was not taken for MUXI's


# ------------------------------------------------------------------------------ 3. pickles carry no secrets
def _roundtrip(obj: Any, secrets: tuple[str, ...] = SECRETS) -> Any:
    data = pickle.dumps(obj)
    assert leaked(data, secrets) == []
    return pickle.loads(data)


@TWINS
def test_pickled_results_carry_no_key_or_signature(muxi_fake: FakeMuxi, is_async: bool) -> None:
    secrets = fake_secrets(muxi_fake)
    with muxi_fake.client() as m:
        reply = run(m, "chat.send", is_async, message="hi", user_id="u1")
        status = run(m, "server.status", is_async)
        agents = run(m, "agents.list", is_async)
    for result in (reply, status, agents):
        live = pickle.dumps(result.response_meta.http_response.request.headers)
        assert leaked(live, secrets)  # the live object has them (it is what was sent) ...
        copy = _roundtrip(result, secrets)  # ... a pickled copy does not
        assert copy == result and copy.response_meta.status_code == 200
        assert copy.response_meta.http_response.json() == result.response_meta.http_response.json()
    sent = _roundtrip(reply, secrets).response_meta.http_response.request.headers
    assert sent["x-muxi-client-key"] == "[REDACTED]" and sent["x-muxi-user-id"] == "u1"


@TWINS
def test_pickled_errors_carry_no_key_or_signature(muxi_fake: FakeMuxi, is_async: bool) -> None:
    # The fake knows other keys: every call below is rejected with 401, carrying the keys that were sent.
    with Muxi(url=muxi_fake.url, server_url=muxi_fake.url, **KEYS, retry_config=None) as m:
        errors_seen: list[MuxiError] = []
        for dotted, kwargs in [("chat.send", {"message": "hi", "user_id": "u1"}), ("secrets.list", {})]:
            with pytest.raises(AuthenticationError) as info:
                run(m, dotted, is_async, **kwargs)
            errors_seen.append(info.value)
        with pytest.raises(AuthenticationError) as server_info:
            run(m, "server.status", is_async)
        errors_seen.append(server_info.value)
    with Muxi(url=dead_url(), **KEYS, retry_config=None) as dead, pytest.raises(ConnectionError) as conn:
        run(dead, "chat.send", is_async, message="hi", user_id="u1")
    errors_seen.append(conn.value)
    for err in errors_seen:
        copy = _roundtrip(err)
        assert type(copy) is type(err) and (copy.status_code, copy.message) == (err.status_code, err.message)
    assert _roundtrip(conn.value).request.method == "POST"


# ------------------------------------------------------------------------ 4. tracebacks with locals show no key
@TWINS
def test_tracebacks_with_locals_show_no_key(muxi_fake: FakeMuxi, is_async: bool) -> None:
    failures: list[BaseException] = []
    with Muxi(url=muxi_fake.url, server_url=muxi_fake.url, **KEYS, retry_config=None) as m:
        for dotted, kwargs in [
            ("chat.send", {"message": "hi", "user_id": "u1"}),
            ("secrets.list", {}),
            ("server.status", {}),
        ]:
            with pytest.raises(AuthenticationError) as info:
                run(m, dotted, is_async, **kwargs)
            failures.append(info.value)
    with Muxi(url=dead_url(), **KEYS, retry_config=None) as dead, pytest.raises(ConnectionError) as conn:
        run(dead, "chat.send", is_async, message="hi", user_id="u1")
    failures.append(conn.value)
    for failure in failures:
        text = "".join(traceback.TracebackException.from_exception(failure, capture_locals=True).format())
        assert "headers = " in text  # the request flow's frame (and its header dict) is in there
        assert leaked(text) == [], text[:3000]


def test_a_configuration_error_at_construction_shows_no_key_in_locals() -> None:
    with pytest.raises(ConfigurationError) as info:
        Muxi(url="ftp://h", **KEYS)
    text = "".join(traceback.TracebackException.from_exception(info.value, capture_locals=True).format())
    assert "client_key = " in text and leaked(text) == []


# --------------------------------------------------------------- 5. no password in httpx's (or anybody's) log
@pytest.mark.parametrize("argument", ["url", "server_url", "MUXI_URL", "MUXI_SERVER_URL"])
def test_userinfo_in_a_url_is_refused_at_construction(argument: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "http://svc:PASS-4714@127.0.0.1:8271"
    if argument.startswith("MUXI_"):
        monkeypatch.setenv(argument, url)
        kwargs: dict[str, Any] = {}
    else:
        kwargs = {argument: url}
    with pytest.raises(ConfigurationError, match="user:password") as info:
        Muxi(**kwargs)
    assert "PASS-4714" not in str(info.value) and "httpx.Client(auth=" in str(info.value)


@TWINS
def test_userinfo_in_a_per_call_server_url_is_refused_and_never_logged(
    is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with loopback() as server, Muxi(url=server.url, **KEYS) as m, caplog.at_level(logging.DEBUG):
        bad = server.url.replace("http://", "http://svc:PASS-4714@")
        with pytest.raises(ConfigurationError):
            run(m, "system.health", is_async, server_url=bad)
        run(m, "system.health", is_async)  # the same client still works
    assert [s.path for s in server.seen] == ["/v1/health"]
    assert "PASS-4714" not in caplog.text


# ------------------------------------------------------------------------------------ 6. compat reprs
def test_compat_config_reprs_hide_keys_and_the_hmac_secret() -> None:
    from muxi_sdk.compat.formation import FormationConfig
    from muxi_sdk.compat.server import ServerConfig

    shown = repr(FormationConfig(url="http://h", admin_key=AK, client_key=CK)) + repr(
        ServerConfig(url="http://h", key_id="kid-1", secret_key=SK)
    )
    assert leaked(shown) == [] and "kid-1" in shown and "http://h" in shown
    assert ServerConfig(url="http://h", key_id="k", secret_key=SK).secret_key == SK  # still there to use


# ----------------------------------------------------------------------------------- 7. no cookie jar
@TWINS
def test_a_cookie_set_for_one_users_call_never_goes_out_with_the_next(is_async: bool) -> None:
    def answer(seen: Seen) -> Answer:
        user = seen.headers.get("x-muxi-user-id", "")
        return Answer(200, {"success": True, "data": {"sessions": []}}, {"Set-Cookie": f"sid={user}-secret; Path=/"})

    with loopback(answer) as server, Muxi(url=server.url, **KEYS) as m:
        for user in ("alice", "bob", "carol"):
            run(m, "sessions.list", is_async, user_id=user)
    assert [s.headers.get("x-muxi-user-id") for s in server.seen] == ["alice", "bob", "carol"]
    assert [s.headers.get("cookie") for s in server.seen] == [None, None, None]


# ------------------------------------------------------------------------------------- 8. fork safety
def _in_child(work: Callable[[], None]) -> int:
    """Run `work` in a forked child; its exit status (0: it worked)."""
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            work()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_gets_its_own_connections_and_the_parent_keeps_its_own() -> None:
    with loopback() as server, Muxi(url=server.url) as m:
        m.system.health()
        parent_port = server.seen[0].port
        assert _in_child(m.system.health) == 0
        m.system.health()
    child, parent_again = server.seen[1], server.seen[2]
    assert child.port != parent_port  # the child did not write into the parent's pooled connection
    assert parent_again.port == parent_port  # ... and did not close it: the parent still uses it


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_gets_its_own_async_connections() -> None:
    with loopback() as server:
        m = Muxi(url=server.url)
        asyncio.run(m.system.health_async())
        assert _in_child(lambda: asyncio.run(m.system.health_async())) == 0
        m.close()
    assert len(server.seen) == 2 and server.seen[1].port != server.seen[0].port
