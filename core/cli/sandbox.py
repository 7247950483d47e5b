"""``canvas-logins-cli sandbox``: the built-in practice Canvas in the foreground."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from core.cli.common import port_number, seconds, share, units
from core.cli.status import ExitStatus, UsageProblem

if TYPE_CHECKING:
    from core.sandbox import Sandbox


def add_parser(commands: argparse._SubParsersAction) -> None:
    sandbox = commands.add_parser("sandbox", help="run the built-in practice Canvas")
    sandbox.add_argument("--port", type=port_number, default=8080, metavar="N", help="default 8080")
    sandbox.add_argument("--latency", type=seconds, default=0.0, metavar="SECONDS")
    sandbox.add_argument("--fault-rate", type=share, default=0.0, metavar="SHARE")
    sandbox.add_argument("--fault-seed", type=int, default=0, metavar="N")
    sandbox.add_argument("--extra-students", type=int, default=0, metavar="N")
    sandbox.add_argument(
        "--request-cost",
        type=units,
        default=None,
        metavar="UNITS",
        help="what each request costs in the throttle's bucket, to play a busy Canvas "
        "(Canvas: usually well under 1; try 4)",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> ExitStatus:
    # Imported here: the sandbox is a twentieth of a second every other command need not pay.
    from core.sandbox import FaultConfig, ThrottleConfig, serve_forever

    def ready(sandbox: Sandbox) -> None:
        print(f"Built-in Canvas sandbox running at {sandbox.url}", file=out)
        print(f"Token (for practice only): {sandbox.token}", file=out)
        print("Press Ctrl+C to stop.", file=out)
        out.flush()

    faults = FaultConfig(rate=args.fault_rate, seed=args.fault_seed) if args.fault_rate else None
    cost = args.request_cost
    throttle = ThrottleConfig(request_cost=cost) if cost is not None else None
    try:
        serve_forever(
            args.port,
            latency=args.latency,
            throttle=throttle,
            faults=faults,
            extra_students=max(0, args.extra_students),
            on_ready=ready,
        )
    except OSError as exc:
        raise UsageProblem(
            f"Could not start the sandbox on port {args.port}: {exc.strerror or exc}"
        ) from None
    print("Sandbox stopped.", file=out)
    return ExitStatus.OK
