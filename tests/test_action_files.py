"""Files given to write actions (actions/files.py): base64 or a `data_url` downloaded over real HTTP,
with the size limit, the MIME-type rules and the guard against private addresses."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hirebridge.actions.bodies import AttachmentIn, FileIn
from hirebridge.actions.files import FileRefused, FileRules, load
from hirebridge.model.actions import FileUpload
from tests.emulators.harness import serve

PDF = b"%PDF-1.4 a small file"
OPEN = FileRules(max_bytes=1024, allow_private_urls=True)


async def _file(request: Request) -> Response:
    kind = request.path_params["kind"]
    if kind == "pdf":
        return Response(PDF, media_type="application/pdf")
    if kind == "big":
        return Response(b"x" * 2048, media_type="text/plain")
    if kind == "generic":
        return Response(PDF, media_type="application/octet-stream")
    if kind == "redirect":
        return RedirectResponse("/files/pdf")
    return Response(b"gone", status_code=404)


@pytest.fixture(scope="module")
def files_url() -> Iterator[str]:
    with serve(Starlette(routes=[Route("/files/{kind}", _file)])) as url:
        yield url


def _load(file: FileIn, rules: FileRules = OPEN) -> FileUpload:
    return asyncio.run(load(file, "attachment", rules))


def test_base64_data_is_decoded_with_its_type() -> None:
    upload = _load(
        AttachmentIn(name="cv.pdf", type="CV", content_type="application/pdf", data=base64.b64encode(PDF).decode())
    )
    assert (upload.data, upload.content_type, upload.type, upload.name) == (PDF, "application/pdf", "CV", "cv.pdf")


def test_a_data_url_is_downloaded_and_typed_by_its_answer(files_url: str) -> None:
    upload = _load(FileIn(name="cv.pdf", data_url=f"{files_url}/files/pdf"))
    assert (upload.data, upload.content_type) == (PDF, "application/pdf")


@pytest.mark.parametrize(
    ("file", "problem"),
    [
        (FileIn(name="x"), "exactly one of 'data' and 'data_url'"),
        (FileIn(name="x", data="AAAA", data_url="http://127.0.0.1/x"), "exactly one of 'data' and 'data_url'"),
        (FileIn(name="x", data="AAAA"), "'attachment.content_type' is required"),
        (FileIn(name="x", data="@@@@", content_type="text/plain"), "not valid base64"),
        (FileIn(name="x", data=base64.b64encode(b"y" * 2000).decode(), content_type="text/plain"), "larger than 1024"),
        (FileIn(name="x", data="", content_type="text/plain"), "is empty"),
    ],
)
def test_unusable_files_are_refused_naming_the_field(file: FileIn, problem: str) -> None:
    with pytest.raises(FileRefused, match=problem):
        _load(file)


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        ("big", "larger than 1024 bytes"),
        ("generic", "must say what the file is"),
        ("redirect", "answered HTTP 307"),  # not followed: a public URL could redirect to a private one
        ("missing", "answered HTTP 404"),
    ],
)
def test_downloads_that_cannot_be_used_are_refused(files_url: str, kind: str, problem: str) -> None:
    with pytest.raises(FileRefused, match=problem):
        _load(FileIn(name="x", data_url=f"{files_url}/files/{kind}"))


def test_private_addresses_are_refused_unless_allowed(files_url: str) -> None:
    closed = FileRules(max_bytes=1024, allow_private_urls=False)
    with pytest.raises(FileRefused, match="must point at a public address"):
        _load(FileIn(name="x", data_url=f"{files_url}/files/pdf"), closed)
    with pytest.raises(FileRefused, match="must point at a public address"):
        _load(FileIn(name="x", data_url="http://localhost:1/x"), closed)
    assert _load(FileIn(name="x", data_url=f"{files_url}/files/pdf")).data == PDF
