"""What the aioguard action tells GitHub beyond its log (`action.py check` calls it).

- A pull-request review: one comment per finding on the lines the pull request changes,
  with the finding's fix as a suggested change where its edits lie within those lines.
  Each comment carries the finding's fingerprint in a hidden marker, so a re-run does not
  comment again on what it has already commented on.
- A check run named aioguard holding every finding as an annotation: the Checks API has
  no cap on annotations, where workflow commands show 10 of each level per step.
- The choice of workflow-command annotations for what neither shows: findings on changed
  lines first, errors first, within GitHub's per-step limits.

The suggested text comes from aioguard's own fix edits (its JSON output), applied here to
the commented lines only. Standard library only. Requests go to $GITHUB_API_URL (GitHub
Enterprise Server too), with a timeout and a few retries on server errors and secondary
rate limits. A failing API never decides the step's result: what could not be posted
stays in the annotations and the step summary, and the log says why.
"""

import hashlib
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

API_VERSION = "2022-11-28"
TIMEOUT_SECONDS = 30
ATTEMPTS = 3
LONGEST_RETRY_WAIT_SECONDS = 60
# One review per this many comments: GitHub is known to time out on reviews with many.
REVIEW_BATCH = 20
# The Checks API takes at most this many annotations per request.
CHECK_RUN_BATCH = 50
# Workflow-command annotations GitHub shows per step, for each level.
ANNOTATIONS_PER_LEVEL = 10
LEVEL_ORDER = {"error": 0, "warning": 1, "note": 2}
CHECK_RUN_LEVELS = {"error": "failure", "warning": "warning", "note": "notice"}
MARKER = re.compile(r"<!-- aioguard (fingerprint|import): (\S+) -->")


class ApiError(Exception):
    """A request GitHub refused or did not answer, after the retries."""

    def __init__(self, method, url, status, message):
        path = urllib.parse.urlsplit(url).path
        super().__init__(f"{method} {path}: {status or 'no answer'} {message}".rstrip())


class GitHub:
    """A small REST client for one repository."""

    def __init__(self, api_url, token, repository):
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.repository = repository

    def url(self, path, query=None):
        owner, name = (urllib.parse.quote(part, safe="") for part in self.repository.split("/", 1))
        url = f"{self.api_url}/repos/{owner}/{name}{path}"
        return f"{url}?{urllib.parse.urlencode(query)}" if query else url

    def request(self, method, path, body=None):
        return self.send(method, self.url(path), body)[0]

    def paginate(self, path):
        """Every item of a list endpoint, following the `Link: <…>; rel="next"` pages."""
        items = []
        url = self.url(path, {"per_page": 100})
        while url:
            page, headers = self.send("GET", url)
            items.extend(page)
            url = next_page(headers.get("Link", ""))
        return items

    def send(self, method, url, body=None):
        """The decoded answer and its headers; retries server errors and rate limits."""
        data = json.dumps(body).encode("utf-8") if body is not None else None
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.token}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "aioguard-action",
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(1, ATTEMPTS + 1):
            request = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                    text = response.read()
                    try:
                        return (json.loads(text) if text.strip() else None), response.headers
                    except ValueError:
                        raise ApiError(method, url, response.status, "answered with something else than JSON") from None
            except urllib.error.HTTPError as error:
                message = error_message(error.read())
                wait = retry_wait(error.code, error.headers, message, attempt)
                if wait is None or attempt == ATTEMPTS:
                    raise ApiError(method, url, error.code, message) from None
                status = f"{error.code} {message}"
            except (urllib.error.URLError, OSError) as error:
                # Only a read may be repeated safely when it is not known whether it arrived.
                if method != "GET" or attempt == ATTEMPTS:
                    raise ApiError(method, url, None, str(getattr(error, "reason", error))) from None
                wait, status = attempt, str(getattr(error, "reason", error))
            print(f"aioguard: {method} {urllib.parse.urlsplit(url).path}: {status}; retrying in {wait} s")
            time.sleep(wait)
        raise AssertionError("unreachable")


