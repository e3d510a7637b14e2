#!/usr/bin/env python3
"""The logic of the aioguard GitHub Action (`action.yml` runs it; the tests run it too).

    action.py prepare   which aioguard to install (a release, or this checkout's sources), its
                        cache directory and cache key -> $GITHUB_OUTPUT
    action.py install   unless the cache directory has it already: downloads the release
                        binary for this runner and checks its SHA-256, or builds aioguard
                        from source; then puts it on $GITHUB_PATH
    action.py check     runs aioguard: annotations on the log, the SARIF file, the step
                        summary, and the outputs `findings`, `fixable`, `sarif-file`; on
                        request a pull-request review and a check run (review.py)

Inputs and event data arrive in environment variables and the event payload file only,
and every command runs without a shell, so a branch or file name is never code.
Standard library only: it runs on any runner with Python 3.8 or later.
"""

import hashlib
import html
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from pathlib import Path

import review

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
# A push's `before` is all zeros when the branch is new.
NO_COMMIT = "0" * 40
# GitHub takes a step summary of at most 1 MiB; the table of findings gets most of it.
SUMMARY_BYTES = 1000 * 1000
SUMMARY_TABLE_BYTES = 900 * 1000
# Where the release archives are: `<RELEASES_URL>/v<version>/aioguard-<target>.tar.gz` (`.zip`
# on Windows), each with a `.sha256` beside it. The tests serve a copy of this layout and
# point $AIOGUARD_TEST_RELEASES_URL at it.
RELEASES_URL = "https://github.com/aioguard/aioguard/releases/download"
# The release target of each runner (`RUNNER_OS`, `RUNNER_ARCH`). Linux gets the static musl
# build, which also runs in any container a job uses.
RELEASE_TARGETS = {
    ("Linux", "X64"): "x86_64-unknown-linux-musl",
    ("Linux", "ARM64"): "aarch64-unknown-linux-musl",
    ("macOS", "X64"): "x86_64-apple-darwin",
    ("macOS", "ARM64"): "aarch64-apple-darwin",
    ("Windows", "X64"): "x86_64-pc-windows-msvc",
}


class ActionError(Exception):
    """A problem with the inputs or the checkout, reported as an `::error::` and exit 2."""


def main(argv):
    commands = {"prepare": prepare, "install": install, "check": check}
    if len(argv) != 2 or argv[1] not in commands:
        print("usage: action.py prepare|install|check", file=sys.stderr)
        return 2
    try:
        return commands[argv[1]]()
    except ActionError as error:
        print(f"::error title=aioguard::{escape_data(str(error))}")
        return 2


def prepare():
    """Which aioguard to install and where it is cached.

    `version: X.Y.Z` is that release. Otherwise the action's own ref decides: a release tag
    (`v0.1.0`, or `v0.1`/`v0` naming the checked-out version) is that release; a branch or a
    commit is built from the action's sources, keyed by their digest.
    """
    requested = os.environ.get("AIOGUARD_VERSION", "").strip()
    action_path = Path(required_env("GITHUB_ACTION_PATH"))
    package = package_version(action_path / "Cargo.toml")
    ref = os.environ.get("AIOGUARD_ACTION_REF", "").strip()
    release = requested[1:] if requested.startswith("v") else requested
    release = release or release_named_by(ref, package)
    if release:
        kind, version = "release", release
        print(f"aioguard {release}: the release binary, else built from source")
    else:
        kind, version = "source", f"{package}-{sources_digest(action_path)}"
        print(f"aioguard from the action's sources: `{ref or 'a local checkout'}` is not a release")
    tool_cache = os.environ.get("RUNNER_TOOL_CACHE") or str(Path.home() / ".cache")
    root = Path(tool_cache) / "aioguard" / f"{kind}-{version}"
    runner = f"{os.environ.get('RUNNER_OS', 'unknown')}-{os.environ.get('RUNNER_ARCH', 'unknown')}"
    key = f"aioguard-{runner}-{kind}-{version}"
    set_outputs({"version": version, "release": release, "root": str(root), "key": key})
    return 0


def release_named_by(ref, package):
    """`package` when `ref` is its release tag or a tag of its series (`v0.1.0`, `v0.1`, `v0`)."""
    if not ref.startswith("v"):
        return ""
    named = ref[1:].split(".")
    return package if named == package.split(".")[: len(named)] else ""


