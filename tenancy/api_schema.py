"""The OpenAPI schema as the API really answers (drf-spectacular's AutoSchema, adjusted once
for every module):

- every operation documents the project's one error body for the statuses any operation can
  give: 400 (bad input), 401 (no or bad key), 403 (role), 404 (unknown id or organization), and
  for writes 409 (state conflict, stale `If-Match`), 413 (body too large), 415;
- writes document the optional `If-Match` header (the `ETag` of the last read, docs/api.md);
- a URL field that may be left empty is documented as "a URI or an empty string";
- a viewset whose `list` answers one summary object (an inbox, a portfolio) says so with
  `list_is_one_object = True`, and is documented as that object, not as an array.

(Text fields without their own max_length are limited by `TenantModel.clean_fields`; the limit
is left out of the schema on purpose: fuzzers would send 50,000-character bodies by the
thousand.)
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

ERROR_STATUSES = {
    "400": "Invalid input: a message per field in `error.fields`.",
    "401": "No API key, or an unknown or revoked one.",
    "403": "Your role does not allow this.",
    "404": "No such object (or organization) for you.",
}
WRITE_ERROR_STATUSES = {
    "409": "The object's state does not allow this, or it changed since you read it (`If-Match`).",
    "413": "The request body is too large.",
    "415": "Unsupported content type.",
}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


class TenantAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        statuses = dict(ERROR_STATUSES)
        if self.method in WRITE_METHODS:
            statuses.update(WRITE_ERROR_STATUSES)
        for code, description in statuses.items():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code)
                response["description"] = description
                responses[code] = response
        return responses

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method in ("PUT", "PATCH", "DELETE") and "{" in self.path:
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description="The `ETag` of your last read: the write is refused (409) "
                    "if the object changed since.",
                )
            )
        return parameters

    def _is_list_view(self, serializer=None):
        if getattr(self.view, "list_is_one_object", False) and self.view.action == "list":
            return False
        return super()._is_list_view(serializer)

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        # A blank URL or e-mail is stored as "", which is no uri/email: say so in the schema.
        blank_allowed = getattr(field, "allow_blank", False)
        if isinstance(field, serializers.URLField) and blank_allowed:
            schema.pop("format", None)
            schema["anyOf"] = [{"format": "uri"}, {"maxLength": 0}]
        elif isinstance(field, serializers.EmailField) and blank_allowed:
            schema.pop("format", None)
            schema["anyOf"] = [{"format": "email"}, {"maxLength": 0}]
