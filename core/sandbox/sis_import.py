"""SIS import of ``logins.csv``: the bulk path (canvas-api.md, "SIS import of logins").

An import runs on a background thread over about ``state.sis_import_seconds`` seconds:
created -> importing (progress 0..100) -> imported | imported_with_messages |
failed | failed_with_messages. It only adds logins to existing users. Like Canvas's
login importer (``SIS::UserImporter`` with ``login_only``), a row is skipped with the
"already exists" warning when any login of the account holds its SIS id (a deleted one
too: the id stays reserved) or an active login holds its name; it never updates, revives
or re-passwords an existing login.

Its answer has Canvas's shape: ``data.counts`` holds the rows processed per kind of
file, and ``statistics`` counts ``created``, ``concluded``, ``deactivated``, ``restored``
and ``deleted`` per object type (``Pseudonym`` for logins), with no ``updated`` count.
Timestamps are whole seconds, so an import and the logins it makes often share one.
"""

from __future__ import annotations

import csv
import io
import secrets
import threading
import time
from typing import Any

from core.sandbox.request import ApiRequest, ApiResponse
from core.sandbox.state import ApiError, SandboxState, name_key, not_found, now_iso

WARNINGS_SHOWN = 24
#: The object types of an import's ``statistics``, and what each counts.
STATISTIC_TYPES = (
    "Account",
    "EnrollmentTerm",
    "CommunicationChannel",
    "AbstractCourse",
    "Course",
    "CourseSection",
    "Enrollment",
    "GroupCategory",
    "Group",
    "GroupMembership",
    "Pseudonym",
    "UserObserver",
    "AccountUser",
)
STATISTIC_COUNTS = ("created", "concluded", "deactivated", "restored", "deleted")
#: ``data.counts``: rows processed per kind of file, then the messages.
COUNTED_FILES = (
    "change_sis_ids",
    "accounts",
    "terms",
    "abstract_courses",
    "courses",
    "sections",
    "xlists",
    "users",
    "logins",
    "enrollments",
    "admins",
    "group_categories",
    "groups",
    "group_memberships",
    "grade_publishing_results",
    "user_observers",
)
EXISTING_COLUMNS = ("existing_user_id", "existing_integration_id", "existing_canvas_user_id")
_PROGRESS_STEPS = 8


def _attachment_json(base_url: str, record: dict[str, Any]) -> dict[str, Any] | None:
    data = record["errors_csv"]
    if data is None:
        return None
    import_id = record["json"]["id"]
    name = f"sis_errors_attachment_{import_id}.csv"
    return {
        "id": import_id,
        "display_name": name,
        "filename": name,
        "content-type": "text/csv",
        "size": len(data),
        "url": f"{base_url}/files/sis_imports/{import_id}/{name}?verifier={record['verifier']}",
    }


def _import_json(base_url: str, record: dict[str, Any]) -> dict[str, Any]:
    shown = dict(record["json"])
    attachment = _attachment_json(base_url, record)
    if attachment is not None:
        shown["errors_attachment"] = attachment
    return shown


def create_import(req: ApiRequest) -> ApiResponse:
    state = req.state
    with state.lock:
        account = state.root_account(req.args["account_id"])
        req.require("import_sis")
    import_type = req.params.get("import_type") or "instructure_csv"
    if import_type != "instructure_csv":
        raise ApiError(400, {"errors": [{"message": "invalid import_type parameter"}]})
    upload = req.params.files.get("attachment")
    if upload is not None:
        filename, data = upload.filename or "logins.csv", upload.data
    elif "attachment" in req.params:
        filename, data = "logins.csv", (req.params.get("attachment") or "").encode("utf-8")
    elif req.params.get("extension") == "csv" and req.params.raw_body:
        filename, data = "logins.csv", req.params.raw_body
    else:
        raise ApiError(400, {"errors": [{"message": "No file provided: send attachment"}]})
    import_id = state.next_sis_id()
    stamp = now_iso()
    record: dict[str, Any] = {
        "json": {
            "id": import_id,
            "account_id": account.id,
            "created_at": stamp,
            "updated_at": stamp,
            "ended_at": None,
            "workflow_state": "created",
            "progress": 0,
            "data": {"import_type": import_type, "supplied_batches": []},
            "statistics": None,
            "batch_mode": False,
            "batch_mode_term_id": None,
            "override_sis_stickiness": False,
            "user": {"id": req.token.user_id},
            "csv_attachments": [{"filename": filename, "size": len(data)}],
        },
        "errors_csv": None,
        "verifier": secrets.token_urlsafe(12),
        "created_logins": [],
    }
    with state.lock:
        state.sis_imports[import_id] = record
        body = _import_json(req.base_url, record)
    worker = threading.Thread(
        target=_run_import,
        args=(state, record, filename, data),
        daemon=True,
        name=f"sandbox-sis-import-{import_id}",
    )
    worker.start()
    return ApiResponse(200, body, write_identity=f"sis_import:{import_id}")


