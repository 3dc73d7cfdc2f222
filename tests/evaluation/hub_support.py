"""A small Hugging Face Hub on 127.0.0.1: the few endpoints huggingface_hub calls to create a
dataset repository and commit files into it (preupload, then a commit with the files inline,
base64), and the card check before them, recording what it was sent. ``refuse`` makes every call answer that HTTP status."""

from __future__ import annotations

import base64
import gzip
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from huggingface_hub import DatasetCard

COMMIT_OID = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class HubRecord:
    token: str
    refuse: int | None = None
    requests: list[tuple[str, str]] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    validated: list[dict[str, Any]] = field(default_factory=list)
    commits: list[dict[str, Any]] = field(default_factory=list)

    def files(self) -> dict[str, bytes]:
        """Every file committed, by path (the last commit's copy wins)."""
        return {path: data for commit in self.commits for path, data in commit["files"].items()}


class _Handler(BaseHTTPRequestHandler):
    record: HubRecord
    base: str

    def log_message(self, format: str, *args: Any) -> None:  # the test output stays quiet
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while (size := int(self.rfile.readline().strip(), 16)) > 0:
                data += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
        else:
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return data

    def _answer(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        body = self._body()
        self.record.requests.append((self.command, self.path))
        if self.record.refuse:
            return self._answer(self.record.refuse, {"error": "Invalid credentials in Authorization header"})
        if self.headers.get("Authorization") != f"Bearer {self.record.token}":
            return self._answer(401, {"error": "Invalid credentials in Authorization header"})
        path = self.path.split("?")[0]
        if path == "/api/whoami-v2":
            return self._answer(200, {"type": "user", "name": "owner", "auth": {"type": "access_token"}})
        if path == "/api/validate-yaml":
            # The Hub checks a README's metadata before a commit; here: it must parse as a dataset card.
            request = json.loads(body)
            self.record.validated.append(request)
            try:
                data = DatasetCard(request["content"]).data
            except Exception as exc:
                return self._answer(400, {"errors": [{"message": str(exc)}]})
            if request.get("repoType") != "dataset" or not data.configs:
                return self._answer(400, {"errors": [{"message": "not a dataset card with configs"}]})
            return self._answer(200, {"errors": [], "warnings": []})
        if path == "/api/repos/create":
            request = json.loads(body)
            self.record.created.append(request)
            repo = f"{request.get('organization')}/{request['name']}"
            return self._answer(200, {"url": f"{self.base}/datasets/{repo}", "name": repo})
        if match := re.fullmatch(r"/api/datasets/([^/]+/[^/]+)/preupload/([^/]+)", path):
            files = json.loads(body)["files"]
            return self._answer(
                200,
                {
                    "files": [
                        {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files
                    ]
                },
            )
        if match := re.fullmatch(r"/api/datasets/([^/]+/[^/]+)/commit/([^/]+)", path):
            lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
            header = next(line["value"] for line in lines if line["key"] == "header")
            files = {
                line["value"]["path"]: base64.b64decode(line["value"]["content"])
                for line in lines
                if line["key"] == "file"
            }
            self.record.commits.append(
                {
                    "repo": match.group(1),
                    "revision": match.group(2),
                    "summary": header["summary"],
                    "files": files,
                }
            )
            return self._answer(
                200,
                {
                    "commitUrl": f"{self.base}/datasets/{match.group(1)}/commit/{COMMIT_OID}",
                    "commitOid": COMMIT_OID,
                    "pullRequestUrl": None,
                },
            )
        return self._answer(404, {"error": f"no route {self.command} {path}"})

    do_GET = _handle
    do_POST = _handle


class LocalHub:
    def __init__(self, token: str) -> None:
        self.record = HubRecord(token=token)
        handler = type("Handler", (_Handler,), {"record": self.record})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        handler.base = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LocalHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
