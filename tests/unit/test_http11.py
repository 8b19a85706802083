"""The socket-free HTTP/1.1 response reader (RFC 9112): status line, fields, framing, chunks, trailers, interim responses, fuzzed and differential against h11; and through a load."""

from __future__ import annotations

import pytest
from conftest import timed_load
from fake_ssm import FaultySsm, raw
from http11_cases import ANSWER, BROKEN, INTERIM, VALUE
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ssm_env_wrapper.errors import EndpointError
from ssm_env_wrapper.http11 import HttpResponse, ProtocolError, ResponseReader

OK = b"HTTP/1.1 200 OK\r\n"


def read(
    data: bytes, method: str = "POST", *, eof: bool = True, cuts: tuple[int, ...] = ()
) -> tuple[HttpResponse, ResponseReader]:
    """Feed ``data`` (split at ``cuts``), then the end of the connection when ``eof``; the
    response must be complete."""
    reader = ResponseReader(method)
    bounds = [0, *sorted(cuts), len(data)]
    for start, end in zip(bounds, bounds[1:]):
        reader.feed(data[start:end])
        reader.next_response()
    if eof:
        reader.feed_eof()
    response = reader.next_response()
    assert response is not None
    return response, reader


def refused(data: bytes, method: str = "POST", *, eof: bool = True) -> str:
    with pytest.raises(ProtocolError) as caught:
        read(data, method, eof=eof)
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message
    return message


def body(n: int = 5) -> bytes:
    return b"x" * n


# ---------------------------------------------------------------------------------- status line
@pytest.mark.parametrize(
    "line, status, reason, version",
    [
        (b"HTTP/1.1 200 OK", 200, "OK", "1.1"),
        (b"HTTP/1.1 200", 200, "", "1.1"),  # no reason and no space: servers do this (h11 too)
        (b"HTTP/1.1 200 ", 200, "", "1.1"),
        (b"HTTP/1.0 404 Not Found", 404, "Not Found", "1.0"),
        (
            b"HTTP/1.1 503 Slow\tDown \xe9t\xe9",
            503,
            "Slow\tDown \xe9t\xe9",
            "1.1",
        ),  # HTAB, obs-text
        (b"HTTP/1.9 299 Whatever", 299, "Whatever", "1.9"),  # a later 1.x minor reads as 1.1
        (b"HTTP/1.1 599 x", 599, "x", "1.1"),
    ],
)
def test_a_valid_status_line(line, status, reason, version):
    response, _ = read(line + b"\r\nContent-Length: 0\r\n\r\n")
    assert (response.status, response.reason, response.version) == (status, reason, version)


@pytest.mark.parametrize(
    "line",
    [
        b"HTTP/1.1 2\xb20 OK",  # '\xb2' is '²' in latin-1: str.isdigit() said yes, int() failed
        b"HTTP/1.1 2\xc2\xb20 OK",  # the same in UTF-8
        b"HTTP/1.1 \xd9\xa2\xd9\xa0\xd9\xa0 OK",  # Arabic-Indic digits
        b"HTTP/1.1 20 OK",
        b"HTTP/1.1 2000 OK",
        b"HTTP/1.1 200OK",
        b"HTTP/1.1  200 OK",
        b"HTTP/1.1 +20 OK",
        b"HTTP/1.1 2 0 OK",
        b"HTTP/1.1 -20 OK",
        b"HTTP/2.0 200 OK",
        b"HTTP/1. 200 OK",
        b"http/1.1 200 OK",
        b"HTTP/1.1",
        b"HTTP/1.1 ",
        b"ICY 200 OK",
        b"",
        b" HTTP/1.1 200 OK",
        b"HTTP/1.1 099 Low",
        b"HTTP/1.1 000 Zero",
        b"HTTP/1.1 600 High",
        b"HTTP/1.1 999 High",
        b"HTTP/1.1 200 O\x00K",
        b"HTTP/1.1 200 O\x7fK",
        b"HTTP/1.1 200 O\x1bK",
    ],
)
def test_a_bad_status_line_is_a_protocol_error(line):
    refused(line + b"\r\nContent-Length: 0\r\n\r\n")


