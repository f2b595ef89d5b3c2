"""The fake refuses what the real Messages API refuses, with its error shape, through the SDK.

Each test sends one request with the real ``anthropic`` SDK to the fake server on 127.0.0.1 and
checks one rule of ``clauselens.testing.fake_api._strict`` (where each rule cites its page).
Model limits are read from ``data/models.json`` (``model_facts``), never written here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest

from clauselens import prompts
from clauselens.models import model_facts
from clauselens.testing.fake_api import FAKE_HEADER, FakeApi
from clauselens.testing.fake_api._strict import (
    MAX_MESSAGES_BYTES,
    MAX_OPTIONAL_PARAMETERS,
    MAX_UNION_PARAMETERS,
)

SONNET = "claude-sonnet-5-5"
OPUS = "claude-opus-5-5"
HAIKU_45 = "claude-haiku-4-5"


@pytest.fixture
def client(fake_api: FakeApi) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=fake_api.base_url, api_key="sk-ant-fake", max_retries=0) as c:
        yield c


def _params(**changes: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "model": SONNET,
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "<clause_text>\nWe may end it.\n</clause_text>"}],
    }
    params.update(changes)
    return params


def _schema(**extra: Any) -> dict[str, Any]:
    """An output_config whose one string property carries ``extra``."""
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string", **extra}},
        "required": ["a"],
        "additionalProperties": False,
    }
    return {"format": {"type": "json_schema", "schema": schema}}


def _sampling(**fields: Any) -> dict[str, Any]:
    """Sampling parameters as an extra body: the SDK 2.x ``create()`` no longer takes them
    (the API still receives and refuses them)."""
    return {"extra_body": fields}


def _refused(client: anthropic.Anthropic, **params: Any) -> anthropic.APIStatusError:
    with pytest.raises(anthropic.APIStatusError) as caught:
        client.messages.create(**params)
    return caught.value


def _bad_request(client: anthropic.Anthropic, **params: Any) -> str:
    """The request is a 400 invalid_request_error; its message."""
    err = _refused(client, **params)
    assert isinstance(err, anthropic.BadRequestError)
    assert isinstance(err.body, dict)
    assert err.body["error"]["type"] == "invalid_request_error"
    return str(err.body["error"]["message"])


def _accepted(client: anthropic.Anthropic, **params: Any) -> None:
    message = client.messages.create(**params)
    assert message.type == "message"


class TestErrorShape:
    def test_error_body_has_type_error_and_request_id(self, client: anthropic.Anthropic) -> None:
        """{"type": "error", "error": {"type", "message"}, "request_id"}, id as in the header."""
        err = _refused(client, **_params(**_sampling(temperature=0.2)))
        assert err.status_code == 400
        assert isinstance(err.body, dict)
        assert set(err.body) == {"type", "error", "request_id"}
        assert err.body["type"] == "error"
        assert set(err.body["error"]) == {"type", "message"}
        assert err.body["request_id"] == err.response.headers["request-id"] == err.request_id

    def test_error_response_identifies_the_fake(self, client: anthropic.Anthropic) -> None:
        err = _refused(client, **_params(**_sampling(temperature=0.2)))
        assert err.response.headers[FAKE_HEADER[0]] == FAKE_HEADER[1]

    def test_answer_identifies_the_fake(self, client: anthropic.Anthropic) -> None:
        raw = client.messages.with_raw_response.create(**_params())
        assert raw.headers[FAKE_HEADER[0]] == FAKE_HEADER[1]

    def test_missing_anthropic_version_is_400(self, client: anthropic.Anthropic) -> None:
        message = _bad_request(
            client, **_params(), extra_headers={"anthropic-version": anthropic.Omit()}
        )
        assert "anthropic-version" in message

    def test_unknown_model_is_404_not_found(self, client: anthropic.Anthropic) -> None:
        err = _refused(client, **_params(model="claude-nonesuch-9"))
        assert isinstance(err, anthropic.NotFoundError)
        assert isinstance(err.body, dict)
        assert err.body["error"]["type"] == "not_found_error"

    def test_body_over_32_mb_is_413_request_too_large(self, client: anthropic.Anthropic) -> None:
        """Errors page, "Request size limits": Messages API 32 MB."""
        big = "x" * (MAX_MESSAGES_BYTES + 1)
        err = _refused(client, **_params(messages=[{"role": "user", "content": big}]), timeout=60)
        assert err.status_code == 413
        assert isinstance(err.body, dict)
        assert err.body["error"]["type"] == "request_too_large"

    def test_missing_key_is_401(self, client: anthropic.Anthropic) -> None:
        err = _refused(client, **_params(), extra_headers={"authorization": anthropic.Omit()})
        assert isinstance(err, anthropic.AuthenticationError)


class TestSamplingParameters:
    @pytest.mark.parametrize(
        "field", [{"temperature": 0.2}, {"top_p": 0.9}, {"top_k": 5}], ids=lambda f: next(iter(f))
    )
    def test_refused_where_the_facts_refuse_them(
        self, client: anthropic.Anthropic, field: dict[str, Any]
    ) -> None:
        assert model_facts(SONNET).refuses.sampling_params is True
        assert next(iter(field)) in _bad_request(client, **_params(**_sampling(**field)))

    def test_accepted_where_the_facts_allow_them(self, client: anthropic.Anthropic) -> None:
        assert model_facts(HAIKU_45).refuses.sampling_params is False
        _accepted(client, **_params(model=HAIKU_45, **_sampling(temperature=0.2)))


class TestThinkingModes:
    @pytest.mark.parametrize("model", [SONNET, OPUS])
    def test_disabled_thinking_is_refused(self, client: anthropic.Anthropic, model: str) -> None:
        assert model_facts(model).refuses.thinking_disabled == "always"
        message = _bad_request(client, **_params(model=model, thinking={"type": "disabled"}))
        assert "disabled" in message

    @pytest.mark.parametrize("model", [SONNET, OPUS])
    def test_budget_thinking_is_refused(self, client: anthropic.Anthropic, model: str) -> None:
        thinking = {"type": "enabled", "budget_tokens": 2048}
        message = _bad_request(client, **_params(model=model, max_tokens=4096, thinking=thinking))
        assert "budget_tokens" in message

    def test_budget_thinking_is_accepted_on_an_extended_thinking_model(
        self, client: anthropic.Anthropic
    ) -> None:
        thinking = {"type": "enabled", "budget_tokens": 2048}
        _accepted(client, **_params(model=HAIKU_45, max_tokens=4096, thinking=thinking))

    def test_budget_not_below_max_tokens_is_refused(self, client: anthropic.Anthropic) -> None:
        thinking = {"type": "enabled", "budget_tokens": 4096}
        message = _bad_request(
            client, **_params(model=HAIKU_45, max_tokens=4096, thinking=thinking)
        )
        assert "budget_tokens" in message

    def test_adaptive_thinking_is_refused_on_an_extended_thinking_model(
        self, client: anthropic.Anthropic
    ) -> None:
        message = _bad_request(client, **_params(model=HAIKU_45, thinking={"type": "adaptive"}))
        assert "adaptive" in message

    def test_adaptive_thinking_is_accepted_on_sonnet(self, client: anthropic.Anthropic) -> None:
        _accepted(client, **_params(thinking={"type": "adaptive", "display": "summarized"}))


class TestEffort:
    def test_a_level_the_model_does_not_list_is_refused(self, client: anthropic.Anthropic) -> None:
        efforts = model_facts(SONNET).efforts or []
        assert "xhigh" not in efforts
        message = _bad_request(client, **_params(output_config={"effort": "xhigh"}))
        assert "effort" in message

    def test_effort_on_a_model_without_effort_is_refused(self, client: anthropic.Anthropic) -> None:
        assert model_facts(HAIKU_45).efforts == []
        _bad_request(client, **_params(model=HAIKU_45, output_config={"effort": "low"}))

    def test_a_listed_level_is_accepted(self, client: anthropic.Anthropic) -> None:
        _accepted(client, **_params(output_config={"effort": "medium"}))


class TestMaxTokens:
    def test_above_the_model_maximum_is_refused(self, client: anthropic.Anthropic) -> None:
        maximum = model_facts(SONNET).max_output_tokens
        message = _bad_request(client, **_params(max_tokens=maximum + 1), timeout=60)
        assert str(maximum) in message

    def test_the_model_maximum_is_accepted(self, client: anthropic.Anthropic) -> None:
        maximum = model_facts(SONNET).max_output_tokens
        _accepted(client, **_params(max_tokens=maximum), timeout=60)


class TestMessages:
    @pytest.mark.parametrize(
        "content", ["", [], [{"type": "text", "text": ""}]], ids=["string", "list", "text-block"]
    )
    def test_empty_user_content_is_refused(self, client: anthropic.Anthropic, content: Any) -> None:
        message = _bad_request(client, **_params(messages=[{"role": "user", "content": content}]))
        assert "non-empty" in message

    def test_empty_assistant_turn_before_the_last_is_refused(
        self, client: anthropic.Anthropic
    ) -> None:
        messages = [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": ""},
            {"role": "user", "content": "b"},
        ]
        assert "non-empty" in _bad_request(client, **_params(messages=messages))

    def test_prefill_is_refused_where_the_facts_refuse_it(
        self, client: anthropic.Anthropic
    ) -> None:
        assert model_facts(SONNET).refuses.assistant_prefill is True
        messages = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "{"}]
        assert "prefill" in _bad_request(client, **_params(messages=messages))

    def test_prefill_is_accepted_where_the_facts_allow_it(
        self, client: anthropic.Anthropic
    ) -> None:
        assert model_facts(HAIKU_45).refuses.assistant_prefill is False
        messages = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "{"}]
        _accepted(client, **_params(model=HAIKU_45, messages=messages))


UNSUPPORTED_KEYWORDS = {
    "minLength": {"minLength": 1},
    "maxLength": {"maxLength": 9},
    "minimum": {"minimum": 0},
    "maximum": {"maximum": 9},
    "multipleOf": {"multipleOf": 2},
    "maxItems": {"maxItems": 3},
    "uniqueItems": {"uniqueItems": True},
    "oneOf": {"oneOf": [{"type": "string"}]},
    "not": {"not": {"type": "null"}},
    "format uri-reference": {"format": "uri-reference"},
    "enum of objects": {"enum": [{"a": 1}]},
}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    return {"format": {"type": "json_schema", "schema": schema}}


class TestOutputSchema:
    @pytest.mark.parametrize(
        "extra", UNSUPPORTED_KEYWORDS.values(), ids=UNSUPPORTED_KEYWORDS.keys()
    )
    def test_keyword_outside_the_supported_subset_is_refused(
        self, client: anthropic.Anthropic, extra: dict[str, Any]
    ) -> None:
        _bad_request(client, **_params(output_config=_schema(**extra)))

    def test_min_items_above_one_is_refused(self, client: anthropic.Anthropic) -> None:
        array = {"type": "array", "items": {"type": "string"}, "minItems": 2}
        _bad_request(client, **_params(output_config=_object({"l": array}, ["l"])))

    @pytest.mark.parametrize("value", [None, True], ids=["missing", "true"])
    def test_open_object_is_refused(self, client: anthropic.Anthropic, value: Any) -> None:
        schema: dict[str, Any] = {"type": "object", "properties": {"a": {"type": "string"}}}
        if value is not None:
            schema["additionalProperties"] = value
        config = {"format": {"type": "json_schema", "schema": schema}}
        assert "additionalProperties" in _bad_request(client, **_params(output_config=config))

    def test_recursive_schema_is_refused(self, client: anthropic.Anthropic) -> None:
        node = {
            "type": "object",
            "properties": {"child": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}},
            "required": ["child"],
            "additionalProperties": False,
        }
        schema = {**_object({"root": {"$ref": "#/$defs/Node"}}, ["root"])["format"]["schema"]}
        schema["$defs"] = {"Node": node}
        config = {"format": {"type": "json_schema", "schema": schema}}
        assert "recursive" in _bad_request(client, **_params(output_config=config))

    def test_unsupported_keyword_in_an_unused_definition_is_refused(
        self, client: anthropic.Anthropic
    ) -> None:
        config = _object({"a": {"type": "string"}}, ["a"])
        config["format"]["schema"]["$defs"] = {"Unused": {"type": "string", "maxLength": 3}}
        assert "maxLength" in _bad_request(client, **_params(output_config=config))

    def test_external_ref_is_refused(self, client: anthropic.Anthropic) -> None:
        config = _object({"a": {"$ref": "https://example.com/a.json"}}, ["a"])
        assert "external" in _bad_request(client, **_params(output_config=config))

    def test_too_many_optional_parameters_is_refused(self, client: anthropic.Anthropic) -> None:
        props = {f"p{i}": {"type": "string"} for i in range(MAX_OPTIONAL_PARAMETERS + 1)}
        config = _object(props, [])
        assert "optional" in _bad_request(client, **_params(output_config=config))

    def test_optional_parameters_at_the_limit_are_accepted(
        self, client: anthropic.Anthropic
    ) -> None:
        props = {f"p{i}": {"type": "string"} for i in range(MAX_OPTIONAL_PARAMETERS)}
        _accepted(client, **_params(output_config=_object(props, [])))

    def test_too_many_union_parameters_is_refused(self, client: anthropic.Anthropic) -> None:
        props = {f"p{i}": {"type": ["string", "null"]} for i in range(MAX_UNION_PARAMETERS + 1)}
        config = _object(props, list(props))
        assert "union" in _bad_request(client, **_params(output_config=config))

    def test_union_parameters_at_the_limit_are_accepted(self, client: anthropic.Anthropic) -> None:
        props = {f"p{i}": {"anyOf": [{"type": "string"}, {"type": "null"}]} for i in range(16)}
        assert len(props) == MAX_UNION_PARAMETERS
        _accepted(client, **_params(output_config=_object(props, list(props))))

    @pytest.mark.parametrize("kind", ["clause", "change"])
    def test_clauselens_schemas_are_accepted(self, client: anthropic.Anthropic, kind: str) -> None:
        schema = prompts.output_schema(kind)
        _accepted(
            client, **_params(output_config={"format": {"type": "json_schema", "schema": schema}})
        )
