"""The registry: every tool in code has its words in tools/ and vice versa; bad files are refused by name."""

from __future__ import annotations

import inspect
import shutil
from pathlib import Path

import pytest
from pydantic_core import PydanticUndefined

from account_intel.content import ContentError, content_root
from account_intel.tools import registry
from account_intel.tools.registry import (
    ToolRegistryError,
    all_tools,
    check_parity,
    code_tools,
    side_effect_of,
    tools_named,
)
from account_intel.tools.specs import POLICY_FILE, SideEffect, load_specs


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the tools/ folder under a temporary content root."""
    shutil.copytree(content_root() / "tools", tmp_path / "tools")
    return tmp_path


def test_every_tool_in_code_has_a_description_and_vice_versa() -> None:
    specs = check_parity()
    assert set(specs) == set(code_tools())
    assert all(spec.description.strip() for spec in specs.values())


def test_side_effects_are_valid_and_only_drafting_is_outbound() -> None:
    specs = load_specs()
    assert {spec.side_effect for spec in specs.values()} <= set(SideEffect)
    outbound = [name for name, spec in specs.items() if spec.side_effect == SideEffect.OUTBOUND]
    assert outbound == ["draft_outbound_message"]
    assert [name for name, spec in specs.items() if spec.side_effect == SideEffect.WRITE] == []


def test_no_tool_can_send() -> None:
    names = set(code_tools())
    assert not [n for n in names if "send" in n or "approve" in n]
    for module in registry.MODULES:
        source = inspect.getsource(module)
        assert "mark_sent" not in source and "deliver" not in source, module.__name__


def test_built_tools_read_their_words_from_yaml() -> None:
    specs = load_specs()
    for built in all_tools():
        spec = specs[built.name]
        assert built.description == spec.description
        assert built.metadata == {"side_effect": spec.side_effect.value}
        assert built.handle_tool_error is True
        schema = built.tool_call_schema.model_json_schema()
        assert "runtime" not in schema.get("properties", {})
        for arg, text in spec.args.items():
            assert schema["properties"][arg]["description"] == text.strip(), (built.name, arg)


def test_function_defaults_match_the_input_models() -> None:
    # StructuredTool passes only the arguments the model gave: the function's defaults must be the schema's
    for name, code in code_tools().items():
        params = inspect.signature(code.tool.func).parameters  # type: ignore[arg-type]
        for field, info in code.tool.args_schema.model_fields.items():  # type: ignore[union-attr]
            default = params[field].default
            if info.default is PydanticUndefined and info.default_factory is None:
                assert default is inspect.Parameter.empty, (name, field)
            elif info.default_factory is not None:
                assert default is None, (name, field)
            else:
                assert default == info.default, (name, field)


def test_tools_named_keeps_order_and_refuses_unknown_names() -> None:
    assert [t.name for t in tools_named(["get_signals", "get_account_profile"])] == [
        "get_signals",
        "get_account_profile",
    ]
    with pytest.raises(ToolRegistryError, match=r"Unknown tools \['send_email'\]; known tools: .*get_signals"):
        tools_named(["send_email"])
    assert side_effect_of("draft_outbound_message") == SideEffect.OUTBOUND


def test_a_tool_without_yaml_is_refused(content: Path) -> None:
    (content / "tools" / "get_signals.yaml").unlink()
    with pytest.raises(ToolRegistryError, match=r"tools in code without a description file: get_signals\.yaml"):
        check_parity(content)


def test_a_yaml_without_tool_is_refused(content: Path) -> None:
    (content / "tools" / "send_email.yaml").write_text(
        "name: send_email\nside_effect: outbound\ndescription: Sends.\n", encoding="utf-8"
    )
    with pytest.raises(ToolRegistryError, match=r"description files without a tool in code: send_email\.yaml"):
        all_tools(content)


def test_a_side_effect_that_differs_from_code_is_refused(content: Path) -> None:
    path = content / "tools" / "draft_outbound_message.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("side_effect: outbound", "side_effect: read"))
    with pytest.raises(ToolRegistryError, match=r"draft_outbound_message\.yaml says side_effect read"):
        check_parity(content)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: get_signals\nside_effect: read\ndescription: x\nmodel: gpt\n", "unknown key 'model'"),
        ("name: get_signals\nside_effect: send\ndescription: x\n", "'send' is not one of read, write, outbound"),
        ("name: get_signals\nside_effect: read\n", "tool 'get_signals' has no description"),
        ("name: get_signals\nside_effect: read\ndescription: '  '\n", "tool 'get_signals' has no description"),
        ("name: signals\nside_effect: read\ndescription: x\n", "differs from the file name 'get_signals'"),
        ("- a list\n", "a tool file is a mapping"),
    ],
)
def test_bad_tool_files_are_refused_naming_the_file(content: Path, text: str, message: str) -> None:
    (content / "tools" / "get_signals.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=r"get_signals\.yaml") as info:
        load_specs(content)
    assert message in str(info.value)


def test_args_must_name_input_fields(content: Path) -> None:
    path = content / "tools" / "get_signals.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  since: not an input\n", encoding="utf-8")
    with pytest.raises(ToolRegistryError, match=r"get_signals.yaml: args \['since'\] are not inputs of get_signals"):
        all_tools(content)


def test_the_policy_file_is_not_a_tool(content: Path) -> None:
    assert (content / "tools" / POLICY_FILE).is_file()
    assert POLICY_FILE.removesuffix(".yaml") not in load_specs(content)