def install():
    """Puts aioguard into $AIOGUARD_ROOT unless a cached binary is there, and on the PATH.

    A release ($AIOGUARD_RELEASE) is downloaded when it has a binary for this runner; when
    there is none, or the download fails, it is built with cargo. A download whose SHA-256
    does not match its `.sha256` is refused: nothing of it is kept or run.
    """
    root = Path(required_env("AIOGUARD_ROOT"))
    binary = root / "bin" / ("aioguard.exe" if os.name == "nt" else "aioguard")
    release = os.environ.get("AIOGUARD_RELEASE", "").strip()
    requested = os.environ.get("AIOGUARD_VERSION", "").strip()
    if binary.exists():
        print(f"aioguard restored from the cache: {binary}")
    elif not (release and download_release(release, binary)):
        what = ["aioguard", "--version", release] if requested else ["--path", required_env("GITHUB_ACTION_PATH")]
        run_or_fail(["cargo", "install", "--locked", "--root", str(root), *what])
    run_or_fail([str(binary), "--version"])
    append_line(required_env("GITHUB_PATH"), str(binary.parent))
    return 0


def download_release(version, binary):
    """Downloads the release archive of this runner, checks it, and writes its binary to `binary`.

    False when there is nothing to download (no archive for this runner, or it cannot be
    fetched): the caller builds from source. A checksum mismatch is an error.
    """
    runner = (os.environ.get("RUNNER_OS", ""), os.environ.get("RUNNER_ARCH", ""))
    target = RELEASE_TARGETS.get(runner)
    if target is None:
        print(f"::notice title=aioguard::no release binary for {' '.join(runner)}: building aioguard from source")
        return False
    name = f"aioguard-{target}{'.zip' if 'windows' in target else '.tar.gz'}"
    base = os.environ.get("AIOGUARD_TEST_RELEASES_URL") or RELEASES_URL
    url = f"{base.rstrip('/')}/v{version}/{name}"
    try:
        archive = fetch(url)
        expected = fetch(f"{url}.sha256").decode("ascii", "replace").split()
    except (OSError, ValueError) as error:
        reason = escape_data(f"cannot download {url} ({error})")
        print(f"::warning title=aioguard::{reason}: building aioguard from source")
        return False
    actual = hashlib.sha256(archive).hexdigest()
    if not expected or expected[0].lower() != actual:
        claimed = expected[0] if expected else "nothing"
        raise ActionError(f"{url} has SHA-256 {actual}, but its .sha256 says {claimed}: refusing to install it")
    member = f"aioguard-{target}/{binary.name}"
    content = archive_member(archive, name, member)
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_name(f".{binary.name}.partial")
    partial.write_bytes(content)
    partial.chmod(0o755)
    partial.replace(binary)
    print(f"aioguard {version} downloaded from {url} (SHA-256 {actual})")
    return True


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def archive_member(archive, name, member):
    """The bytes of one regular file of a `.tar.gz` or `.zip` archive; nothing is extracted."""
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(archive)) as opened:
                return opened.read(member)
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as opened:
            entry = opened.getmember(member)
            if entry.isfile():
                return opened.extractfile(entry).read()
    except (KeyError, OSError, tarfile.TarError, zipfile.BadZipFile):
        pass
    raise ActionError(f"the release archive {name} has no file {member}")


def check():
    # The token goes to GitHub's API only, never to the commands run here.
    token = os.environ.pop("AIOGUARD_GITHUB_TOKEN", "").strip()
    event_name = os.environ.get("GITHUB_EVENT_NAME", "")
    payload = read_payload()
    paths = shlex.split(os.environ.get("AIOGUARD_PATHS", "") or ".")
    extra = shlex.split(os.environ.get("AIOGUARD_ARGS", ""))
    changed_only = boolean_input("AIOGUARD_CHANGED_ONLY", event_name in PULL_REQUEST_EVENTS)
    fix = boolean_input("AIOGUARD_FIX", False)
    fail_on_findings = boolean_input("AIOGUARD_FAIL_ON_FINDINGS", True)
    sarif_file = os.environ.get("AIOGUARD_SARIF_FILE", "").strip()
    if boolean_input("AIOGUARD_CACHE", False):
        # The cache the steps around restore and save: the workspace's, whatever the project's root.
        os.environ["AIOGUARD_CACHE_DIR"] = os.path.abspath(".aioguard_cache")
    options = review.Options(
        review=boolean_input("AIOGUARD_REVIEW", False),
        check_run=boolean_input("AIOGUARD_CHECK_RUN", False),
        max_comments=count_input("AIOGUARD_MAX_REVIEW_COMMENTS", 50),
        token=token,
        fail_on_findings=fail_on_findings,
    )

    base = diff_base(event_name, payload) if changed_only else None
    command = ["aioguard", "check", *paths, *extra]
    if base:
        ensure_commit(base)
        command += ["--diff-base", base]
    known_options = check_options()

    if fix:
        if "--fix" not in known_options:
            raise ActionError("`fix: true` needs an aioguard with `--fix`; this one has none")
        aioguard([*command, "--fix", "--exit-zero"], echo=True)
    findings = json.loads(aioguard([*command, "--output-format", "json", "--exit-zero"]))
    commands = aioguard([*command, "--output-format", "github", "--exit-zero"]).splitlines()
    if len(commands) != len(findings):
        raise ActionError(f"aioguard gave {len(findings)} findings in JSON but {len(commands)} annotations")
    report = review.publish(findings, options, event_name, payload, changed_only)
    for warning in report.warnings:
        print(f"::warning title=aioguard::{escape_data(warning)}")
    for index in report.annotated:
        print(commands[index])
    for note in report.notes:
        print(f"aioguard: {note}")
    if sarif_file:
        Path(sarif_file).parent.mkdir(parents=True, exist_ok=True)
        Path(sarif_file).write_text(aioguard([*command, "--output-format", "sarif", "--exit-zero"]), "utf-8")
    fixable = sum(1 for finding in findings if finding.get("fix"))
    diff = aioguard([*command, "--diff"], ok_codes=(0, 1)) if fixable and "--diff" in known_options else None

    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        append_line(summary_file, summary(findings, fixable, diff, base, payload, fix, report))
    set_outputs({"findings": str(len(findings)), "fixable": str(fixable), "sarif-file": sarif_file})
    return 1 if findings and fail_on_findings else 0


