"""An editor's session with `aioguard server`, driven by a real LSP client (pygls).

Usage: scenario.py AIOGUARD PROJECT

PROJECT is a copy of tests/server/project (the scenario edits it). The client opens
`shop/app.py`, edits the helper it calls so that the helper blocks, and expects the
coroutine's finding (AG110, with its chain); asks for code actions and applies the
"fix all" workspace edit, whose result must equal `aioguard check --fix` on the same
files; ignores a finding with `# noqa`; gets AG001 for a file that does not parse and
an error for a document that is not open; changes the configuration on disk and in the editor; closes
the documents; and shuts the server down. Every step asserts what the server answers;
the script exits non-zero on the first difference.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.client import LanguageClient

TIMEOUT = 60

BLOCKING_HELPER = '''"""Helpers of the shop; `pause` does not block until the scenario edits it."""
import time


def pause():
    time.sleep(0.1)
    return 1
'''


class Session:
    def __init__(self, aioguard: str, project: Path):
        self.aioguard = aioguard
        self.project = project
        self.client = LanguageClient("aioguard-scenario", "1")
        self.published: dict[str, asyncio.Queue] = {}
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}
        self.registrations: list[types.Registration] = []

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams):
            self.queue(params.uri).put_nowait(params)

        @self.client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams):
            self.registrations.extend(params.registrations)

    def uri(self, relative: str) -> str:
        return (self.project / relative).resolve().as_uri()

    def queue(self, uri: str) -> asyncio.Queue:
        return self.published.setdefault(uri, asyncio.Queue())

    async def diagnostics(
        self, relative: str, until=lambda diagnostics: True
    ) -> list[types.Diagnostic]:
        """The diagnostics published for a file next that satisfy `until`."""
        queue = self.queue(self.uri(relative))
        while True:
            params = await asyncio.wait_for(queue.get(), TIMEOUT)
            if until(params.diagnostics):
                return params.diagnostics

    async def start(self):
        await self.client.start_io(self.aioguard, "server", cwd=str(self.project))
        capabilities = types.ClientCapabilities(
            workspace=types.WorkspaceClientCapabilities(
                did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                    dynamic_registration=True
                )
            ),
            general=types.GeneralClientCapabilities(
                position_encodings=[types.PositionEncodingKind.Utf16]
            ),
        )
        result = await self.client.initialize_async(
            types.InitializeParams(
                capabilities=capabilities,
                root_uri=self.project.resolve().as_uri(),
                workspace_folders=[
                    types.WorkspaceFolder(
                        uri=self.project.resolve().as_uri(), name="shop"
                    )
                ],
                initialization_options={"unsafeFixes": True},
            )
        )
        assert result.server_info.name == "aioguard", result
        assert (
            result.capabilities.position_encoding == types.PositionEncodingKind.Utf16
        ), result.capabilities
        self.client.initialized(types.InitializedParams())

    def open(self, relative: str, text: str | None = None):
        text = (self.project / relative).read_text() if text is None else text
        uri = self.uri(relative)
        self.versions[uri] = 1
        self.texts[uri] = text
        item = types.TextDocumentItem(
            uri=uri, language_id="python", version=1, text=text
        )
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(text_document=item)
        )

    def change(self, relative: str, text: str):
        uri = self.uri(relative)
        self.versions[uri] += 1
        self.texts[uri] = text
        document = types.VersionedTextDocumentIdentifier(
            uri=uri, version=self.versions[uri]
        )
        change = types.TextDocumentContentChangeWholeDocument(text=text)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=document, content_changes=[change]
            )
        )

    async def code_actions(self, relative: str, only=None) -> list[types.CodeAction]:
        uri = self.uri(relative)
        lines = self.texts.get(uri, "").splitlines()
        whole = types.Range(
            start=types.Position(line=0, character=0),
            end=types.Position(line=len(lines), character=0),
        )
        context = types.CodeActionContext(diagnostics=[], only=only)
        params = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=whole,
            context=context,
        )
        return (
            await asyncio.wait_for(
                self.client.text_document_code_action_async(params), TIMEOUT
            )
            or []
        )

    def apply(self, action: types.CodeAction) -> str:
        """The text of the one document the action's workspace edit changes, edited."""
        [(uri, edits)] = action.edit.changes.items()
        return apply_edits(self.texts[uri], edits)


