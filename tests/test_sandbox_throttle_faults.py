"""The sandbox's leaky bucket and its seeded fault injection."""

from __future__ import annotations

import threading

import pytest
import requests

from core.sandbox import FaultConfig, ThrottleConfig
from core.sandbox.faults import FaultPlan
from core.sandbox.throttle import LeakyBuckets


def session(token: str) -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    return s


def concurrent_gets(sb, count: int) -> list[requests.Response]:
    """``count`` requests released together, each on its own connection."""
    barrier = threading.Barrier(count)
    answers: list[requests.Response] = []
    lock = threading.Lock()
    sessions = [session(sb.token) for _ in range(count)]

    def one(s: requests.Session) -> None:
        barrier.wait()
        answer = s.get(f"{sb.url}/api/v1/users/self", timeout=30)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=one, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


# ----- the bucket ------------------------------------------------------------------------


def test_bucket_admits_eleven_in_flight_and_refuses_the_twelfth():
    buckets = LeakyBuckets(ThrottleConfig())
    admitted = [buckets.start("t") for _ in range(11)]
    assert all(a.allowed for a in admitted)
    twelfth = buckets.start("t")
    assert not twelfth.allowed
    buckets.finish(twelfth)
    cost, remaining = buckets.finish(admitted.pop())
    assert cost == pytest.approx(0.05)
    assert remaining == pytest.approx(600 - 500 - 0.1, abs=0.05)
    assert buckets.start("t").allowed
    assert buckets.start("other-token").allowed


def test_bucket_caps_at_maximum_and_remaining_can_go_negative():
    buckets = LeakyBuckets(ThrottleConfig(enabled=False))
    admissions = [buckets.start("t") for _ in range(20)]
    assert all(a.allowed for a in admissions)
    assert buckets.level("t") == 800
    _, remaining = buckets.finish(admissions[0])
    assert remaining == -200


def test_settled_cost_leaks():
    config = ThrottleConfig(leak_per_second=1000, request_cost=500)
    buckets = LeakyBuckets(config)
    buckets.finish(buckets.start("t"))
    assert buckets.level("t") < 500


def test_throttled_status_texts():
    assert ThrottleConfig().throttled_body == "429 Too Many Requests (Rate Limit Exceeded)"
    assert ThrottleConfig(throttled_status=403).throttled_body == (
        "403 Forbidden (Rate Limit Exceeded)"
    )


# ----- over HTTP -------------------------------------------------------------------------


def test_eleven_slow_requests_in_flight_are_never_throttled(sandbox_factory):
    sb = sandbox_factory(latency=0.3)
    for _ in range(2):
        answers = concurrent_gets(sb, 11)
        assert [a.status_code for a in answers] == [200] * 11
        for answer in answers:
            assert "X-Request-Cost" in answer.headers
            assert float(answer.headers["X-Rate-Limit-Remaining"]) > 0
    assert sb.stats.throttled == 0


@pytest.mark.parametrize("status", [429, 403])
def test_twelve_slow_requests_in_flight_see_the_throttle(sandbox_factory, status):
    sb = sandbox_factory(latency=1.0, throttle=ThrottleConfig(throttled_status=status))
    answers = concurrent_gets(sb, 12)
    throttled = [a for a in answers if a.status_code == status]
    assert throttled, [a.status_code for a in answers]
    assert sb.stats.throttled == len(throttled)
    word = "Too Many Requests" if status == 429 else "Forbidden"
    for answer in throttled:
        assert answer.text == f"{status} {word} (Rate Limit Exceeded)"
        assert answer.headers["Content-Type"].startswith("text/plain")
        assert "Retry-After" not in answer.headers
        assert "X-Request-Cost" in answer.headers
        assert "X-Rate-Limit-Remaining" in answer.headers
    assert all(a.status_code == 200 for a in answers if a not in throttled)


def test_one_at_a_time_is_never_throttled(sandbox):
    s = session(sandbox.token)
    answers = [s.get(f"{sandbox.url}/api/v1/users/self") for _ in range(40)]
    assert all(a.status_code == 200 for a in answers)
    assert min(float(a.headers["X-Rate-Limit-Remaining"]) for a in answers) > 590


def test_throttle_can_be_switched_off(sandbox_factory):
    sb = sandbox_factory(latency=0.5, throttle=ThrottleConfig(enabled=False))
    answers = concurrent_gets(sb, 14)
    assert [a.status_code for a in answers] == [200] * 14
    assert sb.stats.max_in_flight >= 1


# ----- faults ----------------------------------------------------------------------------


