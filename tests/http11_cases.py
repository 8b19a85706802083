"""Answers shared by the HTTP/1.1 reader's tests through a load and through the wrapper: a page, interim responses before it, and malformed answers."""

from __future__ import annotations

from fake_ssm import http_answer, page

# ------------------------------------------------------------------ end to end: a fake endpoint
VALUE = "http11Value-DoNotPrint-9k8j7h"

ANSWER = http_answer(
    *page([("/prod/app/DB_PASSWORD", VALUE)]), {"Content-Type": "application/x-amz-json-1.1"}
)

INTERIM = (
    b"HTTP/1.1 100 Continue\r\n\r\n"
    b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
)

BROKEN = {
    "status-superscript-two": b"HTTP/1.1 2\xb20 OK\r\nContent-Length: 2\r\n\r\n{}",
    "content-length-superscript-two": b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n\r\n{}",
    "switching-protocols": b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
}