# -------------------------------------------------------------------------------- header fields
def test_header_fields_are_kept_in_order_lower_cased_and_repeats_joined():
    response, _ = read(
        OK + b"X-Amzn-RequestId: a1\r\nVary:  one \t\r\nvary:two\r\nEmpty:\r\n"
        b"Obs: caf\xe9\r\nContent-Length: 0\r\n\r\n"
    )
    assert response.fields == (
        ("x-amzn-requestid", "a1"),
        ("vary", "one"),
        ("vary", "two"),
        ("empty", ""),
        ("obs", "caf\xe9"),
        ("content-length", "0"),
    )
    assert response.headers == {
        "x-amzn-requestid": "a1",
        "vary": "one, two",
        "empty": "",
        "obs": "caf\xe9",
        "content-length": "0",
    }


@pytest.mark.parametrize(
    "line",
    [
        b"Name : value",  # whitespace before the colon (RFC 9112 5.1)
        b"Name\t: value",
        b" Name: value",  # obs-fold, or a field hidden by a leading space
        b"\tcontinued",  # obs-fold (RFC 9112 5.2)
        b"no colon at all",
        b": no name",
        b"Na(me: value",
        b"Na me: value",
        b"N\xe4me: value",
        b"Name\x00: value",
        b"Name: va\x00lue",  # NUL, CR and the other controls (RFC 9110 5.5)
        b"Name: va\rlue",
        b"Name: va\x01lue",
        b"Name: va\x7flue",
        b"Name: va\x1blue",
    ],
)
def test_a_bad_header_line_is_a_protocol_error(line):
    refused(OK + line + b"\r\nContent-Length: 0\r\n\r\n")


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 200 OK\nContent-Length: 0\n\n",  # bare LF line ends
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n",
        b"HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n",  # bare CR
        b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",  # an empty line before the status
    ],
)
def test_line_ends_are_crlf_only(data):
    refused(data)


def test_a_bare_lf_fails_before_the_head_ends():
    reader = ResponseReader()
    reader.feed(b"HTTP/1.1 200 OK\n")
    with pytest.raises(ProtocolError):
        reader.next_response()


def test_at_most_100_header_fields():
    fields = b"".join(b"X-%d: v\r\n" % i for i in range(99))
    response, _ = read(OK + fields + b"Content-Length: 0\r\n\r\n")
    assert len(response.fields) == 100
    assert "more than 100 header fields" in refused(
        OK + fields + b"A: b\r\nContent-Length: 0\r\n\r\n"
    )


def test_the_header_block_is_at_most_64_kib_and_fails_without_waiting_for_its_end():
    reader = ResponseReader()
    reader.feed(OK + b"X: " + b"a" * 65536)  # no line end yet: refused at once, not at EOF
    with pytest.raises(ProtocolError, match="header block is too large"):
        reader.next_response()
    big = OK + b"X: " + b"a" * 30000 + b"\r\nY: " + b"b" * 40000 + b"\r\n\r\n"
    assert "header block is too large" in refused(big)


def test_messages_never_quote_the_peers_bytes():
    secret = b"wrapperSessionToken-DoNotPrint"
    for data in (
        b"HTTP/1.1 2" + secret + b"\r\n\r\n",
        OK + secret + b"\r\n\r\n",
        OK + b"X: " + secret + b"\x00\r\n\r\n",
        OK + b"Content-Length: " + secret + b"\r\n\r\n",
        OK + b"Transfer-Encoding: chunked\r\n\r\n" + secret + b"\r\n",
    ):
        assert secret.decode() not in refused(data)


# ------------------------------------------------------------------------------- Content-Length
@pytest.mark.parametrize(
    "fields",
    [
        b"Content-Length: 5\r\n",
        b"Content-Length:5\r\n",
        b"Content-Length: \t5 \r\n",
        b"content-length: 005\r\n",
        b"Content-Length: 5, 5\r\n",
        b"Content-Length: 5\r\nContent-Length: 5\r\n",  # identical repeats (RFC 9110 8.6)
    ],
)
def test_a_valid_content_length(fields):
    response, reader = read(OK + fields + b"\r\n" + body(5) + b"next", eof=False)
    assert response.body == body(5) and reader.unconsumed == b"next"
    assert response.keep_alive


