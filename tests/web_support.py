"""Helpers of the web tests: a review with a team of four logins, records assigned at title and
abstract, a small codebook and report spec; the app over it; logging in; a minimal PDF.

Team: ``ana`` and ``zbyszek`` screen (reviewers), ``pat`` settles (arbiter), ``olga`` owns.
Each password is ``f"pw-{name}-secret"``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evimap.records import Record
from evimap.review import Review
from tests import screening_support

TEAM = {"ana": "reviewer", "zbyszek": "reviewer", "pat": "arbiter", "olga": "owner"}

PROTOCOL = """
title = "{title}"
authors = ["ana", "zbyszek", "pat", "olga"]

[question]
population = "adults in psychotherapy"
concept = "alliance rupture repair"
context = "any setting"

[search]
databases = ["Web of Science", "Scopus"]
equation = "rupture AND repair"
date = "2024-05"

[[criteria]]
code = "I1"
kind = "inclusion"
text = "About alliance ruptures or their repair"

[[criteria]]
code = "E1"
kind = "exclusion"
text = "Not psychotherapy"

[[criteria]]
code = "E2"
kind = "exclusion"
text = "Wrong publication type"

[screening.title_abstract]
blind = true

[screening.full_text]
blind = true
reason_required = true

[screening.assignment]
seed = 7

[screening.highlight]
include = ["rupture*", "therapeutic alliance"]
exclude = ["rats"]

[[screening.reviewers]]
name = "ana"

[[screening.reviewers]]
name = "zbyszek"

[[screening.reviewers]]
name = "pat"
role = "arbiter"

[[screening.reviewers]]
name = "olga"
role = "owner"
"""

CODEBOOK = """
[[fields]]
name = "design"
label = "Design"
type = "single"
choices = ["Qualitative", "Quantitative", "Mixed"]

[[fields]]
name = "setting"
label = "Setting"
type = "multi"
choices = ["Outpatient", "Inpatient", "Online"]

[[fields]]
name = "participants"
label = "Participants"
type = "number"

[[fields]]
name = "summary"
label = "Summary"
type = "text"

[[fields]]
name = "passages"
label = "Key passages"
type = "quotes"
"""

REPORT = """
title = "Web test report"

[[table]]
name = "designs"
title = "Designs"
kind = "frequency"
field = "design"
label = "Design"

[[gapmap]]
name = "gapmap_design_setting"
title = "Design by setting"
source = "studies"
rows = "design"
columns = "setting"
"""


def password(name: str) -> str:
    """The test password of a team member."""
    return f"pw-{name}-secret"


def records(n: int = 6) -> list[Record]:
    """``n`` records with source IDs W1.., DOIs 10.1000/wN and the highlight words."""
    return [
        Record(
            title=f"Record {i}: repairing alliance ruptures in therapy",
            abstract=f"Abstract {i} on the therapeutic alliance; studies in rats were excluded.",
            year=2000 + i,
            doi=f"10.1000/w{i}",
            source_record_id=f"W{i}",
            source_title="Journal of Tests",
            keywords=["alliance", f"kw{i}"],
            line=i,
        )
        for i in range(1, n + 1)
    ]


def add_records(review: Review, items: list[Record], name: str = "web.csv") -> list[int]:
    """Insert records as if imported from one Web of Science file; their ids in order."""
    return screening_support.add_records(review, items, name, database="Web of Science")


def make_review(
    folder: Path,
    db: str | None = None,
    *,
    title: str = "Web test review",
    n: int = 6,
    extra: str = "",
) -> tuple[Review, list[int]]:
    """A review folder with the web team's logins and ``n`` records assigned at title and
    abstract to both reviewers (``extra``: more review.toml, e.g. a ``[prioritise]`` table)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "review.toml").write_text(PROTOCOL.format(title=title) + extra, encoding="utf-8")
    (folder / "codebook.toml").write_text(CODEBOOK, encoding="utf-8")
    (folder / "report.toml").write_text(REPORT, encoding="utf-8")
    review = Review.open(folder, db=db)
    ids = add_records(review, records(n))
    for name, role in TEAM.items():
        review.accounts.add(name, role, password(name))
    review.screening.assign("title_abstract", member=review.team.member("olga"))
    return review, ids


def pdf_bytes(text: str = "evimap test", doi: str = "", compress: bool = False) -> bytes:
    """A small valid one-page PDF showing ``text``; ``doi`` goes into its metadata, or, with
    ``compress``, into its page text, compressed (so only a PDF reader finds it)."""
    import zlib

    shown = f"{text} doi:{doi}" if compress else text
    if compress:
        doi = ""
    stream = f"BT /F1 18 Tf 40 100 Td ({shown}) Tj ET".encode()
    filters = b""
    if compress:
        stream, filters = zlib.compress(stream), b" /Filter /FlateDecode"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d%s >>\nstream\n" % (len(stream), filters) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({text}) /Subject (doi:{doi}) >>".encode(),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def login(client, name: str, secret: str | None = None) -> str:
    """Log ``name`` in through the JSON API; the session's CSRF token."""
    start = client.get("/login.json").json()["csrf_token"]
    response = client.post(
        "/login.json",
        json={"name": name, "password": secret or password(name)},
        headers={"x-csrf-token": start},
    )
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


@pytest.fixture
def web(tmp_path):
    """An app over one SQLite review: ``(app, review, record ids)``."""
    from evimap.web import create_app

    review, ids = make_review(tmp_path / "webrev")
    app = create_app([review])
    yield app, review, ids
    review.close()


def client_for(app):
    """A test client over HTTPS-less loopback (cookies kept between calls)."""
    from fastapi.testclient import TestClient

    return TestClient(app, raise_server_exceptions=False)
