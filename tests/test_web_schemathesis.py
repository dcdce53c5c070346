"""schemathesis generates requests from the app's OpenAPI document and sends them with a
logged-in owner's session and CSRF token: no operation answers with a server error.

Fast enough for CI: a few examples per operation (set EVIMAP_SCHEMATHESIS_EXAMPLES for more).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from evimap.web import create_app
from tests.web_support import client_for, login, make_review

EXAMPLES = int(os.environ.get("EVIMAP_SCHEMATHESIS_EXAMPLES", "6"))
SKIPPED = {"/logout.json"}  # would end the session the other operations run in


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app over a review mid-way: decisions, a conflict, full text assigned."""
    # prioritisation on: the stopping panel, its actions and the rankers are fuzzed too
    review, ids = make_review(
        tmp_path_factory.mktemp("fuzz") / "fuzz", extra="\n[prioritise]\nenabled = true\n"
    )
    s = review.screening
    for rid in ids[:4]:
        s.decide("title_abstract", rid, "include", member=review.team.member("ana"))
        s.decide(
            "title_abstract",
            rid,
            "include" if rid != ids[3] else "exclude",
            member=review.team.member("zbyszek"),
        )
    s.assign("full_text", member=review.team.member("olga"))
    app = create_app([review])
    client = client_for(app)
    csrf = login(client, "olga")
    yield app, client.cookies.get("evimap_session"), csrf
    review.close()


def test_no_operation_answers_with_a_server_error(served):
    app, token, csrf = served
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    calls: dict[int, int] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in SKIPPED:
            continue
        operations += 1
        pinned = {"slug": "fuzz"} if "{slug}" in operation.path else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(mode, path_parameters=pinned))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def run(case):
                response = case.call(
                    cookies={"evimap_session": token}, headers={"x-csrf-token": csrf}
                )
                calls[response.status_code] = calls.get(response.status_code, 0) + 1
                try:
                    case.validate_response(response, checks=[not_a_server_error])
                except Exception as exc:  # collect them all, report at the end
                    failures.append(f"{case.method} {case.formatted_path}: {exc}")

            try:
                run()
            except Unsatisfiable:  # nothing can be made invalid (no parameters, no body)
                assert mode is GenerationMode.NEGATIVE, operation.label
    assert operations >= 30
    assert not failures, "\n".join(failures[:20])
    assert sum(calls.values()) > operations * EXAMPLES  # it did send requests
    assert calls.get(200, 0) > 30  # and many went through the session and its CSRF token
    print(
        f"schemathesis: {operations} operations, {sum(calls.values())} requests, "
        f"status counts {dict(sorted(calls.items()))}"
    )


def test_the_openapi_document_describes_every_json_route(served):
    app, *_ = served
    paths = client_for(app).get("/openapi.json").json()["paths"]
    assert "/r/{slug}/screen/{stage}/decide.json" in paths
    assert "/r/{slug}/screen/{stage}.json" in paths
    assert all(p.endswith((".json", ".svg", ".pdf")) or "/report/files/" in p for p in paths), (
        sorted(paths)
    )
    assert len(paths) >= 30