def diff_base(event_name, payload):
    """The commit to compare against: a pull request's base, or the commit a push started from."""
    if event_name in PULL_REQUEST_EVENTS:
        return payload.get("pull_request", {}).get("base", {}).get("sha") or None
    before = payload.get("before")
    if event_name == "push" and before and before != NO_COMMIT:
        return before
    print(f"::notice title=aioguard::changed-only has no base on a `{escape_data(event_name)}` event: checking all files")
    return None


def ensure_commit(sha):
    """Fetches the base commit when the checkout lacks it (a shallow clone)."""
    present = ["git", "cat-file", "-e", f"{sha}^{{commit}}"]
    if subprocess.run(present, capture_output=True).returncode == 0:
        return
    subprocess.run(["git", "fetch", "--no-tags", "--quiet", "origin", sha], capture_output=True)
    if subprocess.run(present, capture_output=True).returncode != 0:
        raise ActionError(
            f"the base commit {sha} is not in the checkout: check out with `fetch-depth: 0` (actions/checkout)"
        )


def check_options():
    """The long options this aioguard's `check` knows (older builds lack `--fix`, `--diff`)."""
    help_text = aioguard(["aioguard", "check", "--help"])
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", help_text))


def aioguard(command, ok_codes=(0,), echo=False):
    """Runs aioguard; its output, or an error when it exits otherwise than expected."""
    completed = subprocess.run(command, capture_output=True, text=True, encoding="utf-8")
    sys.stderr.write(completed.stderr)
    if echo:
        sys.stdout.write(completed.stdout)
    if completed.returncode not in ok_codes:
        raise ActionError(f"`{shlex.join(command)}` exited with {completed.returncode}")
    return completed.stdout