def get_import(req: ApiRequest) -> ApiResponse:
    with req.state.lock:
        req.state.account(req.args["account_id"])
        req.require("import_sis")
        record = _record(req.state, req.args["import_id"])
        return ApiResponse(200, _import_json(req.base_url, record))


def _record(state: SandboxState, ref: str) -> dict[str, Any]:
    text = ref.strip()
    record = state.sis_imports.get(int(text)) if text.isdigit() else None
    if record is None:
        raise not_found()
    return record


def restore_states(req: ApiRequest) -> ApiResponse:
    state = req.state
    with state.lock:
        state.root_account(req.args["account_id"])
        req.require("import_sis")
        record = _record(state, req.args["import_id"])
        if record["json"]["workflow_state"] not in ("imported", "imported_with_messages"):
            raise ApiError(400, {"errors": [{"message": "The import has not finished"}]})
        progress_id = state.next_sis_id()
        stamp = now_iso()
        progress = {
            "id": progress_id,
            "context_id": record["json"]["id"],
            "context_type": "SisBatch",
            "user_id": req.token.user_id,
            "tag": "sis_batch_state_restore",
            "completion": 0.0,
            "workflow_state": "queued",
            "created_at": stamp,
            "updated_at": stamp,
            "message": None,
            "results": None,
            "url": f"{req.base_url}/api/v1/progress/{progress_id}",
        }
        state.progresses[progress_id] = progress
        record["json"]["workflow_state"] = "restoring"
        body = dict(progress)
    threading.Thread(
        target=_run_restore,
        args=(state, record, progress),
        daemon=True,
        name=f"sandbox-sis-restore-{progress_id}",
    ).start()
    return ApiResponse(200, body, write_identity=f"sis_import:{record['json']['id']}:restore")


def get_progress(req: ApiRequest) -> ApiResponse:
    with req.state.lock:
        text = req.args["progress_id"].strip()
        progress = req.state.progresses.get(int(text)) if text.isdigit() else None
        if progress is None:
            raise not_found()
        return ApiResponse(200, dict(progress))


def errors_file(state: SandboxState, import_id: str, verifier: str) -> bytes | None:
    """The errors CSV of an import, or None when the id or verifier is wrong."""
    with state.lock:
        record = state.sis_imports.get(int(import_id)) if import_id.isdigit() else None
        if record is None or record["errors_csv"] is None or verifier != record["verifier"]:
            return None
        return record["errors_csv"]


# ----- the background work -------------------------------------------------------------


