#!/usr/bin/env python3
"""How long `aioguard server` takes to publish the diagnostics of an edited file.

Usage: bench/server_latency.py AIOGUARD PROJECT FILE [ROUNDS]

Run with the Python of target/tools/venv (it has pygls, see tests/tools/requirements.txt),
on a copy of a project (the server writes its cache there), e.g. the homeassistant tree of
the benchmark corpus:

    cp -r bench/.cache/corpus/homeassistant /tmp/ha
    target/tools/venv/bin/python bench/server_latency.py target/release/aioguard \\
        /tmp/ha homeassistant/components/http/__init__.py

The client opens FILE and waits for its first diagnostics (the first analysis: settings,
the project's index, the check), then edits it ROUNDS times (default 30), each edit a
different comment line at the end, and times each from sending `didChange` to receiving
the diagnostics of that version; then ROUNDS edits that insert a line at the top, which
change the module's summary: the server publishes from the index as it was, indexes the
project again and publishes again (both timed); then saves it ROUNDS times (checked with
no pause). The edits' times include the server's pause after typing (20 ms).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient


async def measure(aioguard: str, project: Path, relative: str, rounds: int) -> None:
    client = LanguageClient("aioguard-latency", "1")
    published: asyncio.Queue = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: types.PublishDiagnosticsParams):
        published.put_nowait((time.perf_counter(), params))

    path = (project / relative).resolve()
    uri = path.as_uri()
    text = path.read_text()

    async def diagnostics_of(version: int | None) -> tuple[float, int]:
        while True:
            at, params = await asyncio.wait_for(published.get(), 600)
            if params.uri == uri and (version is None or params.version == version):
                return at, len(params.diagnostics)

    started = time.perf_counter()
    await client.start_io(aioguard, "server", cwd=str(project))
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            workspace_folders=[
                types.WorkspaceFolder(uri=project.resolve().as_uri(), name=project.name)
            ],
        )
    )
    client.initialized(types.InitializedParams())
    item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    at, count = await diagnostics_of(1)
    print(
        f"first analysis: {(at - started) * 1000:.0f} ms ({count} diagnostics in {relative})"
    )

    async def edit(version: int, edited: str, publications: int) -> list[float]:
        """Milliseconds from the change to each of the first `publications` of it."""
        document = types.VersionedTextDocumentIdentifier(uri=uri, version=version)
        change = types.TextDocumentContentChangeWholeDocument(text=edited)
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=document, content_changes=[change]
            )
        )
        return [
            ((await diagnostics_of(version))[0] - sent) * 1000
            for _ in range(publications)
        ]

    edits = [
        (await edit(version, f"{text}\n# edit {version}\n", 1))[0]
        for version in range(2, rounds + 2)
    ]
    # Lines inserted at the top (one, then two: always moved) move every function: the
    # module's summary changes and the project is indexed again, after which the
    # document is published a second time.
    shifted, reindexed = [], []
    for version in range(rounds + 2, 2 * rounds + 2):
        moved = f"# edit {version}\n" * (1 + version % 2) + text
        first, second = await edit(version, moved, 2)
        shifted.append(first)
        reindexed.append(second)
    saves = []
    for _ in range(rounds):
        sent = time.perf_counter()
        client.text_document_did_save(
            types.DidSaveTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=uri)
            )
        )
        at, _ = await diagnostics_of(None)
        saves.append((at - sent) * 1000)
    results = [
        ("edit (didChange, with the 20 ms pause)", edits),
        ("edit moving every line, first diagnostics", shifted),
        ("edit moving every line, after indexing again", reindexed),
        ("save (didSave)", saves),
    ]
    for name, times in results:
        ordered = sorted(times)
        p90 = ordered[int(len(ordered) * 0.9) - 1]
        print(
            f"{name}: median {statistics.median(times):.1f} ms, p90 {p90:.1f} ms, "
            f"min {ordered[0]:.1f} ms, max {ordered[-1]:.1f} ms over {len(times)}"
        )
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


def main() -> None:
    aioguard, project, relative = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    asyncio.run(measure(aioguard, project, relative, rounds))


if __name__ == "__main__":
    main()
