"""The API schema tells the truth about errors: a drf-spectacular postprocessing hook documents
the error answers every operation can give, with their bodies (found by the schemathesis fuzz run,
tests/fuzz, which checks every status code it receives against the schema).

- 400 on every write and wherever the caller sends query parameters: `{"detail": "…", "errors": {…}}`
  from a service (personnel.errors.ApplicationError) or DRF's `{"field": ["…"]}`, in Chinese;
- 401 without credentials or with an invalid, expired or revoked key; 403 when the role may not;
- 404 for a path id outside the caller's scope (or absent), or a page past the last;
- 412 for a write with a stale If-Match; 429 when a client exceeds its rate.
"""

from __future__ import annotations

ERROR = "Error"
VALIDATION_ERROR = "ValidationError"

COMPONENTS = {
    ERROR: {
        "type": "object",
        "description": "错误说明（中文）。",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    VALIDATION_ERROR: {
        "type": "object",
        "description": "输入有误：`detail` 为总体说明，`errors` 或各字段名下为逐项中文说明。",
        "properties": {"detail": {"type": "string"}, "errors": {"type": "object", "additionalProperties": {}}},
        "additionalProperties": {},
    },
}

DESCRIPTIONS = {
    "400": "输入有误，未写入任何数据。",
    "401": "未登录，或接口密钥无效、已过期、已吊销。",
    "403": "当前角色无权执行此操作。",
    "404": "对象不存在或不在当前角色的范围内。",
    "412": "数据已被他人修改（If-Match 不符），未写入。",
    "429": "请求过于频繁，请稍后重试（见 Retry-After）。",
}

METHODS = ("get", "put", "post", "patch", "delete")


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_codes(path: str, method: str, operation: dict) -> list[str]:
    parameters = operation.get("parameters", [])
    codes = ["401", "403", "429"]
    if "{" in path or any(p.get("in") == "query" and p.get("name") == "page" for p in parameters):
        codes.append("404")  # an id out of scope, or a page past the last
    if method != "get" or "requestBody" in operation or any(p.get("in") == "query" for p in parameters):
        codes.append("400")  # a write a service refuses (ApplicationError), or input that does not parse
    if any(p.get("in") == "header" and p.get("name", "").lower() == "if-match" for p in parameters):
        codes.append("412")
    return codes


def document_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: add the error answers an operation does not document yet."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in COMPONENTS.items():
        schemas.setdefault(name, schema)
    for path, item in result.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                if code[0] == "4" and not response.get("content"):  # annotated without a body (`404: None`)
                    response["content"] = {"application/json": {"schema": _ref(ERROR)}}
            for code in _error_codes(path, method, operation):
                if code in responses:
                    if code == "400":
                        _or_validation_error(responses[code])
                    continue
                body = _ref(VALIDATION_ERROR if code == "400" else ERROR)
                responses[code] = {
                    "description": DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": body}},
                }
    return result


def _or_validation_error(response: dict) -> None:
    """A 400 documented with the operation's own body (a batch's per-row result) may also be a
    plain validation error (an empty or malformed batch): the schema says either."""
    for media in response.get("content", {}).values():
        schema = media.get("schema")
        if schema and schema != _ref(VALIDATION_ERROR) and "anyOf" not in schema:
            media["schema"] = {"anyOf": [schema, _ref(VALIDATION_ERROR)]}