def _run_restore(state: SandboxState, record: dict[str, Any], progress: dict[str, Any]) -> None:
    time.sleep(state.sis_import_seconds * 0.25)
    with state.lock:
        progress.update(workflow_state="running", updated_at=now_iso())
        restored = 0
        for login_id in record["created_logins"]:
            login = state.logins.get(login_id)
            if login is not None and login["workflow_state"] != "deleted":
                login["workflow_state"] = "deleted"
                restored += 1
    time.sleep(state.sis_import_seconds * 0.25)
    with state.lock:
        stamp = now_iso()
        record["json"].update(workflow_state="restored", updated_at=stamp)
        progress.update(
            workflow_state="completed",
            completion=100.0,
            updated_at=stamp,
            results={"restored": restored},
        )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _run_import(state: SandboxState, record: dict[str, Any], filename: str, data: bytes) -> None:
    pause = state.sis_import_seconds / (_PROGRESS_STEPS + 2)
    time.sleep(pause)
    with state.lock:
        record["json"].update(workflow_state="importing", updated_at=now_iso())
    try:
        rows = list(csv.DictReader(io.StringIO(_decode(data))))
        headers = {(name or "").strip().lower() for name in (rows[0].keys() if rows else [])}
    except csv.Error:
        rows, headers = [], set()
    if not ({"user_id", "login_id"} <= headers and headers & set(EXISTING_COLUMNS)):
        time.sleep(pause)
        _finish(
            state,
            record,
            filename,
            [],
            [(filename, "Couldn't find Canvas CSV import headers", 1)],
            created=0,
        )
        return
    warnings: list[tuple[str, str, int]] = []
    created = 0
    chunk = max(1, -(-len(rows) // _PROGRESS_STEPS))
    for start in range(0, len(rows), chunk):
        with state.lock:
            for offset, row in enumerate(rows[start : start + chunk]):
                clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
                line = start + offset + 2
                outcome = _import_row(state, record, clean)
                if outcome == "created":
                    created += 1
                else:
                    warnings.append((filename, outcome, line))
            record["json"].update(
                progress=min(99, int(100 * (start + chunk) / len(rows))), updated_at=now_iso()
            )
        time.sleep(pause)
    _finish(state, record, filename, warnings, [], created=created)


def _import_row(state: SandboxState, record: dict[str, Any], row: dict[str, str]) -> str:
    """Create one login. Returns "created" or a warning message."""
    sis_id, unique_id = row.get("user_id", ""), row.get("login_id", "")
    if not sis_id:
        return "No user_id given for a login"
    if not unique_id:
        return f"No login_id given for login with SIS ID {sis_id}"
    refs = [
        f"sis_user_id:{row['existing_user_id']}" if row.get("existing_user_id") else "",
        f"sis_integration_id:{row['existing_integration_id']}"
        if row.get("existing_integration_id")
        else "",
        row.get("existing_canvas_user_id", ""),
    ]
    refs = [ref for ref in refs if ref]
    if not refs:
        return f"No existing user provided for login with SIS ID {sis_id}"
    user = None
    for ref in refs:
        try:
            user = state.user_by_ref(ref, 0)
            break
        except ApiError:
            continue
    if user is None:
        return f"Could not find the existing user for login with SIS ID {sis_id}, skipping"
    provider = None
    if row.get("authentication_provider_id"):
        provider = state.provider_by_ref(row["authentication_provider_id"])
        if provider is None:
            return (
                f"Authentication provider {row['authentication_provider_id']} not found "
                f"for login with SIS ID {sis_id}, skipping"
            )
    taken = (
        f"An existing Canvas user with the SIS ID {sis_id} or login of {unique_id} "
        "already exists, skipping"
    )
    if any(lg["sis_user_id"] == sis_id for lg in state.logins.values()):
        return taken
    family = state.family(provider)
    key = name_key(unique_id)
    for other in state.logins.values():
        if (
            other["workflow_state"] != "deleted"
            and name_key(other["unique_id"]) == key
            and state.family(state.provider_of(other)) == family
        ):
            return taken
    password = row.get("password") or None
    if password is not None and state.is_passwordable(provider) and len(password) < 8:
        return (
            f"Could not save the user with user_id: '{sis_id}'. Unknown reason: password too_short"
        )
    login = state.add_login(
        user.id,
        unique_id,
        provider.auth_type if provider else None,
        sis_id,
        integration_id=row.get("integration_id") or None,
        password=password if state.is_passwordable(provider) else None,
    )
    login["authentication_provider_id"] = provider.id if provider else None
    record["created_logins"].append(login["id"])
    return "created"


def _finish(
    state: SandboxState,
    record: dict[str, Any],
    filename: str,
    warnings: list[tuple[str, str, int]],
    errors: list[tuple[str, str, int]],
    *,
    created: int,
) -> None:
    shown = [[file, message] for file, message, _ in warnings[:WARNINGS_SHOWN]]
    if len(warnings) > WARNINGS_SHOWN:
        shown.append([filename, f"and {len(warnings) - WARNINGS_SHOWN} more"])
    if errors:
        final = "failed_with_messages"
    elif warnings:
        final = "imported_with_messages"
    else:
        final = "imported"
    with state.lock:
        import_id = record["json"]["id"]
        if warnings or errors:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["sis_import_id", "file", "message", "row"])
            for file, message, line in [*errors, *warnings]:
                writer.writerow([import_id, file, message, line])
            record["errors_csv"] = out.getvalue().encode("utf-8")
        stamp = now_iso()
        record["json"].update(
            workflow_state=final,
            progress=100,
            updated_at=stamp,
            ended_at=stamp,
            statistics=_statistics(created),
        )
        counts = dict.fromkeys(COUNTED_FILES, 0)
        counts.update(logins=created, error_count=len(errors), warning_count=len(warnings))
        record["json"]["data"] = {
            **record["json"]["data"],
            "supplied_batches": ["login"] if not errors else [],
            "counts": counts,
        }
        if shown:
            record["json"]["processing_warnings"] = shown
        if errors:
            record["json"]["processing_errors"] = [[file, message] for file, message, _ in errors]


def _statistics(created_logins: int) -> dict[str, Any]:
    """Canvas's ``statistics`` of an import that made ``created_logins`` logins."""
    found: dict[str, Any] = {"total_state_changes": created_logins}
    for kind in STATISTIC_TYPES:
        found[kind] = dict.fromkeys(STATISTIC_COUNTS, 0)
    found["Pseudonym"]["created"] = created_logins
    return found