def retry_wait(status, headers, message, attempt):
    """Seconds to wait before retrying a failed request, or None when retrying is useless:
    server errors and rate limits are retried, after the time GitHub names if it does."""
    primary_limit = status == 403 and headers.get("X-RateLimit-Remaining") == "0"
    retry_after = headers.get("Retry-After", "").strip()
    rate_limited = status == 429 or primary_limit or (status == 403 and ("rate limit" in message.lower() or retry_after))
    if not (status >= 500 or rate_limited):
        return None
    if retry_after.isdigit():
        wait = int(retry_after)
    elif primary_limit:
        reset = headers.get("X-RateLimit-Reset", "")
        wait = max(0, int(reset) - int(time.time())) if reset.isdigit() else LONGEST_RETRY_WAIT_SECONDS
    elif rate_limited:
        # GitHub asks to wait at least a minute after a secondary rate limit that names no time.
        wait = LONGEST_RETRY_WAIT_SECONDS
    else:
        wait = 2 ** (attempt - 1)
    return wait if wait <= LONGEST_RETRY_WAIT_SECONDS else None


def error_message(body):
    try:
        return str(json.loads(body).get("message", ""))
    except (ValueError, AttributeError):
        return body.decode("utf-8", "replace")[:200]


def next_page(link):
    for part in link.split(","):
        match = re.match(r'\s*<([^>]*)>\s*;\s*rel="next"', part)
        if match:
            return match.group(1)
    return None


# --- The pull request's diff -------------------------------------------------------------


class Diff:
    """The right side of a pull request's diff: per file, the line ranges its hunks show
    (where review comments may go) and the lines it adds or changes."""

    HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")

    def __init__(self, text):
        self.hunks = {}
        self.added = {}
        path, old_left, new_left, row = None, 0, 0, 0
        for line in text.split("\n"):
            if line.startswith("\\"):  # "\ No newline at end of file"
                continue
            if old_left > 0 or new_left > 0:
                if line.startswith("+"):
                    self.added.setdefault(path, set()).add(row)
                if not line.startswith("-"):
                    row, new_left = row + 1, new_left - 1
                if not line.startswith("+"):
                    old_left -= 1
                continue
            if line.startswith("+++ "):
                target = unquote(line[4:].rstrip("\t"))
                path = target[2:] if target.startswith("b/") else None
            elif line.startswith("@@") and path is not None:
                match = self.HUNK.match(line)
                old_left = int(match.group(1) or 1)
                row = int(match.group(2))
                new_left = int(match.group(3) or 1)
                if new_left:
                    self.hunks.setdefault(path, []).append((row, row + new_left - 1))

    def shows(self, path, first, last):
        """Whether lines `first..last` of `path` lie in one hunk (one comment may cover them)."""
        return any(start <= first and last <= end for start, end in self.hunks.get(path, ()))

    def changes(self, path, first, last):
        return any(row in self.added.get(path, ()) for row in range(first, last + 1))


def unquote(name):
    """A file name as git writes it in a diff header: C-quoted when unusual characters are in it."""
    if not (name.startswith('"') and name.endswith('"')):
        return name
    escapes = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
    raw, index, body = bytearray(), 0, name[1:-1]
    while index < len(body):
        char = body[index]
        if char != "\\":
            raw += char.encode("utf-8")
            index += 1
        elif body[index + 1] in escapes:
            raw.append(escapes[body[index + 1]])
            index += 2
        else:
            raw.append(int(body[index + 1 : index + 4], 8))
            index += 4
    return raw.decode("utf-8", "surrogateescape")


def git(*args):
    completed = subprocess.run(["git", *args], capture_output=True)
    if completed.returncode != 0:
        return None
    return completed.stdout.decode("utf-8", "surrogateescape")


def pull_request_diff(base_sha, head_sha):
    """The diff GitHub shows for a pull request: from the merge base to the head."""
    merge_base = git("merge-base", base_sha, head_sha)
    if merge_base is None:
        return None
    text = git(
        "-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "--find-renames",
        "--unified=3", merge_base.strip(), head_sha,
    )
    return None if text is None else Diff(text)