@pytest.mark.parametrize(
    "value",
    [
        b"\xb2",
        b"\xc2\xb2",
        b"\xd9\xa5",  # '²' (latin-1 and UTF-8), Arabic-Indic five
        b"+5",
        b"-5",
        b"0x5",
        b"5.0",
        b"5 5",
        b"5;",
        b"1_0",
        b"",
        b"5,",
        b",5",
        b"5, 6",
        b"five",
        b"1" * 20,  # 20 digits: more than any body we accept, refused before int() is asked
        b"4194305",  # one byte over the 4 MiB body limit
        b"67108865",
    ],
)
def test_a_bad_content_length_is_a_protocol_error(value):
    refused(OK + b"Content-Length: " + value + b"\r\n\r\n" + body(5))


def test_content_length_fields_that_disagree_are_refused():
    assert "disagree" in refused(OK + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\n" + body(6))


def test_content_length_zero_and_a_body_cut_short():
    response, _ = read(OK + b"Content-Length: 0\r\n\r\n", eof=False)
    assert response.body == b""
    assert (
        refused(OK + b"Content-Length: 10\r\n\r\n" + body(4))
        == "the response ended after 4 of 10 bytes"
    )


# ---------------------------------------------------------------------------- Transfer-Encoding
def chunked(*chunks: bytes, trailer: bytes = b"", ext: bytes = b"") -> bytes:
    out = b"".join(b"%x%s\r\n%s\r\n" % (len(c), ext, c) for c in chunks)
    return out + b"0" + ext + b"\r\n" + trailer + b"\r\n"


TE = OK + b"Transfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize(
    "value", [b"chunked", b"Chunked", b"CHUNKED", b" chunked ", b"chunked,", b", chunked"]
)
def test_transfer_encoding_chunked(value):
    response, _ = read(
        OK + b"Transfer-Encoding: " + value + b"\r\n\r\n" + chunked(b"hello", b" world"), eof=False
    )
    assert response.body == b"hello world" and response.keep_alive


@pytest.mark.parametrize(
    "fields",
    [
        b"Transfer-Encoding: gzip\r\n",
        b"Transfer-Encoding: gzip, chunked\r\n",
        b"Transfer-Encoding: chunked, chunked\r\n",
        b"Transfer-Encoding: identity\r\n",
        b"Transfer-Encoding: \r\n",
        b"Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
        b"Transfer-Encoding: chunked;q=1\r\n",
    ],
)
def test_a_transfer_encoding_other_than_chunked_is_refused(fields):
    refused(OK + fields + b"\r\n" + chunked(b"hello"))


def test_transfer_encoding_with_content_length_is_refused():
    # RFC 9112 6.3 (3): "ought to be handled as an error" (request smuggling, response splitting).
    data = OK + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" + chunked(b"hello")
    assert refused(data) == "the response has both Transfer-Encoding and Content-Length"


def test_transfer_encoding_in_http_1_0_is_refused():
    refused(b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(b"hello"))


# ------------------------------------------------------------------------------------- chunked
@pytest.mark.parametrize(
    "ext",
    [
        b";a",
        b";a=b",
        b"; a = b",
        b';a="q \\" x"',
        b';a;b=c;d=""',
        b" ;a",
        b"\t;a=b",
        b" ",
        b";a=b \t",
    ],
)
def test_chunk_extensions_are_parsed_and_ignored(ext):
    response, _ = read(TE + chunked(b"hello", ext=ext), eof=False)
    assert response.body == b"hello"


@pytest.mark.parametrize(
    "line",
    [
        b"0x5",
        b"+5",
        b"-5",
        b"5_0",
        b" 5",
        b"\t5",
        b"",
        b"g",
        b"5;",
        b"5;=x",
        b"5;a=",
        b'5;a="x',
        b"5;a b",
        b"5 a",
        b'5;a="\x01"',
        b"5;a=b=c",
        b'5;a="x"y',
        b'5;a="\\\x00"',
        b"1" + b"0" * 16,  # 17 hex digits
        b"\xd9\xa5",
    ],
)
def test_a_bad_chunk_size_line_is_refused(line):
    refused(TE + line + b"\r\nhello\r\n0\r\n\r\n")


def test_chunk_sizes_take_upper_and_lower_case_hex_and_leading_zeros():
    data = TE + b"A\r\n" + body(10) + b"\r\n00000000000000b\r\n" + body(11) + b"\r\n000\r\n\r\n"
    response, _ = read(data, eof=False)
    assert response.body == body(21)


