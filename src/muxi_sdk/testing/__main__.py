"""`python -m muxi_sdk.testing --port 8271`: run the fake MUXI server in the foreground."""

from __future__ import annotations

import argparse
import sys

from . import import_extra


def main(argv: list[str] | None = None) -> None:
    try:
        FakeMuxi = import_extra("server").FakeMuxi
        defaults = import_extra("state").FakeState()
    except ImportError as exc:
        sys.exit(f"python -m muxi_sdk.testing: {exc}")
    parser = argparse.ArgumentParser(prog="python -m muxi_sdk.testing", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8271)
    parser.add_argument("--client-key", default=defaults.client_key)
    parser.add_argument("--admin-key", default=defaults.admin_key)
    parser.add_argument("--key-id", default=defaults.key_id)
    parser.add_argument("--secret-key", default=defaults.secret_key)
    parser.add_argument("--formation-id", default=defaults.formation_id)
    args = parser.parse_args(argv)
    fake = FakeMuxi(
        host=args.host,
        port=args.port,
        client_key=args.client_key,
        admin_key=args.admin_key,
        key_id=args.key_id,
        secret_key=args.secret_key,
        formation_id=args.formation_id,
    )
    fake.start()
    print(
        f"fake MUXI server on {fake.url} (formation API at {fake.url}/v1, "
        f"/api/{args.formation_id}/v1 and /draft/{args.formation_id}/v1)",
        flush=True,
    )
    fake.serve_forever()


if __name__ == "__main__":
    main()
