//! The action's pull-request review and check run, against a stand-in for GitHub's API
//! (`github_api.py`) that checks every request against GitHub's OpenAPI description
//! (`@octokit/openapi`), on pull request events taken from `@octokit/webhooks-examples`
//! and checked against `@octokit/webhooks-schemas`. The posted suggestions, applied as
//! GitHub applies them, must give what `aioguard check --fix` gives.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::action::{HEAD_BRANCH, Runner, assert_nothing_ran};
use crate::common::{Repo, aioguard, manifest_dir, run_ok, tool};

const OCTOKIT: &str = "node_modules/@octokit";
const TOKEN: &str = "t0ken";
const REPOSITORY: &str = "Codertocat/Hello-World";

/// The stand-in API, running until dropped.
pub struct Api {
    child: Child,
    state: tempfile::TempDir,
    pub url: String,
}

impl Api {
    /// Starts the stand-in with `scenario` (see github_api.py).
    pub fn start(scenario: Value) -> Self {
        let state = tempfile::tempdir().unwrap();
        std::fs::write(state.path().join("scenario.json"), scenario.to_string()).unwrap();
        let mut child = Command::new(tool("venv/bin/python"))
            .arg(manifest_dir().join("tests/ci/github_api.py"))
            .arg("serve")
            .arg(tool(&format!("{OCTOKIT}/openapi/generated/api.github.com.json")))
            .arg(state.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut port = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut port).unwrap();
        let port: u16 = port.trim().parse().unwrap_or_else(|_| panic!("the stand-in did not start: {port:?}"));
        Api { child, state, url: format!("http://127.0.0.1:{port}/api/v3") }
    }

    /// Every request so far, with the problems found in it.
    fn log(&self) -> Vec<Value> {
        let log = std::fs::read_to_string(self.state.path().join("requests.jsonl")).unwrap_or_default();
        log.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    }

    /// Every request so far, each asserted free of problems against GitHub's description.
    pub fn requests(&self) -> Vec<Value> {
        let requests = self.log();
        for request in &requests {
            let problems = request["problems"].as_array().unwrap();
            assert!(problems.is_empty(), "{} {}: {problems:#?}", request["method"], request["path"]);
        }
        requests
    }

    pub fn operations(&self) -> Vec<(String, u64)> {
        self.requests()
            .iter()
            .map(|request| (request["operation"].as_str().unwrap().to_owned(), request["status"].as_u64().unwrap()))
            .collect()
    }

    /// The review comments posted, in order.
    pub fn comments(&self) -> Vec<Value> {
        self.requests()
            .iter()
            .filter(|request| request["operation"] == "pulls/create-review" && request["status"] == 200)
            .flat_map(|request| request["body"]["comments"].as_array().unwrap().clone())
            .collect()
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `pull_request` event of GitHub's own examples, about this base and head, checked
/// against the webhook schema.
pub fn pull_request_event(base: &str, head: &str, base_ref: &str, head_ref: &str) -> Value {
    let examples: Value = serde_json::from_str(
        &std::fs::read_to_string(tool(&format!("{OCTOKIT}/webhooks-examples/api.github.com/index.json"))).unwrap(),
    )
    .unwrap();
    let event = examples.as_array().unwrap().iter().find(|event| event["name"] == "pull_request").unwrap();
    // The newest example: older ones lack fields the schema has since made required.
    let newest = event["examples"].as_array().unwrap().iter().rev().find(|example| example["action"] == "opened");
    let mut payload = newest.unwrap().clone();
    payload["number"] = json!(7);
    let pull_request = &mut payload["pull_request"];
    pull_request["number"] = json!(7);
    pull_request["base"]["sha"] = json!(base);
    pull_request["base"]["ref"] = json!(base_ref);
    pull_request["head"]["sha"] = json!(head);
    pull_request["head"]["ref"] = json!(head_ref);
    assert_eq!(payload["repository"]["full_name"], REPOSITORY);

    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), payload.to_string()).unwrap();
    run_ok(
        Command::new(tool("venv/bin/python"))
            .arg(manifest_dir().join("tests/ci/github_api.py"))
            .arg("validate-event")
            .arg(tool(&format!("{OCTOKIT}/webhooks-schemas/schema.json")))
            .arg("pull_request$opened")
            .arg(file.path()),
    );
    payload
}