@pytest.mark.parametrize("after", [b"XY", b"\rX", b"\n\r", b"\r\r\n"])
def test_a_chunk_not_followed_by_crlf_is_refused(after):
    refused(TE + b"5\r\nhello" + after + b"0\r\n\r\n")


def test_a_chunk_size_line_is_at_most_4_kib():
    refused(TE + b"5;a=" + b"b" * 5000 + b"\r\nhello\r\n0\r\n\r\n")
    reader = ResponseReader()
    reader.feed(TE + b"5;a=" + b"b" * 5000)  # no line end yet: refused at once
    with pytest.raises(ProtocolError, match="chunk header is too long"):
        reader.next_response()


def test_chunks_over_the_body_limit_are_refused_before_they_arrive():
    reader = ResponseReader()
    reader.feed(TE + b"3fffff\r\n" + body(10))
    assert reader.next_response() is None
    reader.feed(b"x" * (0x3FFFFF - 10) + b"\r\n2\r\n")  # 4 MiB - 1, then 2 more
    with pytest.raises(ProtocolError, match="body is too large"):
        reader.next_response()


def test_trailers_are_kept_apart_from_the_headers():
    response, _ = read(
        TE + chunked(b"hello", trailer=b"X-Checksum: abc\r\nX-Other:  d \r\n"), eof=False
    )
    assert response.trailers == (("x-checksum", "abc"), ("x-other", "d"))
    assert "x-checksum" not in response.headers and response.body == b"hello"


@pytest.mark.parametrize("trailer", [b"X : a\r\n", b" folded\r\n", b"X: a\x00\r\n", b"nocolon\r\n"])
def test_a_bad_trailer_is_refused(trailer):
    refused(TE + chunked(b"hello", trailer=trailer))


def test_trailers_have_the_header_limits():
    many = b"".join(b"T-%d: v\r\n" % i for i in range(101))
    assert "more than 100 trailer fields" in refused(TE + chunked(b"hello", trailer=many))
    assert "trailer section is too large" in refused(
        TE + chunked(b"hi", trailer=b"T: " + b"a" * 70000 + b"\r\n")
    )


@pytest.mark.parametrize("cut", [len(TE) + n for n in (0, 1, 3, 5, 8, 9, 10, 11, 12, 13)])
def test_a_chunked_body_cut_short_is_refused(cut):
    data = TE + chunked(b"hello", trailer=b"T: v\r\n")
    assert refused(data[:cut]) == "the response ended inside its chunked body"


# ------------------------------------------------------------------------- close-delimited body
def test_a_body_without_framing_runs_to_the_end_of_the_connection():
    reader = ResponseReader()
    reader.feed(OK + b"Content-Type: text/plain\r\n\r\nsome ")
    assert reader.next_response() is None
    reader.feed(b"body")
    assert reader.next_response() is None  # complete only when the peer closes
    reader.feed_eof()
    response = reader.next_response()
    assert response is not None and response.body == b"some body" and not response.keep_alive


def test_an_http_1_0_body_runs_to_the_end_and_the_connection_is_not_kept():
    response, _ = read(b"HTTP/1.0 200 OK\r\n\r\n" + body(7))
    assert response.body == body(7) and not response.keep_alive
    response, _ = read(
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nab", eof=False
    )
    assert response.body == b"ab" and not response.keep_alive


# ------------------------------------------------------------------------------ no body at all
@pytest.mark.parametrize("status", [204, 304])
@pytest.mark.parametrize(
    "fields", [b"Content-Length: 5\r\n", b"Transfer-Encoding: gzip, chunked\r\n"]
)
def test_204_and_304_have_no_body_whatever_the_framing_fields_say(status, fields):
    response, reader = read(b"HTTP/1.1 %d X\r\n%s\r\nhello" % (status, fields), eof=False)
    assert response.status == status and response.body == b""
    assert reader.unconsumed == b"hello"  # not the body: bytes nobody asked for (not reused)


def test_a_head_request_gets_no_body():
    response, reader = read(OK + b"Content-Length: 5\r\n\r\n", "HEAD", eof=False)
    assert response.body == b"" and response.headers["content-length"] == "5"
    assert reader.unconsumed == b""


