"""The API's request parsers: DRF's, plus what DRF lets through and nothing downstream can hold.

JSON that Python parses but PostgreSQL cannot store (\\u0000, lone surrogates), numbers that
are not numbers (1e999 parses as inf) and deep nesting (2,000 levels exhaust the stack) are a
400 with a message on the field they came in. Form bodies lose their NUL characters like every
query and page form parameter (tenancy.middleware.without_nul).

Kept apart from tenancy/api.py: DRF imports its parser classes while `rest_framework.views` is
still loading, so this module must not import viewsets.
"""

import json
import math
import re

from django.conf import settings
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant as json_strict_constant

MAX_JSON_DEPTH = 32
TOO_DEEP = f"The value is nested too deeply (at most {MAX_JSON_DEPTH} levels)."


def json_problems(data) -> dict[str, list[str]]:
    """{field: [message]} for every top-level field whose value cannot be stored as sent."""
    problems: dict[str, list[str]] = {}

    def field_of(path: tuple) -> str:
        names = [str(part) for part in path if isinstance(part, str)]
        return names[0] if names else "non_field_errors"

    stack = [(data, 0, ())]
    while stack:
        value, depth, path = stack.pop()
        message = None
        if depth > MAX_JSON_DEPTH:
            message = TOO_DEEP
        elif isinstance(value, str):
            message = _text_problem(value)
        elif isinstance(value, float) and not math.isfinite(value):
            message = "The number is too large."
        elif isinstance(value, dict):
            for key, item in value.items():
                key_problem = _text_problem(key)
                if key_problem:
                    problems.setdefault(field_of((*path, "")), []).append(key_problem)
                    continue
                stack.append((item, depth + 1, (*path, key)))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, (*path, index)) for index, item in enumerate(value))
        if message:
            messages = problems.setdefault(field_of(path), [])
            if message not in messages:
                messages.append(message)
    return problems


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "Text may not contain the NUL character (\\u0000)."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Text contains an invalid character (an unpaired surrogate such as \\ud800)."
    return None


class SafeJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - the body is not {encoding} text.") from exc
        try:
            data = json.loads(text, parse_constant=json_strict_constant if self.strict else None)
        except RecursionError as exc:
            raise serializers.ValidationError({_too_deep_field(text): [TOO_DEEP]}) from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        problems = json_problems(data)
        if problems:
            raise serializers.ValidationError(problems)
        return data


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:]')


def _too_deep_field(text: str) -> str:
    """The top-level field in which the nesting goes past the limit (Python's parser gave up
    before we could see the data, so find it in the text)."""
    depth, last_string, field = 0, None, "non_field_errors"
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return field
        elif token in "]}":
            depth -= 1
            if depth <= 1:
                field = "non_field_errors" if depth < 1 else field
        elif token == ":":
            if depth == 1 and last_string is not None:
                try:
                    field = json.loads(last_string)
                except ValueError:
                    field = "non_field_errors"
        else:
            last_string = token
    return field


class SafeFormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        from tenancy.middleware import without_nul  # not at import: middleware → DRF → here

        return without_nul(super().parse(stream, media_type, parser_context))


class SafeMultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        from tenancy.middleware import without_nul  # not at import: middleware → DRF → here

        return parsers.DataAndFiles(without_nul(result.data), result.files)
