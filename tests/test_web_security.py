"""Security of the web app, on every route the app has (enumerated from it, so a new route
must be added to CASES below or the first test fails): no session, another review, blindness
through any page or API route, CSRF, roles, wrong passwords, stale sessions, the login rate
limit."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from evimap.accounts.passwords import new_token
from evimap.web import WebSettings, create_app
from tests.web_support import client_for, login, make_review, password, pdf_bytes

R = "{record}"  # replaced by the test's record id

PRIORITISE = """
[prioritise]
enabled = true
retrain_every = 1

[prioritise.stopping]
heuristic_run = 1
"""

CASES: dict[str, dict] = {
    "home": {},
    "home_json": {},
    "review_root": {},
    "dashboard": {},
    "dashboard_json": {},
    "prisma_svg": {},
    "screen": {},
    "screen_json": {},
    "decide": {"body": {"record_id": R, "decision": "include"}},
    "decide_json": {"body": {"record_id": R, "decision": "include"}},
    "undo": {"body": {}},
    "undo_json": {"body": {}},
    "note": {"body": {"record_id": R, "text": "a note"}},
    "note_json": {"body": {"record_id": R, "text": "a note"}},
    "tags": {"body": {"record_id": R, "tags": ["t1"]}},
    "tags_json": {"body": {"record_id": R, "tags": ["t1"]}},
    "conflict_list": {"privileged": True},
    "conflict_list_json": {"privileged": True},
    "settle": {"body": {"record_id": R, "decision": "include", "why": "w"}, "privileged": True},
    "settle_json": {
        "body": {"record_id": R, "decision": "include", "why": "w"},
        "privileged": True,
    },
    "settle_many": {
        "body": {"record_ids": [R], "decision": "include", "why": "w"},
        "privileged": True,
    },
    "settle_many_json": {
        "body": {"record_ids": [R], "decision": "include", "why": "w"},
        "privileged": True,
    },
    "fulltexts": {},
    "fulltexts_json": {},
    "fulltext_pdf": {},
    "upload_json": {"files": True},
    "upload_form": {"files": True},
    "not_retrieved": {"body": {"record_id": R, "why": "w"}},
    "not_retrieved_json": {"body": {"record_id": R, "why": "w"}},
    "dedup_queue": {"privileged": True},
    "dedup_queue_json": {"privileged": True},
    "decide_pair": {"body": {"pair_id": 1, "decision": "merge"}, "privileged": True},
    "decide_pair_json": {"body": {"pair_id": 1, "decision": "merge"}, "privileged": True},
    "detach": {"body": {"record_id": R}, "privileged": True},
    "detach_json": {"body": {"record_id": R}, "privileged": True},
    "chart_list": {},
    "chart_list_json": {},
    "chart_form": {},
    "chart_form_json": {},
    "chart_save_json": {"body": {"inputs": {"design": ["Mixed"]}}},
    "chart_save_form": {"body": {"design": "Mixed"}},
    "verification": {},
    "verification_json": {},
    # every member reads the report as the core lets them see it (blind until settled)
    "report": {},
    "report_json": {},
    "report_file": {"params": {"name": "included.ris"}},
    "report_figure": {"params": {"name": "gapmap_design_setting"}},
    "team": {"owner": True},
    "team_json": {"owner": True},
    "add_member": {
        "body": {"name": "x", "role": "reviewer", "password": "long enough"},
        "owner": True,
    },
    "add_member_json": {
        "body": {"name": "x", "role": "reviewer", "password": "long enough"},
        "owner": True,
    },
    "set_role": {"body": {"name": "zbyszek", "role": "arbiter"}, "owner": True},
    "set_role_json": {"body": {"name": "zbyszek", "role": "arbiter"}, "owner": True},
    "remove_member": {"body": {"name": "pat"}, "owner": True},
    "remove_member_json": {"body": {"name": "pat"}, "owner": True},
    "set_password": {"body": {"name": "pat", "password": "long enough 2"}, "owner": True},
    "set_password_json": {"body": {"name": "pat", "password": "long enough 2"}, "owner": True},
    "set_stage": {"body": {"stage": "title_abstract", "blind": "false"}, "owner": True},
    "set_stage_json": {"body": {"stage": "title_abstract", "blind": False}, "owner": True},
    "assign": {"body": {"stage": "title_abstract"}, "privileged": True},
    "assign_json": {"body": {"stage": "title_abstract"}, "privileged": True},
    "sample": {"body": {"seed": "3"}, "privileged": True},
    "sample_json": {"body": {"seed": 3}, "privileged": True},
    "decide_stop": {"body": {"decision": "continue", "why": "w"}, "privileged": True},
    "decide_stop_json": {"body": {"decision": "continue", "why": "w"}, "privileged": True},
}
PUBLIC = {
    "login_start_json",
    "login_page",
    "login_json",
    "login_form",
    "logout_json",
    "logout_form",
    "root",
}
SESSION = {"logout_json", "logout_form", "login_json", "login_form"}


def routes(app) -> list[tuple[str, str, str]]:
    """``(method, path, name)`` of every API route of the app (included routers too)."""
    return [
        (method, route.path, route.name)
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute)
        for method in sorted(route.methods)
    ]


def fill(
    path: str, slug: str, record: int, stage: str = "title_abstract", params: dict | None = None
) -> list[str]:
    """Concrete paths of a route: every stage where it has one."""
    values = {"slug": slug, "record_id": str(record), **(params or {})}
    stages = ["title_abstract", "full_text"] if "{stage}" in path else [stage]
    out = []
    for s in stages:
        text = path
        for key, value in {**values, "stage": s}.items():
            text = text.replace("{" + key + "}", value)
        assert "{" not in text, text
        out.append(text)
    return out


def send(client, method: str, path: str, case: dict, record: int, csrf: str | None):
    """One request of a case: JSON for ``.json`` actions, a form otherwise."""
    if method == "GET":
        return client.get(path, follow_redirects=False)
    body = json.loads(json.dumps(case.get("body", {})).replace('"{record}"', str(record)))
    headers = {"x-csrf-token": csrf} if csrf and path.endswith(".json") else {}
    if case.get("files"):
        data = {} if path.endswith(".json") or not csrf else {"csrf_token": csrf}
        if csrf:
            headers = {"x-csrf-token": csrf} if path.endswith(".json") else {}
        files = [("files", ("10.1000_w1.pdf", pdf_bytes("x"), "application/pdf"))]
        return client.post(path, data=data, files=files, headers=headers, follow_redirects=False)
    if path.endswith(".json"):
        return client.post(path, json=body, headers=headers, follow_redirects=False)
    data = dict(body)
    if csrf:
        data["csrf_token"] = csrf
    return client.post(path, data=data, follow_redirects=False)


@pytest.fixture
def served(tmp_path):
    """Two reviews served together; ana, zbyszek, pat and olga belong to ``one``; ``two`` has
    the same names with other passwords, so their logins open nothing there."""
    # prioritisation on in one: its rankers, stopping panel and actions are probed too
    one, ids = make_review(tmp_path / "one", title="Review one", extra=PRIORITISE)
    two, _ = make_review(tmp_path / "two", title="Review two")
    for name in ("ana", "zbyszek", "pat", "olga"):
        two.accounts.set_password(name, f"other-{name}-pass")
    app = create_app([one, two])
    yield app, one, two, ids
    one.close()
    two.close()


def _as(app, name):
    client = client_for(app)
    csrf = login(client, name)
    return client, csrf


def test_every_route_is_covered_by_the_security_cases(served):
    app, *_ = served
    names = {name for _, _, name in routes(app)}
    assert names == set(CASES) | PUBLIC, (
        f"routes without a security case: {sorted(names - set(CASES) - PUBLIC)}; "
        f"cases without a route: {sorted(set(CASES) - names)}"
    )


def _refused(response, status: int, path: str) -> None:
    assert response.status_code == status, (path, response.status_code, response.text[:300])
    if "application/json" in response.headers.get("content-type", ""):
        body = response.json()
        assert body["ok"] is False and body["status"] == status and body["error"], path
    else:
        assert not path.endswith(".json"), path


def test_no_session_is_refused_everywhere(served):
    app, one, _, ids = served
    client = client_for(app)
    before = one.events.last_id()
    checked = 0
    for method, path, name in routes(app):
        if name in PUBLIC:
            continue
        for concrete in fill(path, "one", ids[0], params=CASES[name].get("params")):
            response = send(client, method, concrete, CASES[name], ids[0], csrf=None)
            if (
                not concrete.endswith(".json")
                and concrete.endswith((".svg", ".pdf"))
                or name in ("report_file",)
            ):
                assert response.status_code == 401, (concrete, response.status_code)
            else:
                _refused(response, 401, concrete)
            checked += 1
    assert checked > 60
    assert one.events.last_id() == before


def test_another_reviews_routes_are_refused(served):
    app, one, two, ids = served
    client, csrf = _as(app, "olga")  # the owner of one, a stranger to two
    assert [r["slug"] for r in client.get("/index.json").json()["reviews"]] == ["one"]
    before = two.events.last_id()
    for method, path, name in routes(app):
        if name in PUBLIC or "{slug}" not in path:
            continue
        for concrete in fill(path, "two", ids[0], params=CASES[name].get("params")):
            response = send(client, method, concrete, CASES[name], ids[0], csrf)
            assert response.status_code == 403, (concrete, response.status_code)
            assert "not a member of this review" in response.text, concrete
    assert two.events.last_id() == before
    assert client.get("/r/nothing/dashboard.json").status_code == 404
    assert client.get("/r/one/dashboard.json").status_code == 200


SECRETS = ("zbyszek", "SECRET-NOTE", "secret-tag")


def _blind_scenario(one, ids):
    s = one.screening
    s.decide("title_abstract", ids[0], "include", member=one.team.member("ana"))
    s.decide(
        "title_abstract",
        ids[0],
        "exclude",
        reason="E2",
        note="SECRET-NOTE",
        member=one.team.member("zbyszek"),
    )
    s.tag("title_abstract", ids[0], ["secret-tag"], member=one.team.member("zbyszek"))
    s.decide("title_abstract", ids[1], "maybe", member=one.team.member("zbyszek"))
    for rid in ids[2:4]:  # settled by agreement: the probe reads ids[0] and ids[1] only
        s.decide("title_abstract", rid, "include", member=one.team.member("ana"))
        s.decide("title_abstract", rid, "include", member=one.team.member("zbyszek"))
    s.assign("full_text", member=one.team.member("olga"))
    s.decide(
        "full_text",
        ids[2],
        "exclude",
        reason="E1",
        note="SECRET-NOTE-FT",
        member=one.team.member("zbyszek"),
    )


PAIR = "ana / zbyszek"
"""The report's agreement table names the reviewer pair over settled records only (which are
not blind); the name there is no call. Every other mention of zbyszek is a leak."""


def _leaks(text: str, settled_ok: bool = False) -> list[str]:
    found = [s for s in SECRETS if s in text.replace(PAIR, "")]
    if re.search(r'"status"\s*:\s*"conflict"|id="status">conflict<', text):
        found.append("a conflict shown")
    return found


def test_a_reviewer_never_reads_a_co_reviewers_unsettled_decision_anywhere(served):
    app, one, _, ids = served
    _blind_scenario(one, ids)
    client, csrf = _as(app, "ana")
    ok = 0
    probes = []
    for method, path, name in routes(app):
        if name in PUBLIC or name in SESSION:
            continue
        for record in (ids[0], ids[1]):
            for concrete in fill(path, "one", record, params=CASES[name].get("params")):
                probes.append((method, concrete, name, record))
    probes.sort(key=lambda p: p[0] != "GET")  # reads first, then every write
    for method, concrete, name, record in probes:
        response = send(client, method, concrete, CASES[name], record, csrf)
        assert response.status_code != 401, concrete
        ok += response.status_code == 200
        text = response.text
        if (
            name in ("screen", "screen_json", "chart_list", "chart_list_json")
            or "conflict" in name
            or "verification" in name
        ):
            pass
        leaked = _leaks(text)
        assert not leaked, f"{method} {concrete} ({response.status_code}): {leaked}"
    assert ok > 20
    # the report's agreement is over the two records settled by agreement, not the conflict
    tables = {t["name"]: t for t in client.get("/r/one/report.json").json()["tables"]}
    (row,) = tables["screening_agreement"]["rows"]
    assert row["pair"] == PAIR and row["records"] == 2
    # the probe detects: the arbiter sees the same record's calls, notes, tags and conflict
    arbiter, _ = _as(app, "pat")
    seen = (
        arbiter.get(f"/r/one/screen/title_abstract.json?record={ids[0]}").text
        + arbiter.get("/r/one/conflicts/title_abstract.json").text
    )
    assert set(_leaks(seen)) >= {"zbyszek", "SECRET-NOTE", "a conflict shown"}


def test_missing_or_wrong_csrf_tokens_are_refused_on_every_state_change(served):
    app, one, _, ids = served
    client, csrf = _as(app, "olga")
    before = one.events.last_id()
    checked = 0
    for method, path, name in routes(app):
        if method != "POST" or name in ("login_json", "login_form"):
            continue
        for concrete in fill(path, "one", ids[0], params=CASES.get(name, {}).get("params")):
            for token in (None, "wrong-" + csrf[6:]):
                response = send(client, method, concrete, CASES.get(name, {}), ids[0], token)
                assert response.status_code == 403, (concrete, token, response.status_code)
                assert "CSRF" in response.text, concrete
                checked += 1
    assert checked >= 2 * 36
    assert one.events.last_id() == before
    assert client.get("/r/one/dashboard.json").status_code == 200  # still logged in
    fresh = client_for(app)
    refused = fresh.post("/login.json", json={"name": "ana", "password": password("ana")})
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]


def test_a_reviewer_cannot_call_arbiter_or_owner_actions(served):
    app, one, _, ids = served
    client, csrf = _as(app, "ana")
    before = one.events.last_id()
    checked = 0
    for method, path, name in routes(app):
        case = CASES.get(name, {})
        if not (case.get("privileged") or case.get("owner")):
            continue
        for concrete in fill(path, "one", ids[0], params=case.get("params")):
            response = send(client, method, concrete, case, ids[0], csrf)
            assert response.status_code == 403, (concrete, response.status_code, response.text)
            checked += 1
    assert checked >= 30
    assert one.events.last_id() == before
    pat, pat_csrf = _as(app, "pat")  # an arbiter settles and assigns, but owns nothing
    for name in ("team_json", "add_member_json", "set_stage_json"):
        case = CASES[name]
        path = next(p for _, p, n in routes(app) if n == name)
        response = send(
            pat,
            "GET" if "body" not in case else "POST",
            fill(path, "one", ids[0])[0],
            case,
            ids[0],
            pat_csrf,
        )
        assert response.status_code == 403, name


def test_a_wrong_password_is_refused(served):
    app, *_ = served
    client = client_for(app)
    start = client.get("/login.json").json()["csrf_token"]
    for name, secret in (
        ("ana", "wrong password"),
        ("nobody", password("ana")),
        ("ana", "other-ana-pass"),
    ):
        response = client.post(
            "/login.json", json={"name": name, "password": secret}, headers={"x-csrf-token": start}
        )
        if secret == "other-ana-pass":  # ana's password in review two: logs into two only
            assert response.status_code == 200
            assert [r["slug"] for r in response.json()["reviews"]] == ["two"]
            continue
        assert response.status_code == 401 and response.json()["error"] == "wrong name or password"
        assert (
            "set-cookie" not in response.headers
            or "evimap_session" not in response.headers["set-cookie"]
        )


def test_stale_sessions_are_refused(served):
    app, one, _, ids = served
    client, csrf = _as(app, "ana")
    token = client.cookies.get("evimap_session")
    assert client.get("/r/one/dashboard.json").status_code == 200
    assert client.post("/logout.json", headers={"x-csrf-token": csrf}).json()["ended"] == 1
    replay = client_for(app)
    replay.cookies.set("evimap_session", token)
    refused = replay.get("/r/one/dashboard.json")
    assert (
        refused.status_code == 401
        and refused.json()["error"] == "your session has ended; log in again"
    )
    assert (
        replay.post(
            "/r/one/screen/title_abstract/decide.json",
            json={"record_id": ids[0], "decision": "include"},
            headers={"x-csrf-token": csrf},
        ).status_code
        == 401
    )
    html = replay.get("/r/one/dashboard", headers={"accept": "text/html"}, follow_redirects=False)
    assert html.status_code == 303 and 'evimap_session=""' in html.headers.get("set-cookie", "")

    from datetime import timedelta

    expired = new_token()
    one.accounts.open_session("ana", expired, lifetime=timedelta(seconds=-1))
    old = client_for(app)
    old.cookies.set("evimap_session", expired)
    assert old.get("/r/one/dashboard.json").status_code == 401

    client, _ = _as(app, "zbyszek")
    one.accounts.set_password("zbyszek", "a brand new one")
    assert client.get("/r/one/dashboard.json").status_code == 401


def test_sessions_expire_after_the_configured_hours(tmp_path):
    review, _ = make_review(tmp_path / "short")
    app = create_app([review], settings=WebSettings(session_hours=-0.001))
    client = client_for(app)
    start = client.get("/login.json").json()["csrf_token"]
    response = client.post(
        "/login.json",
        json={"name": "ana", "password": password("ana")},
        headers={"x-csrf-token": start},
    )
    assert response.status_code == 200
    token = re.search(r"evimap_session=([^;]+)", response.headers["set-cookie"]).group(1)
    client.cookies.set("evimap_session", token)
    assert client.get("/r/short/dashboard.json").status_code == 401
    review.close()


def test_failed_logins_are_rate_limited(served):
    app, *_ = served
    client = client_for(app)
    start = client.get("/login.json").json()["csrf_token"]

    def attempt(name, secret):
        return client.post(
            "/login.json", json={"name": name, "password": secret}, headers={"x-csrf-token": start}
        )

    assert [attempt("ana", f"guess {i}").status_code for i in range(5)] == [401] * 5
    locked = attempt("ana", password("ana"))
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert "too many failed logins" in locked.json()["error"]
    assert attempt("pat", password("pat")).status_code == 200  # another name still logs in
    for i in range(15):
        attempt(f"someone{i}", "guess")
    assert attempt("olga", password("olga")).status_code == 429  # this client is now limited