def outcome_sequence(sb, count: int) -> list[str]:
    s = session(sb.token)
    seen = []
    for _ in range(count):
        try:
            seen.append(str(s.get(f"{sb.url}/api/v1/users/self", timeout=10).status_code))
        except requests.ConnectionError:
            seen.append("drop")
    return seen


def test_faults_repeat_with_the_same_seed(sandbox_factory):
    config = FaultConfig(rate=0.5, seed=42, kinds=("500", "502", "503", "drop"))
    first = outcome_sequence(sandbox_factory(faults=config), 30)
    second = outcome_sequence(sandbox_factory(faults=config), 30)
    other = outcome_sequence(sandbox_factory(faults=FaultConfig(rate=0.5, seed=7)), 30)
    assert first == second
    assert set(first) >= {"200", "500"}
    assert first != other


def test_fault_plan_is_a_pure_function_of_seed_and_order():
    config = FaultConfig(rate=0.3, seed=3)
    draws_a = [FaultPlan(config).draw() for _ in range(1)]
    plan_a, plan_b = FaultPlan(config), FaultPlan(config)
    assert [plan_a.draw() for _ in range(50)] == [plan_b.draw() for _ in range(50)]
    assert draws_a[0] == FaultPlan(config).draw()
    with pytest.raises(ValueError):
        FaultPlan(FaultConfig(kinds=("flood",)))


def test_error_faults_do_nothing(sandbox_factory):
    sb = sandbox_factory(faults=FaultConfig(rate=1.0, kinds=("500", "503")))
    s = session(sb.token)
    statuses = set()
    for n in range(6):
        answer = s.post(
            f"{sb.url}/api/v1/accounts/1/logins",
            data={"user[id]": "101", "login[unique_id]": f"f{n}", "login[password]": "abcdefgh1"},
        )
        statuses.add(answer.status_code)
    assert statuses <= {500, 503}
    assert sb.state.write_log == []
    assert sb.state.find_login("f0") is None
    assert sb.stats.faults_injected == 6


def test_done_then_502_performs_the_write(sandbox_factory):
    sb = sandbox_factory(faults=FaultConfig(rate=1.0, kinds=("done_then_502",)))
    answer = session(sb.token).post(
        f"{sb.url}/api/v1/accounts/1/logins",
        data={"user[id]": "101", "login[unique_id]": "ava.k", "login[password]": "abcdefgh1"},
    )
    assert answer.status_code == 502
    assert sb.state.find_login("ava.k")["user_id"] == 101
    assert len(sb.state.write_log) == 1


def test_dropped_writes_are_done_or_not_as_the_seed_says(sandbox_factory):
    sb = sandbox_factory(faults=FaultConfig(rate=1.0, seed=5, kinds=("drop",)))
    for n in range(12):
        with pytest.raises(requests.ConnectionError):
            session(sb.token).post(
                f"{sb.url}/api/v1/accounts/1/logins",
                data={
                    "user[id]": "101",
                    "login[unique_id]": f"d{n}",
                    "login[password]": "abcdefgh1",
                },
            )
    done = [n for n in range(12) if sb.state.find_login(f"d{n}") is not None]
    assert 0 < len(done) < 12
    assert len(sb.state.write_log) == len(done)
    plan = FaultPlan(FaultConfig(rate=1.0, seed=5, kinds=("drop",)))
    assert done == [n for n in range(12) if plan.draw().done_first]


def test_slow_fault_still_answers(sandbox_factory):
    sb = sandbox_factory(faults=FaultConfig(rate=1.0, kinds=("slow",), slow_seconds=0.05))
    answer = session(sb.token).get(f"{sb.url}/api/v1/users/self")
    assert answer.status_code == 200
    assert sb.stats.faults["slow"] == 1


def test_throttled_requests_get_no_fault(sandbox_factory):
    sb = sandbox_factory(latency=1.0, faults=FaultConfig(rate=1.0, kinds=("500",)))
    answers = concurrent_gets(sb, 13)
    throttled = [a for a in answers if a.status_code == 429]
    assert throttled
    assert sb.stats.faults_injected == 13 - len(throttled)
    assert all(a.status_code == 500 for a in answers if a not in throttled)


def test_faults_can_be_changed_while_running(sandbox):
    sandbox.set_faults(FaultConfig(rate=1.0, kinds=("503",)))
    s = session(sandbox.token)
    assert s.get(f"{sandbox.url}/api/v1/users/self").status_code == 503
    sandbox.set_faults(None)
    assert s.get(f"{sandbox.url}/api/v1/users/self").status_code == 200