def test_a_2xx_to_connect_is_a_tunnel_right_after_the_head():
    # RFC 9112 6.3 (2): framing headers are ignored; what follows belongs to the tunnel.
    for fields in (
        b"Content-Length: 5\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Content-Length: x\r\n",
    ):
        response, reader = read(OK + fields + b"\r\nhello", "CONNECT", eof=False)
        assert response.body == b"" and reader.unconsumed == b"hello"
    response, reader = read(
        b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 4\r\n\r\ndeny",
        "CONNECT",
        eof=False,
    )
    assert response.status == 407 and response.body == b"deny" and reader.unconsumed == b""


# ----------------------------------------------------------------------- interim (1xx) responses
def test_interim_responses_are_skipped():
    data = (
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: y\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\nContent-Length: 9\r\n\r\n"
        + OK
        + b"Content-Length: 5\r\n\r\nhello"
    )
    response, reader = read(data, eof=False)
    assert (response.status, response.body, response.interim) == (200, b"hello", (100, 102, 103))
    assert response.headers == {"content-length": "5"} and reader.unconsumed == b""


def test_101_is_refused_since_we_never_ask_to_switch_protocols():
    assert "HTTP 101" in refused(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n" + OK)


def test_at_most_32_interim_responses():
    interim = b"HTTP/1.1 100 Continue\r\n\r\n"
    response, _ = read(interim * 32 + OK + b"Content-Length: 0\r\n\r\n", eof=False)
    assert len(response.interim) == 32
    assert "interim" in refused(interim * 33 + OK + b"Content-Length: 0\r\n\r\n")


def test_the_end_of_the_connection_after_an_interim_response_is_refused():
    assert refused(b"HTTP/1.1 100 Continue\r\n\r\n") == "the connection closed mid-response"


# -------------------------------------------------------------------------------------- keep-alive
@pytest.mark.parametrize(
    "fields, keep",
    [
        (b"", True),
        (b"Connection: keep-alive\r\n", True),
        (b"Connection: close\r\n", False),
        (b"Connection: Keep-Alive, CLOSE\r\n", False),
        (b"Connection: x\r\nConnection: close\r\n", False),
        (b"Connection: closed\r\n", True),
        (b"Connection: not-close\r\n", True),
    ],
)
def test_keep_alive(fields, keep):
    response, _ = read(OK + fields + b"Content-Length: 0\r\n\r\n", eof=False)
    assert response.keep_alive is keep


# ------------------------------------------------------------------------ the end of the connection
@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the connection closed before a response arrived"),
        (b"HTTP/1.1 200 OK\r\nContent-Le", "the connection closed mid-response"),
        (b"HTTP/1.1 200 OK\r\n", "the connection closed mid-response"),
        (
            OK + b"Content-Length: 1000\r\n\r\n0123456789",
            "the response ended after 10 of 1000 bytes",
        ),
    ],
)
def test_the_end_of_the_connection_mid_response(data, message):
    assert refused(data) == message


def test_nothing_is_returned_until_the_response_is_whole_and_never_none_after_eof():
    data = OK + b"Content-Length: 3\r\n\r\nabc"
    for cut in range(len(data)):
        reader = ResponseReader()
        reader.feed(data[:cut])
        assert reader.next_response() is None
        reader.feed_eof()
        with pytest.raises(ProtocolError):
            reader.next_response()


SAMPLES = [
    b"HTTP/1.1 100 Continue\r\n\r\n" + OK + b"Content-Length: 5\r\nX: y\r\n\r\nhello",
    TE + chunked(b"hel", b"lo", ext=b';a="b"', trailer=b"T: v\r\n"),
    b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nhello",
]


@pytest.mark.parametrize("data", SAMPLES, ids=["length", "chunked", "close"])
def test_every_split_point_gives_the_same_response(data):
    whole, _ = read(data)
    for i in range(len(data) + 1):
        for j in range(i, len(data) + 1, 7):
            response, _ = read(data, cuts=(i, j))
            assert (
                response.status,
                response.fields,
                response.body,
                response.trailers,
                response.interim,
            ) == (whole.status, whole.fields, whole.body, whole.trailers, whole.interim)


def test_protocol_error_is_a_connection_error_so_callers_retry():
    assert issubclass(ProtocolError, ConnectionError)
    from ssm_env_wrapper import transport

    assert transport.ProtocolError is ProtocolError and issubclass(
        transport.ProxyError, ProtocolError
    )


# ------------------------------------------------------------------------------- the fuzz test
_TOKEN = st.text("abcXYZ-_.!#0123456789", min_size=1, max_size=8)

_HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "\t",
        "\r",
        "\n",
        "\x00",
        "\x01",
        "\x7f",
        "\xb2",
        "\xe9",
        ":",
        ";",
        '"',
        "\\",
        ",",
        "=",
        "0",
        "9",
        "a",
        "F",
        "g",
        "-",
        "+",
        "_",
        "HTTP/1.1 ",
        "\r\n",
        "\r\n\r\n",
        "chunked",
        "close",
        "Content-Length",
        "²",
        "٢",
    ]
)


@st.composite
def _heads(draw) -> bytes:
    """A head, mostly well-formed, with hostile variants in every part."""
    version = draw(
        st.sampled_from(["HTTP/1.1"] * 6 + ["HTTP/1.0", "HTTP/1.9", "HTTP/2.0", "http/1.1", ""])
    )
    status = draw(
        st.one_of(
            st.sampled_from(["200", "200", "100", "103", "204", "304", "404", "503"]),
            st.integers(0, 999).map(lambda n: f"{n:03d}"),
            st.sampled_from(["101", "2²0", "٢00", "20", "2000", "+20"]),
        )
    )
    reason = draw(st.one_of(st.just("OK"), st.text(max_size=6)))
    lines = [f"{version} {status} {reason}"]
    lines += draw(
        st.lists(
            st.sampled_from(
                [
                    "Transfer-Encoding: chunked",
                    "Content-Length: 5",
                    "Content-Length: 0",
                    "Content-Length: 12",
                    "Connection: close",
                    "Content-Length: 5, 5",
                    "Content-Length: 5, 6",
                    "Content-Length: \xb2",
                    "Content-Length: 1_0",
                    "Transfer-Encoding: gzip",
                    "Transfer-Encoding: chunked, gzip",
                    "Content-Length: 99999999999999999999",
                ]
            ),
            max_size=2,
        )
    )
    for _ in range(draw(st.integers(0, 3))):
        name = draw(
            st.one_of(
                st.sampled_from(
                    [
                        "Content-Length",
                        "Transfer-Encoding",
                        "Connection",
                        "content-length",
                        "Trailer",
                    ]
                ),
                _TOKEN,
                _HOSTILE,
            )
        )
        value = draw(
            st.one_of(
                st.sampled_from(
                    [
                        "5",
                        "0",
                        "12",
                        "chunked",
                        "Chunked",
                        "gzip, chunked",
                        "chunked, chunked",
                        "close",
                        "keep-alive",
                        "5, 5",
                        "5, 6",
                        "²",
                        "-1",
                        "99999999999999999999",
                        " 7 ",
                        "0x5",
                        "",
                    ]
                ),
                st.text(max_size=8),
                _HOSTILE,
            )
        )
        sep = draw(st.sampled_from([": "] * 4 + [":", " : ", ":\t", "", "\r\n "]))
        lines.append(f"{name}{sep}{value}")
    text = "\r\n".join(lines) + draw(st.sampled_from(["\r\n\r\n"] * 4 + ["\n\n", "\r\n", ""]))
    return text.encode(draw(st.sampled_from(["latin-1", "utf-8"])), "replace")


@st.composite
def _bodies(draw) -> bytes:
    kind = draw(st.sampled_from(["raw", "chunked", "chunked"]))
    if kind == "raw":
        return draw(st.binary(max_size=40))
    out = b""
    for _ in range(draw(st.integers(0, 3))):
        data = draw(st.binary(max_size=12))
        size = draw(
            st.one_of(
                st.just(b"%x" % len(data)),
                st.just(b"%X" % len(data)),
                st.sampled_from([b"0x5", b"+5", b"G", b"", b" 5", b"fffffffffffffffff", b"5_"]),
            )
        )
        ext = draw(
            st.sampled_from(
                [b"", b"", b";a", b";a=b", b';a="b"', b';a="b', b";=", b" ;a=b", b";a=\x00", b" "]
            )
        )
        out += (
            size + ext + b"\r\n" + data + draw(st.sampled_from([b"\r\n"] * 4 + [b"", b"\n", b"xx"]))
        )
    return out + draw(
        st.sampled_from(
            [
                b"0\r\n\r\n",
                b"0\r\nT: v\r\n\r\n",
                b"0\r\n",
                b"",
                b"0\r\n \r\n",
                b"0\r\nT : v\r\n\r\n",
            ]
        )
    )