def split_lines(text):
    """Lines with their endings, broken where aioguard breaks them (\\n, \\r\\n, \\r)."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


# --- Review comments ---------------------------------------------------------------------


class Comment:
    """One review comment: where it goes, its text, and the key that marks it as posted."""

    def __init__(self, path, first, last, body, marker):
        self.path, self.first, self.last, self.body, self.marker = path, first, last, body, marker

    def request(self):
        comment = {"path": self.path, "line": self.last, "side": "RIGHT", "body": self.body}
        if self.first < self.last:
            comment.update(start_line=self.first, start_side="RIGHT")
        return comment


class HeadFile:
    """The head commit's text of a file, as lines, and the diff's view of it."""

    def __init__(self, text, diff):
        self.lines = split_lines(text)
        self.diff = diff
        self.line_starts = [0]
        for line in self.lines:
            self.line_starts.append(self.line_starts[-1] + len(line))

    def offset(self, position):
        """The index in the text of a 1-based (row, column in characters) position."""
        return self.line_starts[position["row"] - 1] + position["column"] - 1

    def text(self, first, last):
        return "".join(self.lines[first - 1 : last])


def plan_fix(finding, head):
    """How a finding's fix can be shown: the lines to comment on `(first, last)`, the text
    the fix leaves there (None without a fix), and the lines it inserts elsewhere (its
    imports) as `(row, text)`. The lines are the finding's, widened to every edit that is
    not such an insertion."""
    fix = finding.get("fix")
    first, last = finding["location"]["row"], finding["end_location"]["row"]
    if not fix:
        return first, last, None, []
    inside, elsewhere = [], []
    for edit in fix["edits"]:
        start, end = edit["location"], edit["end_location"]
        insertion = start == end and start["column"] == 1
        if insertion and not first <= start["row"] <= last:
            elsewhere.append((start["row"], edit["content"]))
        else:
            inside.append(edit)
    for edit in inside:
        end = edit["end_location"]
        # An edit that ends at the start of a line ends on the line before.
        end_row = end["row"] - 1 if end["column"] == 1 and end["row"] > edit["location"]["row"] else end["row"]
        first, last = min(first, edit["location"]["row"]), max(last, end_row)
    if last > len(head.lines) or any(row > len(head.lines) for row, _ in elsewhere):
        return finding["location"]["row"], finding["end_location"]["row"], None, []
    base = head.offset({"row": first, "column": 1})
    text = head.text(first, last)
    for edit in sorted(inside, key=lambda edit: head.offset(edit["location"]), reverse=True):
        start, end = head.offset(edit["location"]) - base, head.offset(edit["end_location"]) - base
        text = text[:start] + edit["content"] + text[end:]
    return first, last, strip_line_break(text), elsewhere


def strip_line_break(text):
    for ending in ("\r\n", "\n", "\r"):
        if text.endswith(ending):
            return text[: -len(ending)]
    return text


def suggestion_block(text):
    fence = "`" * max(3, longest_backtick_run(text) + 1)
    return f"{fence}suggestion\n{text}\n{fence}"


def longest_backtick_run(text):
    return max((len(run) for run in re.findall("`+", text)), default=0)


def fix_label(fix):
    if fix["applicability"] == "safe":
        return f"Fix: {fix['message']}."
    return f"Fix (**{fix['applicability']}**: it may change what the program does): {fix['message']}."


def fix_command(fix):
    unsafe = " --unsafe-fixes" if fix["applicability"] != "safe" else ""
    return f"`aioguard check --fix{unsafe}`"


class Draft:
    """A finding's comment before it is posted: its lines, and its suggestion if any."""

    def __init__(self, finding, path, first, last, suggestion, insertions):
        self.finding, self.path, self.first, self.last = finding, path, first, last
        self.suggestion, self.insertions = suggestion, insertions


def draft(finding, path, head, taken):
    """The finding's comment, or None when its lines are not in the diff. A suggestion is
    kept only when its lines are in one hunk and overlap no suggestion `taken` before."""
    if head is None:
        return None
    first, last, suggestion, insertions = plan_fix(finding, head)
    overlaps = any(first <= end and start <= last for start, end in taken.get(path, ()))
    if suggestion is not None and not overlaps and head.diff.shows(path, first, last):
        taken.setdefault(path, []).append((first, last))
        return Draft(finding, path, first, last, suggestion, insertions)
    first, last = finding["location"]["row"], finding["end_location"]["row"]
    return Draft(finding, path, first, last, None, []) if head.diff.shows(path, first, last) else None


