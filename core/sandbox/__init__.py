"""The built-in Canvas: a local server that behaves as shared/canvas-api.md describes.

It serves the demo, the tests and the benchmarks, and lets staff practise without
touching a real Canvas. Standard library only; it listens on 127.0.0.1 alone.
"""

from core.sandbox.faults import FAULT_KINDS, FaultConfig
from core.sandbox.sandbox import Sandbox, serve_forever
from core.sandbox.state import ALL_RIGHTS, SandboxState
from core.sandbox.stats import SandboxStats
from core.sandbox.throttle import ThrottleConfig

__all__ = [
    "ALL_RIGHTS",
    "FAULT_KINDS",
    "FaultConfig",
    "Sandbox",
    "SandboxState",
    "SandboxStats",
    "ThrottleConfig",
    "serve_forever",
]
