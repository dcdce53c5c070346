"""The web app over one review, page by page, through its JSON twins and its forms (FastAPI's
test client; the browser tests drive the same pages in Chromium)."""

from __future__ import annotations

import re

import pytest

from tests.web_support import client_for, login, password, pdf_bytes, web  # noqa: F401


@pytest.fixture
def app_review(web):  # noqa: F811
    return web


def _as(app, name):
    client = client_for(app)
    csrf = login(client, name)
    client.headers["x-csrf-token"] = csrf
    return client


def test_login_logout_and_my_reviews(app_review):
    app, review, _ = app_review
    client = client_for(app)
    html = {"accept": "text/html"}
    assert client.get("/", headers=html, follow_redirects=False).headers["location"] == (
        "/login?next=/"
    )
    assert client.get("/").status_code == 401
    page = client.get("/login")
    assert page.status_code == 200 and 'name="password"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    wrong = client.post("/login", data={"name": "ana", "password": "nope", "csrf_token": token})
    assert wrong.status_code == 401 and "wrong name or password" in wrong.text
    ok = client.post(
        "/login",
        data={"name": "ana", "password": password("ana"), "csrf_token": token, "next": "/index"},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/index"
    cookie = ok.headers["set-cookie"]
    assert "evimap_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Max-Age=43200" in cookie and "Secure" not in cookie
    home = client.get("/index.json").json()
    assert home["reviews"] == [
        {
            "slug": "webrev",
            "title": "Web test review",
            "role": "reviewer",
            "name": "ana",
            "url": "/r/webrev/dashboard",
        }
    ]
    assert client.get("/", follow_redirects=False).headers["location"] == "/r/webrev/dashboard"
    out = client.post("/logout", data={"csrf_token": home["csrf_token"]}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/index.json").status_code == 401


def test_cookies_are_secure_over_https(app_review):
    app, *_ = app_review
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="https://testserver")
    start = client.get("/login.json")
    assert (
        "Secure" in start.headers["set-cookie"] and "SameSite=strict" in start.headers["set-cookie"]
    )
    response = client.post(
        "/login.json",
        json={"name": "ana", "password": password("ana")},
        headers={"x-csrf-token": start.json()["csrf_token"]},
    )
    assert "Secure" in response.headers["set-cookie"]
    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_every_response_carries_the_security_headers(app_review):
    app, *_ = app_review
    client = _as(app, "olga")
    for path in (
        "/login",
        "/r/webrev/dashboard",
        "/r/webrev/dashboard.json",
        "/static/app.js",
        "/no/such/page",
        "/r/webrev/prisma.svg",
    ):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, path
        assert "'unsafe-inline'" not in csp or path.endswith(".svg"), path
        assert "script-src" not in csp or "script-src 'self'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-frame-options"] == "DENY"


def test_pages_have_no_inline_script_or_style(app_review):
    app, _, ids = app_review
    client = _as(app, "olga")
    for path in (
        "/r/webrev/dashboard",
        "/r/webrev/screen/title_abstract",
        "/r/webrev/team",
        "/r/webrev/fulltext",
        "/r/webrev/chart",
        "/r/webrev/report",
        "/login",
    ):
        html = client.get(path).text
        assert " style=" not in html and "<style" not in html, path
        scripts = re.findall(r"<script[^>]*>(.*?)</script>", html, re.S)
        assert scripts and all(s.strip() == "" for s in scripts), path
        assert not re.search(r"\son[a-z]+=", html), path


def test_errors_have_one_shape(app_review):
    app, *_ = app_review
    client = _as(app, "ana")
    missing = client.get("/r/webrev/nothing.json")
    assert missing.status_code == 404
    assert missing.json() == {
        "ok": False,
        "error": "Not Found",
        "errors": ["Not Found"],
        "status": 404,
    }
    bad = client.post("/r/webrev/screen/title_abstract/decide.json", json={"decision": "yes"})
    body = bad.json()
    assert bad.status_code == 422 and body["ok"] is False and body["status"] == 422
    assert any("record_id" in e for e in body["errors"])
    refused = client.get("/r/webrev/team.json")
    assert (
        refused.status_code == 403
        and refused.json()["error"] == "ana is reviewer; this needs owner"
    )
    html = client.get("/r/webrev/team")
    assert html.status_code == 403 and "ana is reviewer; this needs owner" in html.text


