"""POST /api/document/upload: a file in a multipart form (≤ 4 MiB), or JSON describing one for a
presigned S3 POST (≤ 10 MiB). See docs/documents.md."""

from paylox.documents import service
from paylox.documents.errors import FileEmpty, FileTooLarge, ScanFailed, UnsupportedFileType, UnsupportedMediaType
from paylox.documents.multipart import parse_upload_request
from paylox.documents.schemas import DocumentOut, UploadStartedOut
from paylox.errors import Forbidden, InvalidRequest, NotFound, QuotaExceeded
from paylox.http import Response, create_app, created, current_principal, http_handler, problem_responses

app = create_app()


@app.post(
    "/api/document/upload",
    responses={
        201: {
            "description": "Stored and processed (multipart), or waiting for the presigned upload (JSON)",
            "content": {"application/json": {"model": DocumentOut | UploadStartedOut}},
        },
        **problem_responses(
            InvalidRequest,
            FileEmpty,
            Forbidden,
            NotFound,
            FileTooLarge,
            UnsupportedMediaType,
            UnsupportedFileType,
            ScanFailed,
            QuotaExceeded,
        ),
    },
)
def upload() -> Response[str]:
    request = parse_upload_request(app.current_event)
    return created(service.upload(current_principal(), request))


handler = http_handler(app)
