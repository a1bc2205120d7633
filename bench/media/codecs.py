"""Every decode and encode aiortc does in this process, counted: proof of what the server runs.

aiortc makes its codecs through `get_decoder` (in the receiver's decoder thread) and `get_encoder`
(in the sender, on its first frame); the counter wraps both factories and each codec they return.
`encode` turns a decoded picture or sound into a bitstream; `pack` only splits already encoded
data into RTP payloads (the pass-through path), and is counted apart.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiortc.rtcrtpreceiver
import aiortc.rtcrtpsender


@dataclass
class CodecCalls:
    decoders: int = 0
    encoders: int = 0
    decode: int = 0
    encode: int = 0
    pack: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str) -> None:
        # Decoders run in the receivers' threads and encoders in the loop's executor.
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {
                "decoders": self.decoders,
                "encoders": self.encoders,
                "decode": self.decode,
                "encode": self.encode,
                "pack": self.pack,
            }


def _counted(calls: CodecCalls, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.add(name)
        return method(*args, **kwargs)

    return wrapper


def count_codec_calls() -> CodecCalls:
    """From now on, count the codecs this process creates and every call into them."""
    calls = CodecCalls()
    get_decoder = getattr(aiortc.rtcrtpreceiver, "get_decoder")  # noqa: B009 (not re-exported)
    get_encoder = getattr(aiortc.rtcrtpsender, "get_encoder")  # noqa: B009

    def counted_decoder(codec: Any) -> Any:
        decoder = get_decoder(codec)
        calls.add("decoders")
        setattr(decoder, "decode", _counted(calls, "decode", decoder.decode))  # noqa: B010
        return decoder

    def counted_encoder(codec: Any) -> Any:
        encoder = get_encoder(codec)
        calls.add("encoders")
        setattr(encoder, "encode", _counted(calls, "encode", encoder.encode))  # noqa: B010
        setattr(encoder, "pack", _counted(calls, "pack", encoder.pack))  # noqa: B010
        return encoder

    setattr(aiortc.rtcrtpreceiver, "get_decoder", counted_decoder)  # noqa: B010
    setattr(aiortc.rtcrtpsender, "get_encoder", counted_encoder)  # noqa: B010
    return calls
