"""The log file: rotating, in the log folder, and never holding a token or a password."""

from __future__ import annotations

import logging

from core import paths
from core.canvas.errors import register_secret
from core.logs import BACKUPS, MAX_BYTES, log_file_path, redact_line, setup_logging


def test_redacts_tokens_and_passwords(monkeypatch):
    monkeypatch.setenv("CANVAS_TOKEN", "env-token-value-123")
    register_secret("registered-token-456")
    text = " | ".join(
        redact_line(part)
        for part in (
            "Authorization: Bearer abc.def-ghi",
            "env env-token-value-123; reg registered-token-456",
            "body login[password]=hunter22&login[unique_id]=ava.k",
            "login%5Bpassword%5D=pw-encoded password=plain1",
            '{"password": "json-pw", "unique_id": "ava.k"}',
        )
    )
    for secret in (
        "abc.def-ghi",
        "env-token-value-123",
        "registered-token-456",
        "hunter22",
        "pw-encoded",
        "plain1",
        "json-pw",
    ):
        assert secret not in text
    assert "login[unique_id]=ava.k" in text
    assert '"unique_id": "ava.k"' in text


def test_setup_writes_a_rotating_file_in_the_log_folder(monkeypatch):
    monkeypatch.setenv("CANVAS_TOKEN", "file-token-789xyz")
    path = setup_logging()
    assert path == log_file_path()
    assert path.parent == paths.log_dir()
    assert setup_logging() == path  # a second call adds no second handler
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_canvas_logins", False)]
    assert len(ours) == 1
    assert (ours[0].maxBytes, ours[0].backupCount) == (MAX_BYTES, BACKUPS)
    log = logging.getLogger("core.test")
    log.info("sending with token %s and password=%s", "file-token-789xyz", "s3cret-pass")
    try:
        raise ValueError("Bearer file-token-789xyz failed")
    except ValueError:
        log.exception("boom")
    for handler in ours:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "sending with token [hidden]" in text
    assert "boom" in text and "ValueError" in text
    assert "file-token-789xyz" not in text
    assert "s3cret-pass" not in text