def summary(findings, fixable, diff, base, payload, fixed, report):
    lines = ["## aioguard", ""]
    if base:
        pull_request = payload.get("pull_request", {})
        head_ref = pull_request.get("head", {}).get("ref")
        base_ref = pull_request.get("base", {}).get("ref")
        changes = f"the changes of {code(head_ref)}" if head_ref else "the changes"
        since = f"{code(base_ref)} ({code(base[:12])})" if base_ref else code(base[:12])
        lines += [f"Findings in {changes} since {since}.", ""]
    if fixed:
        lines += ["Fixes were applied to the working tree; what is left is listed here.", ""]
    if not findings:
        return "\n".join(lines + ["No findings.", ""])
    lines += ["| File | Line | Rule | Message | Fixable | Shown |", "| --- | --- | --- | --- | --- | --- |"]
    link = source_link(payload)
    # The JSON's file names are absolute: the table shows them from the repository root.
    root = review.repository_root()
    annotated = set(report.annotated)
    listed = 0
    for index, finding in enumerate(findings):
        row = finding["location"]["row"]
        rule = f"{finding['code']} {code(finding['name'])}"
        fix = finding.get("fix")
        cells = [
            code(review.repository_path(finding["filename"], root)),
            f"[{row}]({link(finding['filename'], row)})" if link else str(row),
            f"[{rule}]({finding['url']})" if finding.get("url") else rule,
            html.escape(finding["message"], quote=False),
            ("yes" if fix["applicability"] == "safe" else f"yes ({fix['applicability']})") if fix else "no",
            shown_as(report, index, annotated),
        ]
        line = "| " + " | ".join(cell(column) for column in cells) + " |"
        # GitHub refuses a step summary over 1 MiB: keep room for what follows the table.
        if sum(len(text.encode("utf-8")) + 1 for text in lines) + len(line) > SUMMARY_TABLE_BYTES:
            break
        lines.append(line)
        listed += 1
    count = len(findings)
    lines += ["", f"**{count} finding{'s' if count != 1 else ''}**, {fixable} fixable.", ""]
    if listed < count:
        lines += [f"{count - listed} more do not fit in the step summary; `sarif-file` holds them all.", ""]
    for note in report.notes:
        lines += [note, ""]
    if diff:
        fence = "`" * max(3, longest_run(diff, "`") + 1)
        details = [
            f"<details><summary>What <code>aioguard check --fix</code> changes ({fixable} fixable)</summary>",
            "",
            f"{fence}diff",
            diff.rstrip("\n"),
            fence,
            "",
            "</details>",
            "",
        ]
        if sum(len(text.encode("utf-8")) + 1 for text in lines + details) <= SUMMARY_BYTES:
            lines += details
    elif fixable:
        lines += [f"Run `aioguard check --fix` to apply the {fixable} fixable.", ""]
    return "\n".join(lines)


def shown_as(report, index, annotated):
    """Where a finding shows besides this summary."""
    if report.check_run:
        return "check run"
    status = report.review[index]
    if status == "posted":
        return "review comment"
    if status == "present":
        return "earlier review comment"
    return "annotation" if index in annotated else "here only"


def source_link(payload):
    """A function giving the URL of a file's line in the commit checked, or None outside GitHub."""
    server, repository = os.environ.get("GITHUB_SERVER_URL", ""), os.environ.get("GITHUB_REPOSITORY", "")
    commit = payload.get("pull_request", {}).get("head", {}).get("sha") or os.environ.get("GITHUB_SHA", "")
    if not (server and repository and commit):
        return None
    root = review.repository_root()

    def link(filename, row):
        path = urllib.parse.quote(review.repository_path(filename, root))
        return f"{server.rstrip('/')}/{repository}/blob/{commit}/{path}#L{row}"

    return link


def code(text):
    """Text as inline code, whatever characters it holds."""
    return f"<code>{html.escape(text, quote=False)}</code>".replace("\r", "").replace("\n", " ")


def cell(markdown):
    """Markdown for a table cell: one line, and no `|` that would end the cell."""
    return markdown.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def longest_run(text, char):
    runs = re.findall(f"{re.escape(char)}+", text)
    return max((len(run) for run in runs), default=0)


def read_payload():
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return {}
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def boolean_input(name, default):
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("true", "false"):
        return value == "true"
    raise ActionError(f"{name} must be `true` or `false`, not `{value}`")


def count_input(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if value.isdigit():
        return int(value)
    raise ActionError(f"{name} must be a number, not `{value}`")


def required_env(name):
    value = os.environ.get(name)
    if not value:
        raise ActionError(f"${name} is not set: run this as a step of the aioguard action")
    return value


def package_version(manifest):
    """`version` of the `[package]` table of a Cargo.toml."""
    section = None
    for line in manifest.read_text("utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        elif section == "[package]" and re.match(r"version\s*=", stripped):
            return stripped.split("=", 1)[1].strip().strip('"')
    raise ActionError(f"{manifest} has no package version")


def sources_digest(action_path):
    """A digest of what the binary is built from, so that a new commit under the same version rebuilds."""
    digest = hashlib.sha256()
    files = [action_path / "Cargo.toml", action_path / "Cargo.lock", *sorted((action_path / "src").rglob("*"))]
    for file in files:
        if file.is_file():
            digest.update(str(file.relative_to(action_path)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def set_outputs(outputs):
    """Writes step outputs in the delimited form, which holds any value safely."""
    path = required_env("GITHUB_OUTPUT")
    for name, value in outputs.items():
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        append_line(path, f"{name}<<{delimiter}\n{value}\n{delimiter}")


def append_line(path, text):
    with open(path, "a", encoding="utf-8") as file:
        file.write(text + "\n")


def escape_data(text):
    """A workflow command's message, escaped as GitHub's toolkit escapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def run_or_fail(command):
    if subprocess.run(command).returncode != 0:
        raise ActionError(f"`{shlex.join(command)}` failed")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
