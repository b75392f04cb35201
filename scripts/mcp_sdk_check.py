#!/usr/bin/env python3
"""Drives `mnem mcp` with the official MCP Python SDK (`pip install mcp`) at one protocol version.

Usage: python3 scripts/mcp_sdk_check.py --mnem PATH --version 2026-07-28|auto|2025-11-25|2025-06-18|2025-03-26

The pool is the one the environment names (MNEM_POOL). The SDK does the protocol checks: it
validates every result against the schema of the negotiated version (at 2026-07-28: resultType,
ttlMs/cacheScope on cacheable results, the discover result) and every successful tool result's
structuredContent against the tool's outputSchema. This script adds the checks on mnem's side
and prints one JSON report on standard output: {"sdk", "negotiated", "checks": [{name, ok, detail}]}.
Exit status 0 when every check passed, 1 when one failed, 2 when the SDK is missing.
"""

import argparse
import asyncio
import json
import os
import sys
import traceback

try:
    import mcp
    import mcp_types as types
    from mcp import ClientSession
    from mcp.client._probe import negotiate_auto
    from mcp.client.stdio import StdioServerParameters, stdio_client
    from mcp.shared.exceptions import MCPError
except ImportError as error:  # reported clearly, not as a failure of mnem
    print(json.dumps({"error": f"the MCP Python SDK is not installed: {error}"}))
    sys.exit(2)


class Report:
    def __init__(self):
        self.checks = []

    def check(self, name, ok, detail=""):
        self.checks.append({"name": name, "ok": bool(ok), "detail": str(detail)[:8000]})


async def handshake(session, version):
    """The initialize handshake pinned to `version` (the SDK's own offers the newest, 2025-11-25)."""
    result = await session.send_request(
        types.InitializeRequest(
            params=types.InitializeRequestParams(
                protocol_version=version,
                capabilities=types.ClientCapabilities(),
                client_info=types.Implementation(name="sdk-check", version="1"),
            )
        ),
        types.InitializeResult,
    )
    session.adopt(result)
    await session.send_notification(types.InitializedNotification())
    return result


async def run(args, report):
    # The whole environment: the SDK passes only a few variables by default, and MNEM_POOL must reach mnem.
    params = StdioServerParameters(command=args.mnem, args=["mcp"], env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, client_info=types.Implementation(name="sdk-check", version="1")) as session:
            if args.version == "auto":
                await negotiate_auto(session)
            elif args.version == "2026-07-28":
                discovered = await session.discover()
                report.check("discover names 2026-07-28", "2026-07-28" in discovered.supported_versions, discovered.supported_versions)
                report.check("discover names the server", session.server_info is not None and session.server_info.name == "mnem", session.server_info)
                report.check("discover offers tools and resources", discovered.capabilities.tools is not None and discovered.capabilities.resources is not None)
            else:
                result = await handshake(session, args.version)
                report.check("initialize agrees on the version asked", result.protocol_version == args.version, result.protocol_version)
            negotiated = session.protocol_version
            modern = negotiated == "2026-07-28"

            listed = await session.list_tools()
            tools = {tool.name: tool for tool in listed.tools}
            report.check("four tools", set(tools) == {"search_memories", "get_memory", "add_insight", "record_feedback"}, sorted(tools))
            if args.version >= "2025-06-18" or modern or args.version == "auto":
                report.check("every tool has an outputSchema", all(t.output_schema is not None for t in tools.values()))
            if args.version >= "2025-03-26" or modern or args.version == "auto":
                for name in ("search_memories", "get_memory"):
                    report.check(f"{name} is read-only", tools[name].annotations is not None and tools[name].annotations.read_only_hint is True)
                report.check("add_insight is not read-only", tools["add_insight"].annotations.read_only_hint is False)

            added = await session.call_tool(
                "add_insight",
                {
                    "title": "Reproduce before fixing",
                    "description": "Write a failing test that shows the bug first.",
                    "content": "A failing test makes the bug concrete and proves the fix.",
                    "domain": "python",
                },
            )
            report.check("add_insight succeeds", not added.is_error, added.content)
            structured = added.structured_content or json.loads(added.content[0].text)
            memory_id = structured["id"]

            found = await session.call_tool("search_memories", {"query": "write a failing test to reproduce the bug", "k": 3})
            report.check("search_memories succeeds", not found.is_error, found.content)
            results = (found.structured_content or json.loads(found.content[0].text))["results"]
            report.check("search finds the insight, as {headline, hit, memory}", results and results[0]["hit"]["id"] == memory_id and set(results[0]) == {"headline", "hit", "memory"}, results[:1])
            if args.version >= "2025-06-18" or modern or args.version == "auto":
                report.check("structuredContent is the text's JSON", found.structured_content == json.loads(found.content[0].text))

            got = await session.call_tool("get_memory", {"id": memory_id[:8]})
            report.check("get_memory reads it by prefix", not got.is_error and json.loads(got.content[0].text)["id"] == memory_id, got.content)

            feedback = await session.call_tool("record_feedback", {"id": memory_id, "helped": True, "note": "sdk check"})
            report.check("record_feedback succeeds", not feedback.is_error and json.loads(feedback.content[0].text)["net"] == 1, feedback.content)

            # Argument errors are tool results the model reads, not protocol errors.
            for name, arguments in [("search_memories", {}), ("search_memories", {"query": "x", "k": "many"}), ("record_feedback", {"id": memory_id})]:
                bad = await session.call_tool(name, arguments)
                report.check(f"bad arguments to {name} give isError with a reason", bad.is_error and bad.content and bad.content[0].text.strip(), bad.content)
            missing = await session.call_tool("get_memory", {"id": "ffff0000"})
            report.check("a missing memory gives isError", missing.is_error, missing.content)
            try:
                await session.call_tool("no_such_tool", {})
                report.check("an unknown tool is a protocol error", False, "no error")
            except MCPError as error:
                report.check("an unknown tool is a protocol error", error.error.code == -32602, error.error)

            templates = await session.list_resource_templates()
            report.check("memory://{id} template", [t.uri_template for t in templates.resource_templates] == ["memory://{id}"], templates)
            resources = await session.list_resources()
            uris = [r.uri for r in resources.resources]
            report.check("resources list the memory", f"memory://{memory_id}" in [str(u) for u in uris], uris)
            read = await session.read_resource(f"memory://{memory_id[:10]}")
            text = read.contents[0].text
            report.check("memory://ID reads the memory", json.loads(text)["id"] == memory_id and str(read.contents[0].uri) == f"memory://{memory_id}")
            try:
                await session.read_resource("memory://ffff0000")
                report.check("an unknown resource is an error", False, "no error")
            except MCPError as error:
                report.check("an unknown resource is an error", error.error.code in (-32002, -32602), error.error)
            if not modern:
                await session.send_ping()
                report.check("ping answers", True)
            return negotiated


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mnem", required=True)
    parser.add_argument("--version", required=True)
    args = parser.parse_args()
    report = Report()
    negotiated = None
    try:
        negotiated = asyncio.run(run(args, report))
    except BaseException as error:  # noqa: BLE001 - every failure becomes a failed check
        report.check("the session ran to the end", False, "".join(traceback.format_exception(error))[-6000:])
    expected = "2026-07-28" if args.version in ("auto", "2026-07-28") else args.version
    report.check(f"negotiated {expected}", negotiated == expected, negotiated)
    print(json.dumps({"sdk": mcp.__version__ if hasattr(mcp, "__version__") else "?", "negotiated": negotiated, "checks": report.checks}))
    sys.exit(0 if all(c["ok"] for c in report.checks) else 1)


if __name__ == "__main__":
    main()
