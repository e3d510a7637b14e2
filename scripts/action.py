#!/usr/bin/env python3
"""The logic of the aioguard GitHub Action (`action.yml` runs it; the tests run it too).

    action.py prepare   the binary's version, cache directory and cache key -> $GITHUB_OUTPUT
    action.py install   builds aioguard into the cache directory unless it is there already,
                        and puts it on $GITHUB_PATH
    action.py check     runs aioguard: annotations on the log, the SARIF file, the step
                        summary, and the outputs `findings`, `fixable`, `sarif-file`; on
                        request a pull-request review and a check run (review.py)

Inputs and event data arrive in environment variables and the event payload file only,
and every command runs without a shell, so a branch or file name is never code.
Standard library only: it runs on any runner with Python 3.8 or later.
"""

import hashlib
import html
import json
import os
import re
import shlex
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path

import review

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
# A push's `before` is all zeros when the branch is new.
NO_COMMIT = "0" * 40
# GitHub takes a step summary of at most 1 MiB; the table of findings gets most of it.
SUMMARY_BYTES = 1000 * 1000
SUMMARY_TABLE_BYTES = 900 * 1000


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
    """Which aioguard to run and where its binary is cached, keyed by version and sources."""
    requested = os.environ.get("AIOGUARD_VERSION", "").strip()
    action_path = Path(required_env("GITHUB_ACTION_PATH"))
    if requested:
        source, version = "crates", requested
    else:
        source, version = "source", package_version(action_path / "Cargo.toml")
        version = f"{version}-{sources_digest(action_path)}"
    tool_cache = os.environ.get("RUNNER_TOOL_CACHE") or str(Path.home() / ".cache")
    root = Path(tool_cache) / "aioguard" / f"{source}-{version}"
    runner = f"{os.environ.get('RUNNER_OS', 'unknown')}-{os.environ.get('RUNNER_ARCH', 'unknown')}"
    set_outputs({"version": version, "root": str(root), "key": f"aioguard-{runner}-{source}-{version}"})
    return 0


def install():
    """`cargo install`s aioguard into $AIOGUARD_ROOT unless a cached binary is there."""
    root = Path(required_env("AIOGUARD_ROOT"))
    binary = root / "bin" / "aioguard"
    if binary.exists():
        print(f"aioguard restored from the cache: {binary}")
    else:
        requested = os.environ.get("AIOGUARD_VERSION", "").strip()
        what = ["aioguard", "--version", requested] if requested else ["--path", required_env("GITHUB_ACTION_PATH")]
        run_or_fail(["cargo", "install", "--locked", "--root", str(root), *what])
    append_line(required_env("GITHUB_PATH"), str(root / "bin"))
    return 0


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
