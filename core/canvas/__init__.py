"""Talking to Canvas: the HTTP client (:mod:`.client`), its transport (TLS through the OS
trust store, loopback-only plain http), the typed errors of every answer (:mod:`.errors`)
and the client's shape as a type (:mod:`.protocol`)."""

from core.canvas.client import CanvasClient

__all__ = ["CanvasClient"]