/// A pull request on `main` holding `base_files` that writes `head_files`, its review API played by `api`.
fn pull_request(base_files: &[(&str, &str)], head_files: &[(&str, &str)], api: &Api) -> Runner {
    let repo = Repo::new();
    for (name, text) in base_files {
        repo.write(name, text);
    }
    let base = repo.commit_all("base");
    repo.git(&["checkout", "--quiet", "-b", HEAD_BRANCH]);
    for (name, text) in head_files {
        repo.write(name, text);
    }
    let head = repo.commit_all("the pull request");
    let payload = pull_request_event(&base, &head, "main", HEAD_BRANCH);
    let mut runner = Runner::new(repo, "pull_request", payload);
    runner.api_url = api.url.clone();
    runner
}

fn log(output: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// `lines` (1-based, inclusive) of `text` replaced by `replacement`, as GitHub commits a suggestion.
fn replace_lines(text: &str, first: usize, last: usize, replacement: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut result: String = lines[..first - 1].concat();
    result.push_str(replacement);
    result.push('\n');
    result.push_str(&lines[last..].concat());
    result
}

/// The text of the comment's ```suggestion block.
fn suggestion(body: &str) -> Option<String> {
    let start = body.find("```suggestion\n")? + "```suggestion\n".len();
    let end = body[start..].find("\n```")?;
    Some(body[start..start + end].to_owned())
}

/// Applies the comments' suggestions to `path`'s text, bottom first.
fn apply_suggestions(text: &str, comments: &[&Value]) -> String {
    let mut located: Vec<(usize, usize, String)> = comments
        .iter()
        .filter_map(|comment| {
            let last = comment["line"].as_u64()? as usize;
            let first = comment["start_line"].as_u64().map_or(last, |first| first as usize);
            Some((first, last, suggestion(comment["body"].as_str()?)?))
        })
        .collect();
    located.sort_by_key(|(first, _, _)| std::cmp::Reverse(*first));
    located
        .iter()
        .fold(text.to_owned(), |text, (first, last, replacement)| replace_lines(&text, *first, *last, replacement))
}

/// What `aioguard check --fix --unsafe-fixes` makes of `path`, in a copy of the repository.
fn fixed_by_aioguard(runner: &Runner, path: &str) -> String {
    let copy = tempfile::tempdir().unwrap();
    run_ok(Command::new("cp").arg("-a").arg(format!("{}/.", runner.repo.path().display())).arg(copy.path()));
    aioguard(copy.path(), &["check", "--fix", "--unsafe-fixes", path]);
    std::fs::read_to_string(copy.path().join(path)).unwrap()
}

const APP: &str = "import time\n\n\nasync def old():\n    time.sleep(1)\n";
/// A new module with findings whose fixes are safe and unsafe, on one line and on several,
/// and that need `import asyncio` at the top. `time` stays in use after fixing: an import
/// the fixes leave unused is removed by `--fix` as a whole, not by a finding's suggestion.
const NEW_MODULE: &str = "\
import requests
import time


async def notify(user):
    return time.monotonic()


async def signup(user):
    time.sleep(0.5)
    notify(user)
    response = requests.post(
        \"https://example.com/users\",
        json=user,
    )
    return response
";
/// Git quotes this name in diffs.
const NEW_MODULE_PATH: &str = "app/sign \"up\"\tü.py";

/// A pull request that appends a coroutine with a finding to app.py (whose sync function
/// may block) and adds NEW_MODULE_PATH.
fn review_scenario(scenario: Value) -> (Api, Runner) {
    let api = Api::start(scenario);
    let app = "import time\n\n\ndef old():\n    time.sleep(1)\n";
    let appended = format!("{app}\n\nasync def newer():\n    time.sleep(2)\n");
    let runner = pull_request(&[("app.py", app)], &[("app.py", &appended), (NEW_MODULE_PATH, NEW_MODULE)], &api);
    (api, runner)
}

const REVIEW: &[(&str, &str)] = &[("review", "true"), ("github-token", TOKEN)];

#[test]
fn a_review_suggests_the_fixes_that_aioguard_applies_and_is_not_repeated() {
    let (api, runner) = review_scenario(json!({"page_size": 2}));
    let output = runner.run_step("check", REVIEW, &[]);
    assert_eq!(output.status.code(), Some(1), "the findings decide the status:\n{}", log(&output));
    let json_output = aioguard(runner.repo.path(), &["check", "--output-format", "json", "app.py", NEW_MODULE_PATH]);
    let findings: Vec<Value> = serde_json::from_slice(&json_output.stdout).unwrap();
    assert_eq!(findings.len(), 4, "{findings:#?}");

    let operations = api.operations();
    assert_eq!(operations, [("pulls/list-review-comments".to_owned(), 200), ("pulls/create-review".to_owned(), 200)]);
    let review = api.requests().into_iter().find(|request| request["operation"] == "pulls/create-review").unwrap();
    assert_eq!(review["path"], format!("/api/v3/repos/{REPOSITORY}/pulls/7/reviews"));
    assert_eq!(review["body"]["event"], "COMMENT");
    assert_eq!(review["body"]["commit_id"], runner.payload["pull_request"]["head"]["sha"]);
    let comments = api.comments();
    // A comment per finding of the pull request, and one for the import the new module needs.
    assert_eq!(comments.len(), 5, "{comments:#?}");
    for finding in &findings {
        let marker = format!("<!-- aioguard fingerprint: {} -->", finding["fingerprint"].as_str().unwrap());
        let comment = comments.iter().find(|comment| comment["body"].as_str().unwrap().contains(&marker));
        let comment = comment.unwrap_or_else(|| panic!("no comment for {finding:#}"));
        assert_eq!(comment["line"], finding["end_location"]["row"]);
        assert_eq!(comment["side"], "RIGHT");
        let body = comment["body"].as_str().unwrap();
        assert!(body.contains(finding["message"].as_str().unwrap()), "{body}");
        assert!(body.contains(&format!("]({})", finding["url"].as_str().unwrap())), "{body}");
        assert!(suggestion(body).is_some(), "every fix here has a suggestion: {body}");
        if finding["fix"]["applicability"] == "unsafe" {
            assert!(body.contains("(**unsafe**: it may change what the program does)"), "{body}");
        }
    }
    let multiline = comments.iter().find(|comment| comment["start_line"].is_u64()).expect("a comment on several lines");
    assert_eq!((multiline["start_line"].as_u64(), multiline["line"].as_u64()), (Some(12), Some(15)));

    // Applying the new module's suggestions, as GitHub commits them, gives aioguard's fix.
    let head_text = std::fs::read_to_string(runner.repo.path().join(NEW_MODULE_PATH)).unwrap();
    let in_module: Vec<&Value> = comments.iter().filter(|comment| comment["path"] == NEW_MODULE_PATH).collect();
    assert_eq!(apply_suggestions(&head_text, &in_module), fixed_by_aioguard(&runner, NEW_MODULE_PATH));
    // In app.py the import's line is not in the diff: the comment says what to add where.
    let in_app: Vec<&Value> = comments.iter().filter(|comment| comment["path"] == "app.py").collect();
    assert_eq!(in_app.len(), 1);
    let body = in_app[0]["body"].as_str().unwrap();
    // `import asyncio` sorts before `import time`, on line 1.
    let note = "It also adds `import asyncio` at line 1 (not in this diff: `aioguard check --fix` adds it).";
    assert!(body.contains(note), "{body}");
    let app_text = std::fs::read_to_string(runner.repo.path().join("app.py")).unwrap();
    let with_import = replace_lines(&apply_suggestions(&app_text, &in_app), 1, 0, "import asyncio");
    assert_eq!(with_import, fixed_by_aioguard(&runner, "app.py"));

    // The README shows one of these comments as GitHub renders it.
    let example = comments.iter().find(|comment| comment["line"] == 10).unwrap()["body"].as_str().unwrap().to_owned();
    assert_eq!(readme_comment(), example);

    let summary = runner.summary();
    assert!(summary.contains("Review: 4 comments posted."), "{summary}");
    assert_eq!(summary.matches("| review comment |").count(), 4, "{summary}");

    // A re-run reads the comments (two pages) and posts nothing new.
    let output = runner.run_step("check", REVIEW, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", log(&output));
    let rerun = &api.operations()[operations.len()..];
    assert!(rerun.len() >= 3, "the five comments come two a page: {rerun:?}");
    assert!(rerun.iter().all(|(operation, _)| operation == "pulls/list-review-comments"), "{rerun:?}");
    assert!(runner.summary().contains("Review: 0 comments posted, 4 already there from an earlier run."));
    assert!(!String::from_utf8_lossy(&output.stdout).contains("::error"), "commented findings are not annotated");
    assert_nothing_ran(&runner);
}

/// The review comment the README shows: the blockquote after `<!-- review-comment -->`.
fn readme_comment() -> String {
    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).unwrap();
    let marker = "<!-- review-comment -->\n";
    let after = &readme[readme.find(marker).expect("README.md shows a review comment") + marker.len()..];
    let quoted: Vec<&str> = after.lines().take_while(|line| line.starts_with('>')).collect();
    quoted
        .iter()
        .map(|line| line.strip_prefix("> ").unwrap_or(line.trim_start_matches('>')))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_read_only_token_falls_back_to_annotations_and_the_summary() {
    let forbidden = json!({"message": "Resource not accessible by integration", "status": "403"});
    let (api, runner) =
        review_scenario(json!({"faults": [{"operation": "pulls/create-review", "status": 403, "body": forbidden}]}));
    let output = runner.run_step("check", REVIEW, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{}", log(&output));
    assert!(
        stdout.contains(&format!(
            "::warning title=aioguard::could not post the review (POST /api/v3/repos/{REPOSITORY}/pulls/7/reviews: \
             403 Resource not accessible by integration); a pull request from a fork has a read-only token"
        )),
        "{stdout}"
    );
    assert_eq!(stdout.lines().filter(|line| line.starts_with("::error title=AG")).count(), 4, "{stdout}");
    assert_eq!(runner.summary().matches("| annotation |").count(), 4, "{}", runner.summary());
    assert_eq!(api.operations().last().unwrap(), &("pulls/create-review".to_owned(), 403), "not retried");
}

#[test]
fn server_errors_and_rate_limits_are_retried_after_the_time_they_ask_for() {
    let rate_limited = json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes."});
    let api = Api::start(json!({"faults": [
        {"operation": "pulls/list-review-comments", "status": 403, "headers": {"Retry-After": "0"}, "body": rate_limited},
        {"operation": "pulls/create-review", "status": 502, "headers": {"Retry-After": "1"}, "body": {"message": "Server Error"}},
    ]}));
    let runner = pull_request(&[("app.py", APP)], &[(NEW_MODULE_PATH, NEW_MODULE)], &api);
    let output = runner.run_step("check", REVIEW, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", log(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("403 You have exceeded a secondary rate limit. Please wait a few minutes.; retrying in 0 s")
    );
    assert!(stdout.contains("502 Server Error; retrying in 1 s"), "{stdout}");
    let statuses: Vec<u64> = api.operations().into_iter().map(|(_, status)| status).collect();
    assert_eq!(statuses, [403, 200, 502, 200], "each retried once");
    assert_eq!(api.comments().len(), 4);
}

/// Sends one request to the stand-in; its status.
fn send(api: &Api, method: &str, path: &str, body: &Value, authorized: bool) -> u16 {
    use std::io::{Read, Write};
    let address = api.url.trim_start_matches("http://").split('/').next().unwrap().to_owned();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    let body = body.to_string();
    let authorization = if authorized { "Authorization: Bearer x\r\n" } else { "" };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{authorization}Accept: application/vnd.github+json\r\n\
         X-GitHub-Api-Version: 2022-11-28\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn the_stand_in_refuses_what_github_refuses() {
    let api = Api::start(json!({}));
    let reviews = format!("/api/v3/repos/{REPOSITORY}/pulls/7/reviews");
    let check_run = format!("/api/v3/repos/{REPOSITORY}/check-runs/1");
    let comment = |extra: Value| {
        let mut comment = json!({"path": "a.py", "body": "c"});
        comment.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({"event": "COMMENT", "body": "b", "comments": [comment]})
    };
    let annotations = |count: usize, last_line: u64| {
        let annotation = json!({"path": "a.py", "start_line": 1, "end_line": last_line, "start_column": 1,
                                "end_column": 2, "annotation_level": "failure", "message": "m"});
        json!({"output": {"title": "t", "summary": "s", "annotations": vec![annotation; count]}})
    };
    let cases = [
        ("POST", reviews.clone(), comment(json!({"line": "1"})), true, "body/comments/0/line"),
        ("POST", reviews.clone(), comment(json!({"line": 2, "start_line": 3})), true, "`start_line` must come before"),
        ("POST", reviews.clone(), comment(json!({"line": 2})), false, "Authorization"),
        ("POST", reviews.replace("/7/", "/seven/"), comment(json!({"line": 2})), true, "not an integer"),
        ("PATCH", check_run.clone(), annotations(51, 1), true, "is too long"),
        ("PATCH", check_run.clone(), annotations(1, 2), true, "columns on an annotation of several lines"),
        ("PATCH", check_run.replace("/api/v3", ""), annotations(1, 1), true, "not under the API's base"),
        ("PUT", reviews.clone(), json!({}), true, "no operation PUT"),
    ];
    for (index, (method, path, body, authorized, problem)) in cases.iter().enumerate() {
        assert_eq!(send(&api, method, path, body, *authorized), 422, "{method} {path} {body}");
        let problems = api.log()[index]["problems"].to_string();
        assert!(problems.contains(problem), "{method} {path}: no `{problem}` in {problems}");
    }
}

/// A module whose coroutine calls `time.sleep` `count` times, one finding a line.
fn many_findings(count: usize) -> String {
    format!("import time\n\n\nasync def slow():\n{}", "    time.sleep(1)\n".repeat(count))
}

#[test]
fn past_the_annotation_limit_the_rest_is_counted_and_every_finding_summarised() {
    let api = Api::start(json!({}));
    let runner = pull_request(&[("app.py", APP)], &[("lib/slow.py", &many_findings(35))], &api);
    let output = runner.run_step("check", &[], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", log(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().filter(|line| line.starts_with("::error ")).count(), 10, "{stdout}");
    let note = "25 more findings are not annotated: GitHub shows 10 annotations of each level per step.";
    assert!(stdout.contains(note), "{stdout}");
    let summary = runner.summary();
    assert!(summary.contains(note), "{summary}");
    assert_eq!(summary.matches("| <code>lib/slow.py</code> |").count(), 35, "{summary}");
    let head = runner.payload["pull_request"]["head"]["sha"].as_str().unwrap();
    assert!(summary.contains(&format!("| [9](https://github.test/{REPOSITORY}/blob/{head}/lib/slow.py#L9) |")));
    assert!(api.requests().is_empty(), "nothing was asked of the API");

    // With every finding reported, the changed lines' findings take the annotations.
    let output = runner.run_step("check", &[("changed-only", "false")], &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let annotated: Vec<&str> = stdout.lines().filter(|line| line.starts_with("::error ")).collect();
    assert_eq!(annotated.len(), 10);
    assert!(annotated.iter().all(|line| line.contains("file=lib/slow.py")), "{stdout}");
    assert!(stdout.contains("26 more findings are not annotated"), "{stdout}");
}

#[test]
fn a_large_review_comes_in_batches_and_stops_at_the_cap() {
    let api = Api::start(json!({}));
    let runner = pull_request(&[("app.py", APP)], &[("lib/slow.py", &many_findings(60))], &api);
    let output = runner.run_step("check", REVIEW, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", log(&output));
    let reviews: Vec<usize> = api
        .requests()
        .iter()
        .filter(|request| request["operation"] == "pulls/create-review")
        .map(|request| request["body"]["comments"].as_array().unwrap().len())
        .collect();
    // 50 findings, and the import their fixes add.
    assert_eq!(reviews, [20, 20, 11]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let annotated: Vec<&str> = stdout.lines().filter(|line| line.starts_with("::error ")).collect();
    assert_eq!(annotated.len(), 10, "the findings past the cap are annotated:\n{stdout}");
    assert!(annotated[0].contains(",line=55,"), "{}", annotated[0]);
    let summary = runner.summary();
    assert!(
        summary.contains(
            "Review: 50 comments posted; 10 more past `max-review-comments` (50) are left to the annotations."
        )
    );
    assert_eq!(summary.matches("| review comment |").count(), 50);
    assert_eq!(summary.matches("| annotation |").count(), 10);
}

#[test]
fn a_check_run_carries_every_finding_in_updates_of_fifty() {
    let api = Api::start(json!({}));
    let runner = pull_request(&[("app.py", APP)], &[("lib/slow.py", &many_findings(120))], &api);
    let output = runner.run_step("check", &[("check-run", "true"), ("github-token", TOKEN)], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", log(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("::error "), "the check run holds the annotations:\n{stdout}");

    let requests = api.requests();
    let operations: Vec<&str> = requests.iter().map(|request| request["operation"].as_str().unwrap()).collect();
    assert_eq!(operations, ["checks/create", "checks/update", "checks/update", "checks/update"]);
    let head = runner.payload["pull_request"]["head"]["sha"].as_str().unwrap();
    assert_eq!(requests[0]["body"]["head_sha"], head);
    assert_eq!(requests[0]["body"]["name"], "aioguard");
    let updates = &requests[1..];
    let sizes: Vec<usize> =
        updates.iter().map(|update| update["body"]["output"]["annotations"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [50, 50, 20]);
    assert_eq!(updates[2]["body"]["conclusion"], "failure");
    assert!(updates[..2].iter().all(|update| update["body"].get("conclusion").is_none()));
    let rows: Vec<u64> = updates
        .iter()
        .flat_map(|update| update["body"]["output"]["annotations"].as_array().unwrap().clone())
        .map(|annotation| annotation["start_line"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, (5..125).collect::<Vec<u64>>(), "every finding, once");
    assert_eq!(updates[0]["path"], format!("/api/v3/repos/{REPOSITORY}/check-runs/1"));
    let summary = runner.summary();
    assert_eq!(summary.matches("| check run |").count(), 120);
    assert!(summary.contains("attached to the check run [aioguard](https://github.test/runs/1)"), "{summary}");
}

#[test]
fn without_checks_permission_the_check_run_falls_back_to_annotations() {
    let forbidden = json!({"message": "Resource not accessible by integration"});
    let api = Api::start(json!({"faults": [{"operation": "checks/create", "status": 403, "body": forbidden}]}));
    let runner = pull_request(&[("app.py", APP)], &[("lib/slow.py", &many_findings(3))], &api);
    let output = runner.run_step("check", &[("check-run", "true"), ("github-token", TOKEN)], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", log(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("::warning title=aioguard::could not create the check run"), "{stdout}");
    assert_eq!(stdout.lines().filter(|line| line.starts_with("::error ")).count(), 3, "{stdout}");
}
