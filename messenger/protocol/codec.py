"""Sans-I/O frame encoding and decoding.

Pure functions over bytes/str: no sockets, no asyncio. Decoding either returns
a typed frame or raises ``ProtocolError`` with a stable code; nothing else
escapes, whatever the input (a property-based test holds us to that).
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.events import AnyServerFrame, Error, Result, ServerFrame
from messenger.protocol.limits import MAX_REQUEST_ID_CHARS
from messenger.protocol.requests import REQUEST_TYPES, AnyRequest, Request
from messenger.protocol.results import RESULT_TYPES

_encoder = msgspec.json.Encoder()
_request_decoder: msgspec.json.Decoder[AnyRequest] = msgspec.json.Decoder(AnyRequest)
_server_decoder: msgspec.json.Decoder[AnyServerFrame] = msgspec.json.Decoder(AnyServerFrame)
_loose_decoder = msgspec.json.Decoder()

T = TypeVar("T")


class _Envelope(msgspec.Struct):
    """Just enough of a frame to answer it when it fails full validation."""

    id: Any = None
    type: Any = None


_envelope_decoder = msgspec.json.Decoder(_Envelope)


def encode(frame: msgspec.Struct) -> bytes:
    return _encoder.encode(frame)


def encode_result(request_id: str, result: msgspec.Struct) -> bytes:
    # Encoded in one pass as a Raw payload: the result is already a typed Struct.
    return _encoder.encode(Result(id=request_id, result=msgspec.Raw(_encoder.encode(result))))


def encode_error(err: ProtocolError) -> bytes:
    return _encoder.encode(
        Error(
            id=err.request_id,
            code=err.code.value,
            message=err.message,
            retry_after=err.retry_after,
        )
    )


def _salvage_id(data: bytes | str) -> tuple[str | None, Any]:
    """Best effort: the request id and type of a frame that failed validation."""
    try:
        env = _envelope_decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeError, RecursionError):
        return None, None
    rid = env.id if isinstance(env.id, str) and 0 < len(env.id) <= MAX_REQUEST_ID_CHARS else None
    return rid, env.type


def decode_request(data: bytes | str) -> AnyRequest:
    """Decode one client frame into a typed request, or raise ``ProtocolError``."""
    try:
        return _request_decoder.decode(data)
    except msgspec.ValidationError as exc:
        rid, kind = _salvage_id(data)
        if isinstance(kind, str) and kind not in REQUEST_TYPES:
            raise ProtocolError(
                ErrorCode.UNKNOWN_TYPE, f"unknown request type {kind[:40]!r}", request_id=rid
            ) from None
        raise ProtocolError(ErrorCode.BAD_REQUEST, str(exc), request_id=rid) from None
    except msgspec.DecodeError as exc:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"malformed JSON: {exc}") from None
    except (UnicodeError, RecursionError) as exc:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"malformed frame: {exc}") from None


def decode_server_frame(data: bytes | str) -> ServerFrame:
    """Decode one server frame (client side); unknown event types raise ``ProtocolError``."""
    try:
        return _server_decoder.decode(data)
    except (
        msgspec.ValidationError,
        msgspec.DecodeError,
        UnicodeError,
        RecursionError,
    ) as exc:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"bad server frame: {exc}") from None


def decode_result(request: Request, result: Result) -> msgspec.Struct:
    """Decode a result's payload into the Struct that answers ``request``."""
    result_type = RESULT_TYPES[type(request)]
    try:
        return msgspec.json.decode(result.result, type=result_type)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError) as exc:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"bad result payload: {exc}") from None


def decode_any(data: bytes | str) -> Any:
    """Untyped JSON decode, for tools that print frames as they come."""
    return _loose_decoder.decode(data)
