"""``PartnerStub``: a stand-in for a partner system that erases over HTTP, on 127.0.0.1.

``POST /erasures`` with ``{"request_id", "user_id"}`` answers 503 for the first
``fail_first`` calls of each request, then 200 ``{"erased": 1}``; it remembers which
request ids it erased (``erased``) and how often it was called (``calls``). The demo and
the tests point privacy's ``partner_url`` at it.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

__all__ = ["PartnerStub"]


class PartnerStub:
    def __init__(self, *, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.calls: Counter[str] = Counter()
        self.erased: set[str] = set()
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                    request_id = str(body["request_id"])
                except (ValueError, KeyError):
                    self._answer(400, {"error": "request_id and user_id expected"})
                    return
                with stub._lock:
                    stub.calls[request_id] += 1
                    failing = stub.calls[request_id] <= stub.fail_first
                    if not failing:
                        stub.erased.add(request_id)
                if failing:
                    self._answer(503, {"error": "partner unavailable"})
                else:
                    self._answer(200, {"erased": 1})

            def _answer(self, status: int, body: dict[str, object]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="partner-stub", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> PartnerStub:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
