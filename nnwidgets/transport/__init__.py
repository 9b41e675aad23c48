"""Arrays to and from the binary wire format ``{dtype, shape, buffer}``.

One format in one place: ipywidgets sends any ``memoryview`` inside a synced
trait as a binary comm buffer, and the JS twin (``js/src/lib/codec.ts``)
decodes it into a typed array. Never JSON lists of floats.
"""

from .arrays import WIRE_DTYPES, pack, unpack

__all__ = ["WIRE_DTYPES", "pack", "unpack"]