@st.composite
def _mutated(draw, base) -> bytes:
    """``base`` cut short, with a byte changed, or with a hostile piece put in, anywhere."""
    data = draw(base)
    for _ in range(draw(st.integers(0, 2))):
        how = draw(st.sampled_from(["cut", "change", "insert"]))
        i = draw(st.integers(0, len(data)))
        if how == "cut":
            data = data[:i]
        elif how == "change" and i < len(data):
            data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1 :]
        else:
            data = data[:i] + draw(_HOSTILE).encode("utf-8") + data[i:]
    return data


_FUZZ = st.one_of(
    _mutated(
        st.builds(
            lambda parts: b"".join(parts),
            st.lists(st.one_of(_heads(), _bodies()), min_size=1, max_size=3),
        )
    ),
    _mutated(st.builds(lambda head, body: head + body, _heads(), _bodies())),
    _mutated(st.builds(lambda body: TE + body, _bodies())),
    _mutated(st.builds(lambda case: case[0], st.deferred(lambda: _valid()))),
    st.binary(max_size=200),
)


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=_FUZZ,
    method=st.sampled_from(["POST", "HEAD", "CONNECT"]),
    cuts=st.lists(st.integers(0, 400), max_size=4),
    eof=st.booleans(),
)
def test_fuzz_only_protocol_errors_come_out(data, method, cuts, eof):
    reader = ResponseReader(method)
    bounds = [0, *sorted(c for c in cuts if c <= len(data)), len(data)]
    response = None
    try:
        for start, end in zip(bounds, bounds[1:]):
            reader.feed(data[start:end])
            response = reader.next_response()
        if eof:
            reader.feed_eof()
            response = reader.next_response()
            assert response is not None  # never "need more" after the end
    except ProtocolError as exc:
        message = str(exc)
        assert message and "\n" not in message and "\r" not in message
        return
    if response is not None:
        assert 200 <= response.status <= 599 and isinstance(response.body, bytes)
        assert response.version[:2] == "1." and response.version[2:].isdigit()
        assert all(name == name.lower() and name.isascii() for name, _ in response.fields)
        assert len(response.body) <= len(data)
        assert reader.next_response() is response  # stays answered


# ------------------------------------------------------------------------ differential: h11
@pytest.fixture(scope="module")
def h11():
    return pytest.importorskip("h11", reason="h11 is a test-only dependency (pip install h11)")


_NAME = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~",
    min_size=1,
    max_size=12,
).filter(lambda n: n.lower() not in ("content-length", "transfer-encoding", "connection"))

_VALUE_CHARS = "".join(map(chr, range(0x21, 0x7F))) + "\xe9\xff\x80"

_VALUE = st.builds(
    lambda a, b: f"{a} {b}".strip(),
    st.text(_VALUE_CHARS, max_size=10),
    st.text(_VALUE_CHARS, max_size=6),
)

_REASON = st.text(_VALUE_CHARS + " \t", max_size=12)


@st.composite
def _valid(draw) -> tuple[bytes, dict]:
    """A valid response (after 0-2 interim ones) and what it means."""
    version = draw(st.sampled_from(["1.1", "1.0"]))
    out = b""
    interim = (
        draw(st.lists(st.sampled_from([100, 102, 103]), max_size=2)) if version == "1.1" else []
    )
    for code in interim:
        fields = draw(st.lists(st.tuples(_NAME, _VALUE), max_size=2))
        out += (
            f"HTTP/1.1 {code} Info\r\n" + "".join(f"{n}: {v}\r\n" for n, v in fields) + "\r\n"
        ).encode("latin-1")
    status = draw(
        st.sampled_from([200, 201, 204, 206, 299, 304, 400, 403, 404, 429, 500, 503, 599])
    )
    reason = draw(_REASON)
    fields = draw(st.lists(st.tuples(_NAME, _VALUE), max_size=5))
    content = draw(st.binary(max_size=60))
    framing = draw(
        st.sampled_from(["length", "chunked", "close"] if version == "1.1" else ["length", "close"])
    )
    if status in (204, 304):
        content, framing = b"", draw(st.sampled_from(["length", "none"]))
    head = [f"HTTP/{version} {status}" + (f" {reason}" if reason or draw(st.booleans()) else "")]
    head += [
        f"{n}:{draw(st.sampled_from(['', ' ', chr(9)]))}{v}{draw(st.sampled_from(['', ' ']))}"
        for n, v in fields
    ]
    trailers: list = []
    if framing == "length":
        head.append(f"Content-Length: {len(content)}")
        payload = content
    elif framing == "chunked":
        head.append("Transfer-Encoding: chunked")
        payload = b""
        rest = content
        while rest:
            n = draw(st.integers(1, len(rest)))
            ext = draw(st.sampled_from([b"", b";a", b";a=b", b';name="quoted \\" value"']))
            payload += b"%x%s\r\n%s\r\n" % (n, ext, rest[:n])
            rest = rest[n:]
        trailers = draw(st.lists(st.tuples(_NAME, _VALUE), max_size=2))
        payload += (
            b"0\r\n" + "".join(f"{n}: {v}\r\n" for n, v in trailers).encode("latin-1") + b"\r\n"
        )
    else:
        payload = content
    data = out + ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload
    return data, {"status": status, "content": content, "close": framing == "close"}


