"""``python -m clauselens.testing.fake_api``: run the fake Messages API until interrupted."""

from __future__ import annotations

import argparse
import contextlib
import gc
import threading

from clauselens.testing.fake_api import FakeApi


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m clauselens.testing.fake_api",
        description="A local fake of the Anthropic Messages API (synthetic answers, not a model).",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: free)")
    parser.add_argument("--latency", type=float, default=0.0, help="latency per reply, in ms")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of random faults")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random faults")
    parser.add_argument("--batch-polls", type=int, default=1, help="polls before a batch ends")
    parser.add_argument(
        "--strict-thinking",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="documented thinking: thinking tokens count toward max_tokens and output usage "
        "(default on; --no-strict-thinking turns it off)",
    )
    parser.add_argument(
        "--expire-batches", action="store_true", help="every batch request ends expired"
    )
    args = parser.parse_args(argv)
    api = FakeApi(
        port=args.port,
        latency=args.latency / 1000,
        fault_rate=args.fault_rate,
        seed=args.seed,
        batch_polls=args.batch_polls,
        strict_thinking=args.strict_thinking,
        expire_batches=args.expire_batches,
        log_level="warning",
    )
    with api:
        # What is loaded by now lives as long as the server: out of the collector's full
        # collections, which would otherwise hold up every reply in flight (77 ms each with
        # 121,000 objects).
        gc.freeze()
        print(api.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