def test_screening_by_json_and_by_form(app_review):
    app, review, ids = app_review
    ana = _as(app, "ana")
    page = ana.get("/r/webrev/screen/title_abstract.json").json()
    record = page["record"]
    assert record["record_id"] == ids[0] and page["position"] == 1 and page["forward"] == ids[1]
    assert {"text": "ruptures", "kind": "include"} in record["title_parts"]
    assert {"text": "rats", "kind": "exclude"} in record["abstract_parts"]
    assert [(r["key"], r["code"]) for r in page["reasons"]] == [
        ("1", "I1"),
        ("2", "E1"),
        ("3", "E2"),
    ]
    assert page["progress"]["assigned"] == 6 and page["progress"]["to_do"] == 6
    done = ana.post(
        "/r/webrev/screen/title_abstract/decide.json",
        json={"record_id": ids[0], "decision": "exclude", "reason": "E1", "note": "animal study"},
    ).json()
    assert done["recorded"]["decision"] == "exclude" and done["next"] == ids[1]
    html = ana.get(f"/r/webrev/screen/title_abstract?record={ids[0]}").text
    assert 'data-decision="exclude"' in html and "animal study" in html
    form = ana.post(
        "/r/webrev/screen/title_abstract/decide",
        data={
            "record_id": ids[1],
            "decision": "include",
            "csrf_token": ana.headers["x-csrf-token"],
        },
        follow_redirects=False,
    )
    assert form.status_code == 303
    assert form.headers["location"] == f"/r/webrev/screen/title_abstract?record={ids[2]}"
    undone = ana.post("/r/webrev/screen/title_abstract/undo.json", json={}).json()
    assert undone["recorded"]["record_id"] == ids[1] and undone["recorded"]["decision"] == ""
    tags = ana.post(
        "/r/webrev/screen/title_abstract/tags.json",
        json={"record_id": ids[2], "tags": ["alliance, rct", "pilot"]},
    ).json()
    assert tags["tags"] == ["alliance", "pilot", "rct"]
    search = ana.get("/r/webrev/screen/title_abstract.json?q=abstract+2&show=todo").json()
    assert [r["record_id"] for r in search["search"]["rows"]] == [ids[1]]
    assert (
        review.screening.progress("title_abstract", member=review.team.member("ana"))["decided"]
        == 1
    )


def test_a_conflict_is_settled_by_the_arbiter_one_or_many(app_review):
    app, review, ids = app_review
    ana, zbyszek, pat = _as(app, "ana"), _as(app, "zbyszek"), _as(app, "pat")
    for rid in ids[:3]:
        ana.post(
            "/r/webrev/screen/title_abstract/decide.json",
            json={"record_id": rid, "decision": "include"},
        )
        zbyszek.post(
            "/r/webrev/screen/title_abstract/decide.json",
            json={"record_id": rid, "decision": "exclude", "reason": "E2", "note": "not empirical"},
        )
    page = pat.get("/r/webrev/conflicts/title_abstract.json").json()
    assert [c["record_id"] for c in page["conflicts"]] == ids[:3]
    first = page["conflicts"][0]
    assert [(c["reviewer"], c["decision"], c["reason"]) for c in first["calls"]] == [
        ("ana", "include", ""),
        ("zbyszek", "exclude", "E2"),
    ]
    assert [n["text"] for n in first["notes"]] == ["not empirical"]
    dash = pat.get("/r/webrev/dashboard.json").json()["stages"][0]
    assert dash["conflicts"] == 3 and dash["agreement"][0]["n"] == 3
    one = pat.post(
        "/r/webrev/conflicts/title_abstract/settle.json",
        json={"record_id": ids[0], "decision": "include", "why": "on topic"},
    )
    assert one.json() == {"ok": True, "record_id": ids[0], "status": "settled"}
    many = pat.post(
        "/r/webrev/conflicts/title_abstract/settle-many",
        data={
            "record_ids": [str(ids[1]), str(ids[2])],
            "decision": "exclude",
            "reason": "E2",
            "why": "commentaries",
            "csrf_token": pat.headers["x-csrf-token"],
        },
        follow_redirects=False,
    )
    assert many.status_code == 303
    assert pat.get("/r/webrev/conflicts/title_abstract.json").json()["conflicts"] == []
    prisma = ana.get("/r/webrev/dashboard.json").json()["prisma"]["counts"]
    assert prisma["records_excluded"] == 2
    assert ana.get("/r/webrev/prisma.svg").headers["content-type"] == "image/svg+xml"