def _h11_read(h11, pieces: list[bytes], close: bool) -> dict:
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method="GET", target="/", headers=[("Host", "example")]))
    conn.send(h11.EndOfMessage())
    out: dict = {"interim": [], "body": b""}
    pending = list(pieces) + ([b""] if close else [])
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(pending.pop(0))
            continue
        if isinstance(event, h11.InformationalResponse):
            out["interim"].append(event.status_code)
        elif isinstance(event, h11.Response):
            out.update(
                status=event.status_code,
                reason=bytes(event.reason),
                version=event.http_version.decode(),
                fields=list(event.headers),
            )
        elif isinstance(event, h11.Data):
            out["body"] += bytes(event.data)
        elif isinstance(event, h11.EndOfMessage):
            out["trailers"] = list(event.headers)
            return out


@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_valid(), cuts=st.lists(st.integers(0, 2000), max_size=4))
def test_differential_against_h11(h11, case, cuts):
    data, meaning = case
    bounds = [0, *sorted(c for c in cuts if c <= len(data)), len(data)]
    pieces = [data[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]  # h11 reads b"" as EOF
    theirs = _h11_read(h11, pieces, meaning["close"])
    reader = ResponseReader("GET")
    response = None
    for piece in pieces:
        reader.feed(piece)
        response = reader.next_response()
    if meaning["close"]:
        assert response is None
        reader.feed_eof()
        response = reader.next_response()
    assert response is not None
    ours = {
        "interim": list(response.interim),
        "body": response.body,
        "status": response.status,
        "reason": response.reason.encode("latin-1"),
        "version": response.version,
        "fields": [(n.encode(), v.encode("latin-1")) for n, v in response.fields],
        "trailers": [(n.encode(), v.encode("latin-1")) for n, v in response.trailers],
    }
    assert ours == theirs
    assert response.body == meaning["content"] and response.status == meaning["status"]
    assert reader.unconsumed == b""


def test_interim_responses_before_the_answer_are_skipped(env):
    # RFC 9110 15.2: a client skips 1xx answers (read as the answer, one is a protocol error or a hang).
    with FaultySsm([raw(INTERIM + ANSWER)]) as fake:
        outcome, _ = timed_load(
            env,
            AWS_ENDPOINT_URL_SSM=fake.url,
            SSM_ENV_PATHS="/prod/app",
            SSM_ENV_TIMEOUT="3",
            AWS_MAX_ATTEMPTS="1",
        )
        assert not isinstance(outcome, Exception), str(outcome)
        assert outcome.variables == {"DB_PASSWORD": VALUE}
        assert fake.connections == 1


@pytest.mark.parametrize("answer", BROKEN.values(), ids=BROKEN.keys())
def test_a_malformed_answer_is_one_clear_error(env, answer):
    # str.isdigit() takes '²', which int() refuses with ValueError: the error must not be a traceback.
    with FaultySsm([raw(answer, then_close=True)]) as fake:
        outcome, _ = timed_load(
            env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", AWS_MAX_ATTEMPTS="2"
        )
    assert isinstance(outcome, EndpointError), type(outcome).__name__
    message = str(outcome)
    assert message.startswith(f"GetParametersByPath /prod/app failed: cannot reach {fake.url} (")
    assert message.endswith("(after 2 attempts; AWS_MAX_ATTEMPTS=2)")
