"""SIS import of logins.csv in the sandbox: happy path, warnings, restore."""

from __future__ import annotations

import csv
import io
import re
import time

import pytest
import requests

UNAUTHORIZED = {
    "status": "unauthorized",
    "errors": [{"message": "user not authorized to perform that action"}],
}
HEADER = "user_id,login_id,existing_user_id,password,authentication_provider_id\n"


@pytest.fixture
def sb(sandbox):
    sandbox.state.sis_import_seconds = 0.2
    return sandbox


def session(token: str) -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    return s


def post_csv(sb, text: str, token: str | None = None) -> requests.Response:
    return session(token or sb.token).post(
        f"{sb.url}/api/v1/accounts/1/sis_imports",
        data={"import_type": "instructure_csv"},
        files={"attachment": ("logins.csv", text.encode("utf-8"), "text/csv")},
    )


def wait_done(sb, import_id: int) -> dict:
    s = session(sb.token)
    states = []
    for _ in range(200):
        body = s.get(f"{sb.url}/api/v1/accounts/1/sis_imports/{import_id}").json()
        states.append(body["workflow_state"])
        assert 0 <= body["progress"] <= 100
        if body["workflow_state"] not in ("created", "importing"):
            body["seen_states"] = states
            return body
        time.sleep(0.05)
    raise AssertionError(f"import never finished: {states}")


def test_import_adds_logins_to_existing_users(sb):
    text = HEADER + "L-0045510,ava.k,0045510,sunny-apple-7,\nL-0045511,liam.o,0045511,,saml\n"
    answer = post_csv(sb, text)
    assert answer.status_code == 200
    assert answer.json()["workflow_state"] == "created"
    assert answer.json()["progress"] == 0
    done = wait_done(sb, answer.json()["id"])
    assert done["workflow_state"] == "imported"
    assert done["progress"] == 100
    assert "processing_warnings" not in done
    assert "errors_attachment" not in done
    ava = sb.state.find_login("ava.k")
    assert (ava["user_id"], ava["sis_user_id"], ava["password"]) == (
        101,
        "L-0045510",
        "sunny-apple-7",
    )
    liam = sb.state.find_login("liam.o")
    assert (liam["user_id"], liam["authentication_provider_id"]) == (102, 7)
    assert sb.state.write_log == [
        ("POST", "/api/v1/accounts/1/sis_imports", f"sis_import:{done['id']}")
    ]