def import_comments(drafts, heads, taken):
    """The comments suggesting the insertions that suggested fixes make elsewhere (their
    imports), one per line, where that line is in the diff and no other suggestion covers it."""
    texts = {}
    for item in drafts:
        for row, content in item.insertions:
            line_texts = texts.setdefault((item.path, row), [])
            if content not in line_texts:
                line_texts.append(content)
    comments = {}
    for (path, row), line_texts in texts.items():
        covered = any(start <= row <= end for start, end in taken.get(path, ()))
        if covered or not heads[path].diff.shows(path, row, row):
            continue
        text = strip_line_break("".join(line_texts) + heads[path].text(row, row))
        marker = hashlib.sha256(f"{path}\0{row}\0{text}".encode("utf-8", "surrogateescape")).hexdigest()[:16]
        added = " and ".join(f"`{line.strip()}`" for content in line_texts for line in content.strip().splitlines())
        body = "\n\n".join(
            [
                f"The suggested fixes in this file use {added}: commit this suggestion with them.",
                suggestion_block(text),
                f"<!-- aioguard import: {marker} -->",
            ]
        )
        comments[(path, row)] = Comment(path, row, row, body, marker)
    return comments


def plan_review(findings, paths, heads, existing, limit):
    """The comments to post for `findings` (at their repository `paths`), given the head
    files (`HeadFile` by path; absent when the checkout's file is not the head's), the
    comments already posted (`(path, line, marker)`), and the most comments to post.
    Returns the comments and, per finding, what shows it: `posted`, `present` (an earlier
    run's comment), `capped` (over the limit), or None (its lines are not in the diff)."""
    taken = {}
    drafts = [draft(finding, path, heads.get(path), taken) for finding, path in zip(findings, paths)]
    imports = import_comments([item for item in drafts if item], heads, taken)
    comments, status, needed = [], [], set()
    for item in drafts:
        if item is None:
            status.append(None)
            continue
        marker = item.finding["fingerprint"]
        if (item.path, item.last, marker) in existing:
            status.append("present")
        elif len(comments) >= limit:
            status.append("capped")
        else:
            comments.append(Comment(item.path, item.first, item.last, comment_body(item, imports), marker))
            needed.update((item.path, row) for row, _ in item.insertions)
            status.append("posted")
    for key, comment in imports.items():
        if key in needed and (comment.path, comment.last, comment.marker) not in existing:
            comments.append(comment)
    return comments, status


def comment_body(item, imports):
    finding = item.finding
    parts = [f"**[{finding['code']} {finding['name']}]({finding['url']})**: {finding['message']}"]
    fix = finding.get("fix")
    if fix and item.suggestion is not None:
        parts.append(suggestion_block(item.suggestion))
        notes = [fix_label(fix)]
        for row, content in item.insertions:
            what = " and ".join(f"`{line.strip()}`" for line in content.strip().splitlines())
            where = "suggested there" if (item.path, row) in imports else f"not in this diff: {fix_command(fix)} adds it"
            notes.append(f"It also adds {what} at line {row} ({where}).")
        parts.append(" ".join(notes))
    elif fix:
        parts.append(f"{fix_label(fix)} {fix_command(fix)} applies it.")
    parts.append(f"<!-- aioguard fingerprint: {finding['fingerprint']} -->")
    return "\n\n".join(parts)


def existing_markers(comments):
    """`(path, line, marker)` of the review comments aioguard has already posted."""
    markers = set()
    for comment in comments:
        for match in MARKER.finditer(comment.get("body") or ""):
            markers.add((comment.get("path"), comment.get("line"), match.group(2)))
    return markers


def post_review(api, number, head_sha, comments, total):
    """Posts the comments as reviews of at most REVIEW_BATCH comments; how many were posted
    before an error, and the error."""
    batches = [comments[start : start + REVIEW_BATCH] for start in range(0, len(comments), REVIEW_BATCH)]
    posted = 0
    for index, batch in enumerate(batches, 1):
        part = f" (part {index} of {len(batches)})" if len(batches) > 1 else ""
        body = f"aioguard: {total} finding{'s' if total != 1 else ''} on the lines this pull request changes{part}."
        review = {"commit_id": head_sha, "event": "COMMENT", "body": body, "comments": [c.request() for c in batch]}
        try:
            api.request("POST", f"/pulls/{number}/reviews", review)
        except ApiError as error:
            return posted, error
        posted += len(batch)
    return posted, None


