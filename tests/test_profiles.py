"""Saved profiles: JSON without tokens, and which hosts count as production."""

from __future__ import annotations

import json

import pytest

from core.model import DEFAULT_CONCURRENCY
from core.paths import config_dir
from core.profiles import (
    SANDBOX_PROFILE_NAME,
    Profile,
    ProfileStore,
    instance_kind,
    is_production,
)


@pytest.mark.parametrize(
    ("url", "production", "kind"),
    [
        ("https://district.instructure.com", True, "production"),
        ("district.instructure.com", True, "production"),
        ("https://canvas.school.example", True, "production"),
        ("https://district.test.instructure.com", False, "test"),
        ("https://District.Beta.Instructure.com/", False, "beta"),
        ("http://127.0.0.1:8123", False, "sandbox"),
        ("http://localhost:5000", False, "sandbox"),
        ("http://[::1]:5000", False, "sandbox"),
        ("https://test.instructure.com.evil.example", True, "production"),
        ("https://notatest.instructure.com", True, "production"),
        ("", True, "production"),
    ],
)
def test_production_is_anything_not_known_to_be_a_practice_copy(url, production, kind):
    assert is_production(url) is production
    assert instance_kind(url) == kind


def test_store_saves_reads_renames_and_deletes_profiles():
    store = ProfileStore()
    assert store.path == config_dir() / "profiles.json"
    assert store.profiles() == []
    store.save(Profile("Test", "https://district.test.instructure.com", account_id=1))
    store.save(Profile("Live", "https://district.instructure.com", concurrency=4))
    assert [p.name for p in store.profiles()] == ["Test", "Live"]
    assert store.get("Live").concurrency == 4
    assert store.get("Test").account_id == 1

    store.last_used = "Test"
    store.save(Profile("Test copy", "https://district.test.instructure.com"), old_name="Test")
    assert [p.name for p in store.profiles()] == ["Test copy", "Live"]
    assert store.last_used == "Test copy"

    store.delete("Test copy")
    assert [p.name for p in ProfileStore().profiles()] == ["Live"]
    assert store.last_used is None
    assert store.get("missing") is None


def test_file_holds_no_token_field_and_survives_damage():
    store = ProfileStore()
    store.save(Profile(SANDBOX_PROFILE_NAME, "http://127.0.0.1:1"))
    data = json.loads(store.path.read_text(encoding="utf-8"))
    assert set(data["profiles"][0]) == {
        "name",
        "url",
        "account_id",
        "concurrency",
        "min_password_length",
    }
    store.path.write_text("{not json", encoding="utf-8")
    assert store.profiles() == []
    store.path.write_text(
        json.dumps({"profiles": [{"name": "Odd", "url": "x", "concurrency": "lots"}, 5]}),
        encoding="utf-8",
    )
    assert store.profiles() == [Profile("Odd", "x", None, DEFAULT_CONCURRENCY, 8)]


def test_the_old_fixed_default_of_ten_calls_now_lets_the_bucket_decide():
    store = ProfileStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    stored = [
        {"name": "Before", "url": "x", "concurrency": 10},
        {"name": "Chosen", "url": "x", "concurrency": 4},
    ]
    store.path.write_text(json.dumps({"profiles": stored}), encoding="utf-8")
    assert [p.concurrency for p in store.profiles()] == [DEFAULT_CONCURRENCY, 4]
    assert DEFAULT_CONCURRENCY > 11  # the bucket (11 from empty), not the setting, decides
