from muxi_sdk.testing import FakeMuxi


def test_send_and_stream_roundtrip(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        assert m.chat.send(message="Hello").text == "Echo: Hello"
        with m.chat.stream(message="Hi there") as events:
            assert events.text() == "Echo: Hi there"