def test_raw_body_with_extension(sb):
    answer = session(sb.token).post(
        f"{sb.url}/api/v1/accounts/1/sis_imports",
        params={"import_type": "instructure_csv", "extension": "csv"},
        data=(HEADER + "L-1,zoe.d,0045512,blue-kite-19,\n").encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert answer.status_code == 200
    assert wait_done(sb, answer.json()["id"])["workflow_state"] == "imported"
    assert sb.state.find_login("zoe.d")["user_id"] == 103


def test_a_known_login_sis_id_is_skipped_and_a_removed_login_stays_removed(sb):
    kept = sb.state.add_login(104, "noah.old", sis_user_id="L-NOAH", password="original-pw")
    gone = sb.state.add_login(101, "ava.old", sis_user_id="L-AVA", password="old-pw-123")
    sb.state.logins[gone["id"]]["workflow_state"] = "deleted"
    rows = "L-NOAH,noah.n,0045513,changed-pw-1,\nL-AVA,ava.k,0045510,new-pw-1234,\n"
    done = wait_done(sb, post_csv(sb, HEADER + rows).json()["id"])
    assert done["workflow_state"] == "imported_with_messages"
    assert [message for _, message in done["processing_warnings"]] == [
        "An existing Canvas user with the SIS ID L-NOAH or login of noah.n already exists, "
        "skipping",
        "An existing Canvas user with the SIS ID L-AVA or login of ava.k already exists, skipping",
    ]
    assert sb.state.logins[kept["id"]]["unique_id"] == "noah.old"
    assert sb.state.logins[gone["id"]]["workflow_state"] == "deleted"
    assert sb.state.logins[gone["id"]]["password"] == "old-pw-123"
    assert sb.state.find_login("ava.k") is None


def test_warnings_are_listed_and_the_batch_still_imports(sb):
    rows = [
        "L-A,mia.s,0045514,red-boat-55,",  # fine
        "L-B,ghost.x,9999999,abcdefgh1,",  # no such student
        "0045510,other.name,0045515,abcdefgh1,",  # SIS id held by Ava's SSO login
        "L-C,chloe.b,0045523,abcdefgh1,",  # login name held by Chloé
    ]
    answer = post_csv(sb, HEADER + "\n".join(rows) + "\n")
    done = wait_done(sb, answer.json()["id"])
    assert done["workflow_state"] == "imported_with_messages"
    assert done["processing_warnings"] == [
        ["logins.csv", "Could not find the existing user for login with SIS ID L-B, skipping"],
        [
            "logins.csv",
            "An existing Canvas user with the SIS ID 0045510 or login of other.name already "
            "exists, skipping",
        ],
        [
            "logins.csv",
            "An existing Canvas user with the SIS ID L-C or login of chloe.b already exists, "
            "skipping",
        ],
    ]
    assert sb.state.find_login("mia.s") is not None
    assert sb.state.find_login("ghost.x") is None
    assert sb.state.find_login("chloe.b")["user_id"] == 113
    attachment = requests.get(done["errors_attachment"]["url"])
    assert attachment.status_code == 200
    table = list(csv.reader(io.StringIO(attachment.text)))
    assert table[0] == ["sis_import_id", "file", "message", "row"]
    assert [row[3] for row in table[1:]] == ["3", "4", "5"]
    assert all(row[0] == str(done["id"]) for row in table[1:])


def test_more_than_24_warnings_are_summarised(sb):
    rows = [f"L-{n},ghost{n},missing{n},abcdefgh1," for n in range(30)]
    done = wait_done(sb, post_csv(sb, HEADER + "\n".join(rows) + "\n").json()["id"])
    warnings = done["processing_warnings"]
    assert len(warnings) == 25
    assert warnings[-1] == ["logins.csv", "and 6 more"]
    table = list(csv.reader(io.StringIO(requests.get(done["errors_attachment"]["url"]).text)))
    assert len(table) == 31


def test_errors_attachment_needs_its_verifier(sb):
    done = wait_done(sb, post_csv(sb, HEADER + "L-1,g,none,,\n").json()["id"])
    url = done["errors_attachment"]["url"]
    assert requests.get(url.split("?")[0] + "?verifier=wrong").status_code == 404


def test_unknown_headers_fail(sb):
    done = wait_done(sb, post_csv(sb, "name,email\nA,a@example.com\n").json()["id"])
    assert done["workflow_state"] == "failed_with_messages"
    assert done["processing_errors"]


def test_import_needs_the_right_and_a_root_account(sb):
    sb.add_token("no-import", rights={"manage_user_logins", "manage_sis"})
    refused = post_csv(sb, HEADER, token="no-import")
    assert (refused.status_code, refused.json()) == (403, UNAUTHORIZED)
    sub = session(sb.token).post(
        f"{sb.url}/api/v1/accounts/2/sis_imports",
        files={"attachment": ("logins.csv", HEADER.encode(), "text/csv")},
    )
    assert sub.status_code == 400
    assert sb.state.sis_imports == {}


def test_restore_states_removes_what_the_import_created(sb):
    noah = sb.state.add_login(104, "noah.old", sis_user_id="L-NOAH")
    text = HEADER + "L-1,ava.k,0045510,abcdefgh1,\nL-NOAH,noah.new,0045513,,\n"
    done = wait_done(sb, post_csv(sb, text).json()["id"])
    assert sb.state.find_login("ava.k") is not None
    s = session(sb.token)
    answer = s.put(f"{sb.url}/api/v1/accounts/1/sis_imports/{done['id']}/restore_states")
    assert answer.status_code == 200
    progress = answer.json()
    assert progress["workflow_state"] == "queued"
    assert progress["url"].endswith(f"/api/v1/progress/{progress['id']}")
    for _ in range(200):
        progress = s.get(progress["url"]).json()
        if progress["workflow_state"] == "completed":
            break
        time.sleep(0.05)
    assert progress["workflow_state"] == "completed"
    assert sb.state.find_login("ava.k") is None
    assert sb.state.find_login("ava.k", include_deleted=True)["workflow_state"] == "deleted"
    assert sb.state.logins[noah["id"]]["workflow_state"] == "active"
    restored = s.get(f"{sb.url}/api/v1/accounts/1/sis_imports/{done['id']}").json()
    assert restored["workflow_state"] == "restored"


def test_a_finished_import_counts_as_canvas_does(sb):
    """``statistics``: per object type created/concluded/deactivated/restored/deleted (no
    ``updated``); ``data.counts``: rows per file; timestamps to the whole second."""
    rows = "L-A,mia.s,0045514,red-boat-55,\nL-B,ghost.x,9999999,abcdefgh1,\n"
    done = wait_done(sb, post_csv(sb, HEADER + rows).json()["id"])
    statistics = done["statistics"]
    assert statistics["total_state_changes"] == 1
    counts = {"created": 0, "concluded": 0, "deactivated": 0, "restored": 0, "deleted": 0}
    assert statistics["Pseudonym"] == {**counts, "created": 1}
    assert statistics["Enrollment"] == statistics["Course"] == counts
    assert "updated" not in str(statistics)
    assert done["data"]["counts"]["logins"] == 1
    assert done["data"]["counts"]["warning_count"] == 1
    assert done["data"]["counts"]["users"] == 0
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    assert stamp.fullmatch(done["created_at"]) and stamp.fullmatch(done["ended_at"])
    assert stamp.fullmatch(sb.state.find_login("mia.s")["created_at"])


def test_a_password_too_short_for_the_policy_is_named_by_user_id(sb):
    done = wait_done(sb, post_csv(sb, HEADER + "L-Ü1,ava.k,0045510,short,\n").json()["id"])
    assert done["workflow_state"] == "imported_with_messages"
    assert done["processing_warnings"] == [
        [
            "logins.csv",
            "Could not save the user with user_id: 'L-Ü1'. Unknown reason: password too_short",
        ]
    ]
    assert sb.state.find_login("ava.k") is None
    assert done["statistics"]["Pseudonym"]["created"] == 0