def offset(text: str, position: types.Position) -> int:
    """The string index of a position whose character counts UTF-16 code units."""
    lines = text.splitlines(keepends=True)
    start = sum(len(line) for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return start + index
        units += len(char.encode("utf-16-le")) // 2
    return start + len(line.rstrip("\r\n")) if position.line < len(lines) else start


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    placed = sorted(
        (
            (offset(text, e.range.start), offset(text, e.range.end), e.new_text)
            for e in edits
        ),
        reverse=True,
    )
    for start, end, new_text in placed:
        text = text[:start] + new_text + text[end:]
    return text


def codes(diagnostics) -> list[str]:
    return sorted(str(diagnostic.code) for diagnostic in diagnostics)


def fixed_by_the_command_line(aioguard: str, project: Path, helper: str) -> str:
    """`shop/app.py` as `aioguard check --fix` writes it, with the helper as edited."""
    with tempfile.TemporaryDirectory() as copy:
        copy = Path(copy) / "project"
        shutil.copytree(project, copy)
        (copy / "shop" / "helpers.py").write_text(helper)
        # Exit 1: findings are left (AG110, AG201 have unsafe fixes only).
        done = subprocess.run(
            [aioguard, "check", "--fix", "--no-cache", "--quiet", "."],
            cwd=copy,
            capture_output=True,
            check=False,
        )
        assert done.returncode == 1, done
        return (copy / "shop" / "app.py").read_text()


async def scenario(aioguard: str, project: Path):
    session = Session(aioguard, project)
    await session.start()
    app_text = (project / "shop" / "app.py").read_text()

    # Opening a document publishes its findings; the helper does not block yet.
    session.open("shop/app.py")
    found = await session.diagnostics("shop/app.py")
    assert codes(found) == ["AG101", "AG201"], found
    sleep = next(d for d in found if d.code == "AG101")
    assert (sleep.range.start.line, sleep.range.start.character) == (8, 4), sleep.range
    assert sleep.source == "aioguard" and "time.sleep" in sleep.message, sleep

    # Editing the helper (in the editor, not on disk) makes the coroutine that calls it block.
    session.open("shop/helpers.py")
    await session.diagnostics("shop/helpers.py")
    session.change("shop/helpers.py", BLOCKING_HELPER)
    found = await session.diagnostics(
        "shop/app.py", until=lambda d: "AG110" in codes(d)
    )
    assert codes(found) == ["AG101", "AG110", "AG201"], found
    helper_call = next(d for d in found if d.code == "AG110")
    assert helper_call.range.start.line == 9, helper_call
    hops = helper_call.related_information or []
    assert [hop.message for hop in hops] == ["`pause`", "`time.sleep`"], hops
    assert (hops[0].location.uri, hops[0].location.range.start.line) == (
        session.uri("shop/app.py"),
        9,
    ), hops
    assert (hops[1].location.uri, hops[1].location.range.start.line) == (
        session.uri("shop/helpers.py"),
        5,
    ), hops

    # Code actions: the safe fix, the unsafe one labelled, `# noqa` for each, and fix all.
    actions = await session.code_actions("shop/app.py")
    titles = [action.title for action in actions]
    quickfixes = [
        action for action in actions if action.kind == types.CodeActionKind.QuickFix
    ]
    assert any(
        "asyncio.sleep" in action.title and action.is_preferred for action in quickfixes
    ), titles
    assert any(action.title.endswith("(unsafe)") for action in quickfixes), titles
    for code in ["AG101", "AG110", "AG201"]:
        assert f"Ignore {code} with `# noqa: {code}`" in titles, titles
    fix_all = [action for action in actions if action.kind == "source.fixAll.aioguard"]
    assert len(fix_all) == 1, titles
    only_fix_all = await session.code_actions(
        "shop/app.py", only=[types.CodeActionKind.SourceFixAll]
    )
    assert [action.title for action in only_fix_all] == [fix_all[0].title], only_fix_all

    # Fix all, applied as the editor applies a workspace edit, writes what `check --fix` writes.
    fixed = session.apply(fix_all[0])
    expected = fixed_by_the_command_line(aioguard, project, BLOCKING_HELPER)
    assert fixed == expected, (
        f"fix all:\n{fixed}\n--- aioguard check --fix:\n{expected}"
    )
    assert fixed != app_text and "await asyncio.sleep(1)" in fixed, fixed
    session.change("shop/app.py", fixed)
    found = await session.diagnostics(
        "shop/app.py", until=lambda d: "AG101" not in codes(d)
    )
    assert codes(found) == ["AG110", "AG201"], found

    # Ignoring a finding with `# noqa` silences it.
    actions = await session.code_actions("shop/app.py")
    ignore = next(
        action
        for action in actions
        if action.title == "Ignore AG201 with `# noqa: AG201`"
    )
    ignored = session.apply(ignore)
    assert "asyncio.create_task(handler())  # noqa: AG201\n" in ignored, ignored
    session.change("shop/app.py", ignored)
    found = await session.diagnostics(
        "shop/app.py", until=lambda d: "AG201" not in codes(d)
    )
    assert codes(found) == ["AG110"], found

    # A file that does not parse gives AG001; the server goes on.
    session.open("shop/broken.py", "async def broken(:\n    pass\n")
    found = await session.diagnostics("shop/broken.py")
    assert codes(found) == ["AG001"], found

    # A request about a document that is not open gets an error, not a crash.
    try:
        await session.code_actions("shop/never_opened.py")
        raise AssertionError("code actions for a document that is not open")
    except JsonRpcException as error:
        assert "not open" in str(error), error

    # The configuration is read again when it changes on disk.
    assert any(
        r.method == "workspace/didChangeWatchedFiles" for r in session.registrations
    ), session.registrations
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('select = ["AG1", "AG2"]', 'select = ["AG2"]')
    )
    event = types.FileEvent(
        uri=session.uri("pyproject.toml"), type=types.FileChangeType.Changed
    )
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[event])
    )
    found = await session.diagnostics(
        "shop/app.py", until=lambda d: "AG110" not in codes(d)
    )
    assert codes(found) == [], found
    # Saving the configuration in the editor is enough too.
    pyproject.write_text(
        pyproject.read_text().replace('select = ["AG2"]', 'select = ["AG1"]')
    )
    session.client.text_document_did_save(
        types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(
                uri=session.uri("pyproject.toml")
            )
        )
    )
    found = await session.diagnostics("shop/app.py", until=lambda d: len(d) > 0)
    assert codes(found) == ["AG110"], found

    # Closing a document clears its findings.
    session.client.text_document_did_close(
        types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(
                uri=session.uri("shop/broken.py")
            )
        )
    )
    # (The configuration's change published its AG001 again before.)
    await session.diagnostics("shop/broken.py", until=lambda d: len(d) == 0)

    await asyncio.wait_for(session.client.shutdown_async(None), TIMEOUT)
    session.client.exit(None)
    await session.client.stop()
    assert session.client._server.returncode == 0, session.client._server.returncode
    print("scenario passed")


def main():
    aioguard, project = sys.argv[1], Path(sys.argv[2])
    asyncio.run(scenario(aioguard, project))


if __name__ == "__main__":
    main()