# --- Check run ---------------------------------------------------------------------------


def check_run_annotation(finding, path):
    start, end = finding["location"], finding["end_location"]
    annotation = {
        "path": path,
        "start_line": start["row"],
        "end_line": end["row"],
        "annotation_level": CHECK_RUN_LEVELS[finding["severity"]],
        "title": f"{finding['code']} {finding['name']}",
        "message": finding["message"],
    }
    # Columns are taken only for an annotation on one line.
    if start["row"] == end["row"]:
        annotation.update(start_column=start["column"], end_column=end["column"])
    if finding.get("fix"):
        annotation["raw_details"] = fix_label(finding["fix"]).replace("**", "")
    return annotation


def post_check_run(api, head_sha, findings, paths, conclusion):
    """Creates the check run and adds the annotations CHECK_RUN_BATCH at a time; the last
    update completes it."""
    count = len(findings)
    title = f"{count} finding{'s' if count != 1 else ''}" if count else "No findings"
    summary = f"aioguard found {count} call{'s' if count != 1 else ''} that block the event loop or misuse it."
    run = api.request("POST", "/check-runs", {"name": "aioguard", "head_sha": head_sha, "status": "in_progress"})
    annotations = [check_run_annotation(finding, path) for finding, path in zip(findings, paths)]
    batches = [annotations[start : start + CHECK_RUN_BATCH] for start in range(0, len(annotations), CHECK_RUN_BATCH)]
    for index, batch in enumerate(batches or [[]], 1):
        update = {"output": {"title": title, "summary": summary, "annotations": batch}}
        if index == max(len(batches), 1):
            update["conclusion"] = conclusion
        api.request("PATCH", f"/check-runs/{run['id']}", update)
    return run


# --- Workflow-command annotations --------------------------------------------------------


def choose_annotations(findings, candidates, changed, reserved):
    """Which of the `candidates` (indices into `findings`) get a workflow-command annotation:
    GitHub shows ANNOTATIONS_PER_LEVEL of each level per step, less the `reserved` ones the
    step prints itself; findings on changed lines go first, then errors before warnings."""
    order = sorted(candidates, key=lambda index: (not changed[index], LEVEL_ORDER[findings[index]["severity"]], index))
    room = {level: ANNOTATIONS_PER_LEVEL - reserved.get(level, 0) for level in LEVEL_ORDER}
    chosen = []
    for index in order:
        level = findings[index]["severity"]
        if room[level] > 0:
            room[level] -= 1
            chosen.append(index)
    return sorted(chosen)


# --- The whole report ---------------------------------------------------------------------


class Options:
    def __init__(self, review, check_run, max_comments, token, fail_on_findings):
        self.review, self.check_run, self.max_comments = review, check_run, max_comments
        self.token, self.fail_on_findings = token, fail_on_findings


class Report:
    """Where each finding was shown, for the step summary."""

    def __init__(self, count):
        self.review = [None] * count  # per finding: posted, present, capped or None
        self.check_run = None  # the check run's URL once every finding is attached to it
        self.annotated = []  # the findings to annotate with workflow commands
        self.warnings = []  # what could not be posted, and why
        self.notes = []  # for the log and the step summary


