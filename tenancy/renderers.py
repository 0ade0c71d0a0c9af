"""The API's JSON renderer: orjson instead of the standard library's encoder.

The output parses to exactly what DRF's `JSONRenderer` gives (tests/tenancy/test_renderer.py
compares both over the demo data): datetimes, decimals, lazy strings and the rest go through
DRF's own encoder (`default`), so their text is DRF's; only the walk over dicts, lists, strings
and numbers is orjson's, which is what a 1,000-row page spends its time on. A request for
indented output (`Accept: application/json; indent=4`) is rendered by DRF itself.
"""

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_ENCODER = JSONEncoder()
_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def _default(value):
    return _ENCODER.default(value)


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        renderer_context = renderer_context or {}
        if self.get_indent(accepted_media_type, renderer_context):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            return orjson.dumps(data, default=_default, option=_OPTIONS)
        except (TypeError, orjson.JSONEncodeError):
            # What orjson refuses (an integer beyond 64 bits, say) DRF's encoder still writes.
            return super().render(data, accepted_media_type, renderer_context)