def _to_full_text(app, review, ids):
    ana, zbyszek = _as(app, "ana"), _as(app, "zbyszek")
    for rid in ids[:3]:
        for client in (ana, zbyszek):
            client.post(
                "/r/webrev/screen/title_abstract/decide.json",
                json={"record_id": rid, "decision": "include"},
            )
    olga = _as(app, "olga")
    assigned = olga.post("/r/webrev/assign.json", json={"stage": "full_text"}).json()
    assert assigned["records"] == 3
    return ana, zbyszek, olga


def test_full_texts_upload_view_not_retrieved_and_exclude(app_review):
    app, review, ids = app_review
    ana, zbyszek, _ = _to_full_text(app, review, ids)
    up = ana.post(
        "/r/webrev/fulltext/upload.json",
        files=[
            ("files", ("10.1000_w1.pdf", pdf_bytes("one"), "application/pdf")),
            ("files", ("scan.pdf", pdf_bytes("two", doi="10.1000/w2"), "application/pdf")),
            ("files", ("junk.pdf", b"not a pdf", "application/pdf")),
        ],
    ).json()
    assert [(r["file"], r["status"]) for r in up["results"]] == [
        ("10.1000_w1.pdf", "attached"),
        ("scan.pdf", "attached"),
        ("junk.pdf", "unmatched"),
    ]
    single = zbyszek.post(
        "/r/webrev/fulltext/upload.json",
        data={"record_id": str(ids[2])},
        files=[("files", ("x.pdf", b"GIF89a", "application/pdf"))],
    )
    assert single.status_code == 400 and "not a PDF" in single.json()["error"]
    pdf = ana.get(f"/r/webrev/fulltext/{ids[0]}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    assert pdf.content.startswith(b"%PDF-")
    assert ana.get(f"/r/webrev/fulltext/{ids[2]}.pdf").status_code == 400
    gone = ana.post(
        "/r/webrev/fulltext/not-retrieved.json",
        json={"record_id": ids[2], "why": "library has no access"},
    )
    assert gone.json()["status"] == "not_retrieved"
    page = ana.get("/r/webrev/fulltext.json").json()
    assert page["counts"] == {"missing": 0, "attached": 2, "not_retrieved": 1}
    assert all(r["mine"] for r in page["reports"])
    excluded = ana.post(
        "/r/webrev/screen/full_text/decide",
        data={
            "record_id": ids[1],
            "decision": "exclude",
            "reason": "E2",
            "next": "/r/webrev/fulltext",
            "csrf_token": ana.headers["x-csrf-token"],
        },
        follow_redirects=False,
    )
    assert excluded.status_code == 303 and excluded.headers["location"] == "/r/webrev/fulltext"
    refused = ana.post(
        "/r/webrev/screen/full_text/decide.json", json={"record_id": ids[0], "decision": "exclude"}
    )
    assert refused.status_code == 400 and "reason is required" in refused.json()["error"]


def test_charting_form_verification_and_report(app_review):
    app, review, ids = app_review
    ana, zbyszek, olga = _to_full_text(app, review, ids)
    for client in (ana, zbyszek):
        for rid in ids[:2]:
            client.post(
                "/r/webrev/screen/full_text/decide.json",
                json={"record_id": rid, "decision": "include"},
            )
    studies = ana.get("/r/webrev/chart.json").json()["studies"]
    assert [(s["record_id"], s["key"]) for s in studies] == [(ids[0], "W1"), (ids[1], "W2")]
    form = ana.get(f"/r/webrev/chart/{ids[0]}.json").json()
    assert [f["name"] for f in form["fields"]] == [
        "design",
        "setting",
        "participants",
        "summary",
        "passages",
    ]
    saved = ana.post(
        f"/r/webrev/chart/{ids[0]}",
        data={
            "design": "Mixed",
            "setting": ["Outpatient", "Online"],
            "participants": "40",
            "summary": "metacommunication",
            "passages": "3 | we talked about it",
            "csrf_token": ana.headers["x-csrf-token"],
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/r/webrev/chart"
    bad = ana.post(f"/r/webrev/chart/{ids[1]}.json", json={"inputs": {"design": ["Nope"]}})
    assert bad.status_code == 400 and any(
        "'Nope' is not a choice" in e for e in bad.json()["errors"]
    )
    ana.post(
        f"/r/webrev/chart/{ids[1]}.json",
        json={"inputs": {"design": ["Qualitative"], "setting": ["Inpatient"]}},
    )
    again = ana.get(f"/r/webrev/chart/{ids[0]}.json").json()
    assert {f["name"]: f["inputs"] for f in again["fields"]}["setting"] == ["Outpatient", "Online"]
    check = zbyszek.post(
        f"/r/webrev/chart/{ids[0]}.json",
        json={
            "inputs": {"design": ["Mixed"], "setting": ["Outpatient"], "participants": ["40"]},
            "verify": True,
        },
    ).json()
    assert {a["field"]: a["agreed"] for a in check["agreement"]}["design"] == 1
    view = olga.get("/r/webrev/verification.json").json()
    assert view["primary"] == "ana" and view["second"] == "zbyszek"
    assert {a["field"]: a["agreed"] for a in view["agreement"]}["setting"] == 0
    report = olga.get("/r/webrev/report.json").json()
    assert report["problem"] == ""
    designs = next(t for t in report["tables"] if t["name"] == "designs")
    assert designs["rows"]
    assert [d["name"] for d in report["downloads"]] == [
        "report.html",
        "workbook.xlsx",
        "included.ris",
        "included.bib",
        "included.csv",
    ]
    ris = olga.get("/r/webrev/report/files/included.ris")
    assert ris.status_code == 200 and "TY  -" in ris.text and "10.1000/w1" in ris.text.lower()
    xlsx = olga.get("/r/webrev/report/files/workbook.xlsx")
    assert xlsx.content[:2] == b"PK"
    assert (
        "attachment"
        in olga.get("/r/webrev/report/files/report.html").headers["content-disposition"]
    )
    figure = olga.get("/r/webrev/report/figures/gapmap_design_setting.svg")
    assert figure.status_code == 200 and "<svg" in figure.text
    assert olga.get("/r/webrev/report/figures/nothing.svg").status_code == 404
    assert "Web test review" in olga.get("/r/webrev/report").text


def test_the_owner_manages_the_team_and_the_stages(app_review):
    app, review, ids = app_review
    olga = _as(app, "olga")
    page = olga.get("/r/webrev/team.json").json()
    assert [(m["name"], m["role"], m["login"]) for m in page["members"]] == [
        ("ana", "reviewer", True),
        ("zbyszek", "reviewer", True),
        ("pat", "arbiter", True),
        ("olga", "owner", True),
    ]
    added = olga.post(
        "/r/webrev/team/add.json",
        json={"name": "rita", "role": "reviewer", "password": password("rita")},
    )
    assert added.json()["account"]["role"] == "reviewer"
    rita = _as(app, "rita")  # rita can log in now
    olga.post("/r/webrev/team/role.json", json={"name": "rita", "role": "arbiter"})
    assert rita.get("/r/webrev/conflicts/title_abstract.json").status_code == 200
    olga.post("/r/webrev/team/password.json", json={"name": "rita", "password": "another-one"})
    assert rita.get("/r/webrev/dashboard.json").status_code == 401
    rita = client_for(app)
    login(rita, "rita", "another-one")
    olga.post("/r/webrev/team/remove.json", json={"name": "rita"})
    assert rita.get("/r/webrev/dashboard.json").status_code == 401
    last = olga.post("/r/webrev/team/remove.json", json={"name": "olga"})
    assert last.status_code == 400 and "only owner" in last.json()["error"]
    closed = olga.post(
        "/r/webrev/team/stage",
        data={
            "stage": "title_abstract",
            "open": "false",
            "csrf_token": olga.headers["x-csrf-token"],
        },
        follow_redirects=False,
    )
    assert closed.status_code == 303
    ana = _as(app, "ana")
    refused = ana.post(
        "/r/webrev/screen/title_abstract/decide.json",
        json={"record_id": ids[0], "decision": "include"},
    )
    assert refused.status_code == 409 and "closed" in refused.json()["error"]
    olga.post(
        "/r/webrev/team/stage.json", json={"stage": "title_abstract", "open": True, "blind": False}
    )
    assert olga.get("/r/webrev/team.json").json()["stages"][0]["settings"]["blind"] is False
    assert [e.kind for e in review.events.read(prefix="accounts.")][-4:] == [
        "accounts.add",
        "accounts.role",
        "accounts.password",
        "accounts.remove",
    ]


def test_the_dedup_queue_merges_keeps_apart_and_detaches(tmp_path):
    from evimap.review import Review
    from evimap.web import create_app
    from tests.test_dedup_store import _paper
    from tests.web_support import PROTOCOL, TEAM, add_records

    folder = tmp_path / "dd"
    folder.mkdir()
    (folder / "review.toml").write_text(
        PROTOCOL.format(title="Dedup") + "\n[dedup]\nthreshold = 1.0\nreview_from = 0.01\n"
    )
    review = Review.open(folder)
    for name, role in TEAM.items():
        review.accounts.add(name, role, password(name))
    title = "Rupture resolution training for novice therapists: a randomized trial"
    add_records(
        review,
        [
            _paper(title, "Eubanks", 2019, sid="A1"),
            _paper(title.replace("ized", "ised"), "Eubanks", 2020, sid="A2"),
            _paper(title, "Eubanks", 2019, sid="A3", doi="10.1/x"),
            _paper(title, "Eubanks", 2019, sid="A4", doi="10.1/x"),
        ],
    )
    review.dedup.run(member=review.team.member("olga"))
    app = create_app([review])
    pat = _as(app, "pat")
    page = pat.get("/r/dd/dedup.json").json()
    assert page["pairs"] and page["clusters"]
    pair = page["pairs"][0]
    decided = pat.post(
        "/r/dd/dedup/decide.json", json={"pair_id": pair["pair_id"], "decision": "keep_apart"}
    )
    assert decided.json()["decision"] == "keep_apart"
    cluster = pat.get("/r/dd/dedup.json").json()["clusters"][0]
    member = cluster["sources"][-1]["record_id"]
    detached = pat.post(
        "/r/dd/dedup/detach",
        data={"record_id": str(member), "csrf_token": pat.headers["x-csrf-token"]},
        follow_redirects=False,
    )
    assert detached.status_code == 303
    assert review.events.read(kind="dedup.detach")[-1].actor == "pat"
    assert _as(app, "ana").get("/r/dd/dedup.json").status_code == 403
    review.close()


def test_docs_name_every_page_of_the_app(app_review):
    from fastapi.routing import APIRoute, iter_route_contexts

    from tests.conftest import REPO

    app, *_ = app_review
    docs = (REPO / "docs" / "web.md").read_text(encoding="utf-8")
    pages = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.path.startswith("/r/{slug}/"):
            pages.add(route.path.split("/")[3].removesuffix(".json").removesuffix(".svg"))
    missing = sorted(p for p in pages if f"`{p}" not in docs)
    assert not missing, f"docs/web.md does not name: {missing}"


def test_the_app_runs_on_postgresql_too(tmp_path, postgres_url):
    from evimap.web import create_app
    from tests import pg
    from tests.web_support import make_review

    review, ids = make_review(tmp_path / "pgrev", db=pg.fresh_database(postgres_url, "evimap_web"))
    app = create_app([review])
    ana, zbyszek, pat = _as(app, "ana"), _as(app, "zbyszek"), _as(app, "pat")
    ana.post(
        "/r/pgrev/screen/title_abstract/decide.json",
        json={"record_id": ids[0], "decision": "include", "note": "fits"},
    )
    zbyszek.post(
        "/r/pgrev/screen/title_abstract/decide.json",
        json={"record_id": ids[0], "decision": "exclude", "reason": "E1"},
    )
    assert (
        ana.get(f"/r/pgrev/screen/title_abstract.json?record={ids[0]}").json()["record"]["status"]
        == "pending"
    )
    assert [
        c["record_id"]
        for c in pat.get("/r/pgrev/conflicts/title_abstract.json").json()["conflicts"]
    ] == [ids[0]]
    settled = pat.post(
        "/r/pgrev/conflicts/title_abstract/settle.json",
        json={"record_id": ids[0], "decision": "include", "why": "fits"},
    )
    assert settled.json()["status"] == "settled"
    assert pat.get("/r/pgrev/dashboard.json").json()["prisma"]["counts"]["dbr_sought_reports"] == 1
    assert (
        ana.post("/logout.json", headers={"x-csrf-token": ana.headers["x-csrf-token"]}).json()[
            "ended"
        ]
        == 1
    )
    assert ana.get("/r/pgrev/dashboard.json").status_code == 401
    review.close()


def test_evimap_serve_runs_the_app_with_uvicorn(tmp_path):
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    from tests.web_support import make_review

    review, _ = make_review(tmp_path / "served")
    review.close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    evimap = Path(sys.executable).parent / "evimap"
    process = subprocess.Popen(
        [str(evimap), "serve", str(tmp_path / "served"), "--port", str(port), "--proxy-headers"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        response = None
        while time.monotonic() < deadline:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/login.json", headers={"x-forwarded-proto": "https"}
                )
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert response is not None and response.status_code == 200
        # behind a proxy: X-Forwarded-Proto from 127.0.0.1 counts, so the cookie is Secure
        assert "Secure" in response.headers["set-cookie"]
        assert response.headers["strict-transport-security"] == "max-age=31536000"
    finally:
        process.terminate()
        out = process.communicate(timeout=20)[0].decode()
    assert f"Serving /r/served/ on http://127.0.0.1:{port}/" in out


def test_a_decision_runs_on_the_event_loop_unless_another_writer_holds_the_store(
    app_review, monkeypatch
):
    """A decision is written on the event loop when nothing would make it wait; while another
    process holds SQLite's write lock (an import) it is handed to a worker thread, waits
    there, and is stored once."""
    import sqlite3
    import threading
    import time

    from evimap.web import routing

    app, review, ids = app_review
    handed: list[int] = []
    real = routing.run_in_threadpool

    async def counting(call):
        handed.append(1)
        return await real(call)

    monkeypatch.setattr(routing, "run_in_threadpool", counting)
    client = _as(app, "ana")
    url = "/r/webrev/screen/title_abstract/decide.json"
    first = client.post(url, json={"record_id": ids[0], "decision": "include"})
    assert first.status_code == 200 and handed == []  # on the loop

    held, release = threading.Event(), threading.Event()

    def other_writer() -> None:  # another process's import, holding the lock for a while
        connection = sqlite3.connect(review.store.engine.url.database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        held.set()
        release.wait(10)
        connection.execute("COMMIT")
        connection.close()

    holder = threading.Thread(target=other_writer)
    holder.start()
    assert held.wait(10)
    threading.Timer(0.5, release.set).start()
    start = time.monotonic()
    second = client.post(url, json={"record_id": ids[1], "decision": "exclude"})
    holder.join()
    assert second.status_code == 200, second.text
    assert time.monotonic() - start >= 0.4  # it waited for the other writer, in a thread
    assert handed == [1]
    stored = review.screening.decisions("title_abstract", member=review.team.member("olga"))
    mine = [(r["record_id"], r["decision"]) for r in stored if r["reviewer"] == "ana"]
    assert sorted(mine) == sorted([(ids[0], "include"), (ids[1], "exclude")])