def publish(findings, options, event_name, payload, changed_only):
    """Posts the review and the check run as the options ask, chooses the findings to
    annotate with workflow commands, and returns the `Report`."""
    report = Report(len(findings))
    warnings = []
    root = repository_root()
    paths = [repository_path(finding["filename"], root) for finding in findings]
    pull_request = payload.get("pull_request") or {}
    head_sha = (pull_request.get("head") or {}).get("sha") or os.environ.get("GITHUB_SHA", "")
    diff = None
    if pull_request and (options.review or not changed_only):
        base_sha = (pull_request.get("base") or {}).get("sha")
        diff = pull_request_diff(base_sha, head_sha) if base_sha and head_sha else None
    api = None
    if options.review or options.check_run:
        repository, api_url = os.environ.get("GITHUB_REPOSITORY", ""), os.environ.get("GITHUB_API_URL", "")
        if options.token and repository and api_url:
            api = GitHub(api_url, options.token, repository)
        else:
            warnings.append("no token, $GITHUB_REPOSITORY or $GITHUB_API_URL: nothing is posted to GitHub")

    if options.review and api and any("fingerprint" not in finding for finding in findings):
        warnings.append("this aioguard's JSON output has no fingerprints, which a review needs: no review")
    elif options.review and api:
        number = payload.get("number") or pull_request.get("number")
        if not number:
            print(f"aioguard: `review` needs a pull request; a `{event_name}` event has none")
        elif diff is None:
            warnings.append(f"the pull request's head {head_sha} or base is not in the checkout: no review")
        else:
            review(api, number, head_sha, findings, paths, root, diff, options.max_comments, report, warnings)

    if options.check_run and api:
        conclusion = "failure" if findings and options.fail_on_findings else ("neutral" if findings else "success")
        try:
            run = post_check_run(api, head_sha, findings, paths, conclusion)
            report.check_run = run.get("html_url") or api.url(f"/check-runs/{run['id']}")
        except ApiError as error:
            warnings.append(f"could not create the check run ({error}); it needs `checks: write`")

    report.warnings = [f"{warning}; the findings are annotated and in the step summary" for warning in warnings]
    if report.check_run:
        report.notes.append(f"Every finding is attached to the check run [aioguard]({report.check_run}) as an annotation.")
        return report
    shown = {"posted", "present"}
    candidates = [index for index in range(len(findings)) if report.review[index] not in shown]
    changed = [
        changed_only or bool(diff and diff.changes(path, f["location"]["row"], f["end_location"]["row"]))
        for f, path in zip(findings, paths)
    ]
    report.annotated = choose_annotations(findings, candidates, changed, {"warning": len(warnings)})
    left = len(candidates) - len(report.annotated)
    if left:
        note = (
            f"{left} more finding{'s are' if left != 1 else ' is'} not annotated: GitHub shows "
            f"{ANNOTATIONS_PER_LEVEL} annotations of each level per step. The step summary lists every finding; "
            "`check-run: true` annotates them all"
        )
        report.notes.append(f"{note}.")
    return report


def review(api, number, head_sha, findings, paths, root, diff, limit, report, warnings):
    """Posts the review comments; notes in `report` what each finding got."""
    heads = {}
    for path in sorted(set(paths)):
        head_text = git("show", f"{head_sha}:{path}")
        try:
            with open(os.path.join(root, path), encoding="utf-8", newline="") as file:
                checked = file.read()
        except (OSError, UnicodeDecodeError):
            checked = None
        if head_text is not None and head_text == checked:
            heads[path] = HeadFile(head_text, diff)
        elif head_text is not None:
            print(f"aioguard: {path} differs from the pull request's head: its findings are not commented")
    try:
        existing = existing_markers(api.paginate(f"/pulls/{number}/comments"))
    except ApiError as error:
        warnings.append(f"could not read the review comments ({error}): no review")
        return
    comments, report.review = plan_review(findings, paths, heads, existing, limit)
    total = sum(1 for status in report.review if status is not None)
    posted, error = post_review(api, number, head_sha, comments, total)
    if error:
        warnings.append(f"could not post the review ({error}); a pull request from a fork has a read-only token")
        # What was not posted falls back to annotations.
        finding_comments = [comment.marker for comment in comments[posted:]]
        for index, finding in enumerate(findings):
            if report.review[index] == "posted" and finding["fingerprint"] in finding_comments:
                report.review[index] = None
    present = report.review.count("present")
    capped = report.review.count("capped")
    note = f"Review: {report.review.count('posted')} comment{'s' if report.review.count('posted') != 1 else ''} posted"
    if present:
        note += f", {present} already there from an earlier run"
    if capped:
        note += f"; {capped} more past `max-review-comments` ({limit}) are left to the annotations"
    report.notes.append(f"{note}.")


def repository_root():
    root = git("rev-parse", "--show-toplevel")
    return os.path.realpath(root.strip()) if root else os.getcwd()


def repository_path(filename, root):
    """A finding's file relative to the repository root, with `/` separators."""
    relative = os.path.relpath(os.path.realpath(filename), root)
    return filename if relative.startswith("..") else relative.replace(os.sep, "/")
