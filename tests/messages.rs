//! The text of the messages: they name the call, the enclosing `async def` and what to
//! use instead, in the async library the module uses (the fixtures check only codes).

use std::path::PathBuf;

use aioguard::data::catalogue::Cost;
use aioguard::data::config::{Options, Overrides, Settings};
use aioguard::data::diagnostic::Diagnostic;
use aioguard::driver::linter;

fn settings(options: Options) -> Settings {
    Settings::new(options, PathBuf::from("."), None, &Overrides::default()).unwrap()
}

/// The diagnostics reported for `source`, in order.
fn diagnostics_with(source: &str, settings: &Settings) -> Vec<Diagnostic> {
    let mut diagnostics = linter::check_text(source, settings, settings.rules, None);
    diagnostics.sort_by_key(|diagnostic| diagnostic.range.start());
    diagnostics
}

/// The messages reported for `source`, in order.
fn messages_with(source: &str, settings: &Settings) -> Vec<String> {
    diagnostics_with(source, settings).into_iter().map(|diagnostic| diagnostic.message).collect()
}

fn messages(source: &str) -> Vec<String> {
    messages_with(source, &settings(Options::default()))
}

const BLOCKING_BODY: &str = r#"
async def poll(path, url):
    time.sleep(1)
    requests.get(url)
    socket.getaddrinfo(url, 443)
"#;

#[test]
fn asyncio_modules_are_told_the_asyncio_way() {
    let found = messages(&format!("import asyncio, time, requests, socket\n{BLOCKING_BODY}"));
    assert_eq!(
        found,
        [
            "`time.sleep()` blocks the event loop in `async def poll`; use `await asyncio.sleep()`",
            "`requests.get()` blocks the event loop in `async def poll`; run it in a thread with `await asyncio.to_thread()`",
            "`socket.getaddrinfo()` blocks the event loop in `async def poll`; use `await asyncio.get_running_loop().getaddrinfo()`",
        ]
    );
}

#[test]
fn trio_modules_are_told_the_trio_way() {
    let found = messages(&format!("import time, requests, socket\nimport trio\n{BLOCKING_BODY}"));
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].ends_with("use `await trio.sleep()`"), "{}", found[0]);
    assert!(found[1].ends_with("run it in a thread with `await trio.to_thread.run_sync()`"), "{}", found[1]);
    assert!(found[2].ends_with("use `await trio.socket.getaddrinfo()`"), "{}", found[2]);
    assert!(found.iter().all(|message| !message.contains("asyncio")), "{found:#?}");
}

#[test]
fn anyio_modules_are_told_the_anyio_way() {
    let found =
        messages(&format!("import time, requests, socket\nfrom anyio import create_task_group\n{BLOCKING_BODY}"));
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].ends_with("use `await anyio.sleep()`"), "{}", found[0]);
    assert!(found[1].ends_with("`await anyio.to_thread.run_sync()`"), "{}", found[1]);
}

#[test]
fn the_configured_library_overrides_detection() {
    let options: Options = serde_yaml::from_str("async-library: trio").unwrap();
    let found = messages_with(&format!("import time, requests, socket\n{BLOCKING_BODY}"), &settings(options));
    assert!(found[0].ends_with("use `await trio.sleep()`"), "{}", found[0]);
}

#[test]
fn messages_name_the_alternative_from_the_catalogue() {
    let found = messages(
        r#"
import subprocess, threading
lock = threading.Lock()

def build():
    with lock:
        subprocess.run(["make"])

async def deploy():
    subprocess.run(["make"])
    with lock:
        pass
"#,
    );
    assert_eq!(
        found,
        [
            "`subprocess.run()` blocks the event loop in `async def deploy`; use `asyncio.create_subprocess_exec()`, or run it in a thread with `await asyncio.to_thread()`",
            "`with lock:` waits for a `threading.Lock` and blocks the event loop in `async def deploy`; use `asyncio.Lock` with `async with`",
        ]
    );
}

#[test]
fn configured_calls_carry_their_message() {
    let options: Options =
        serde_yaml::from_str("extend-blocking-calls:\n  legacy_db.query: \"`legacy_db.aquery()`\"\n").unwrap();
    let found = messages_with("import legacy_db\n\nasync def handle():\n    legacy_db.query()\n", &settings(options));
    assert_eq!(
        found,
        [
            "`legacy_db.query()` blocks the event loop in `async def handle`; use `legacy_db.aquery()`, or run it in a thread with `await asyncio.to_thread()`"
        ]
    );
}

/// A chain of calls is named by its callee: short, as written; too long for a message,
/// with each call's arguments (and each index) shortened as a whole, never cut inside a
/// bracket or a string. The chain is reported once, at its first call that blocks.
#[test]
fn long_callees_are_shortened_by_whole_arguments() {
    let source = r#"
import sqlite3
from pathlib import Path


class Orders:
    def __init__(self, path):
        self.conn = sqlite3.connect(path)

    async def status(self, order_id):
        row = self.conn.execute("SELECT id, status, total FROM orders WHERE id = ?", (order_id,)).fetchone()
        Path("/srv/data/orders/archive/of/the/year").joinpath("2026", "december", "orders.json").exists()
        self.conn.cursor().execute("SELECT 1")
        return row
"#;
    let found = messages(source);
    let callees: Vec<&str> = found.iter().map(|message| message.split(" blocks ").next().unwrap()).collect();
    assert_eq!(callees, ["`self.conn.execute()`", "`Path(…).joinpath(…).exists()`", "`self.conn.cursor().execute()`"]);
}

#[test]
fn task_and_coroutine_messages_name_what_the_user_wrote() {
    let source = r#"
import asyncio
import tempfile


class Store:
    async def save(self):
        pass

    async def close(self):
        self.save()


async def notify(event):
    await event.wait()


async def run(event):
    asyncio.create_task(notify(event))
    tempfile.mkdtemp()
"#;
    let settings = settings(Options::default());
    let diagnostics = linter::check_text(source, &settings, settings.rules, None);
    let found: Vec<(&str, &str, Option<&str>)> = diagnostics
        .iter()
        .map(|diagnostic| {
            let fix = diagnostic.fix.as_ref().map(|fix| fix.message.as_str());
            (diagnostic.rule.code, diagnostic.message.as_str(), fix)
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "AG202",
                "`self.save()` is an `async def` called without `await`: the coroutine is created and dropped, and its body never runs",
                Some("Insert `await`"),
            ),
            (
                "AG201",
                "the task from `asyncio.create_task()` is dropped; keep a reference to it (a set of background tasks, or a `TaskGroup`) or it can be garbage-collected before it finishes",
                Some("Keep a reference to the task in a new module-level set, `_background_tasks`"),
            ),
            (
                "AG105",
                "`tempfile.mkdtemp()` blocks the event loop in `async def run`; run it in a thread with `await asyncio.to_thread()`",
                Some("Run `tempfile.mkdtemp` in a worker thread with `await asyncio.to_thread()`"),
            ),
        ]
    );
}

#[test]
fn get_event_loop_is_a_style_rule_off_by_default_with_its_real_reason() {
    let source = "import asyncio\n\n\nasync def main():\n    return asyncio.get_event_loop()\n";
    assert_eq!(messages(source), Vec::<String>::new(), "not in the default selection");
    let options: Options = serde_yaml::from_str("select: [AG204]").unwrap();
    assert_eq!(
        messages_with(source, &settings(options)),
        [
            "`asyncio.get_event_loop()` in `async def main`: use `asyncio.get_running_loop()`, which says that the running loop is meant (`get_event_loop()` is deprecated where no loop runs)"
        ]
    );
}

#[test]
fn findings_without_a_fix_say_why() {
    let source = r#"
import threading
import time

lock = threading.Lock()


def reload():
    with lock:
        time.sleep(1)


class Poller:
    def _wait(self):
        time.sleep(1)

    async def poll(self, path, queue):
        self._wait()
        with lock:
            pass
        with open(path) as handle:
            await queue.put(handle.read())
        return open(path).read()
"#;
    let settings = settings(Options::default());
    let diagnostics = linter::check_text(source, &settings, settings.rules, None);
    let reasons: Vec<(&str, Option<&str>)> =
        diagnostics.iter().map(|diagnostic| (diagnostic.rule.code, diagnostic.no_fix_reason.as_deref())).collect();
    assert_eq!(
        reasons,
        [
            (
                "AG110",
                Some(
                    "`self._wait()` is called on an object whose class has `async def` methods, so the event loop shares its state: it stays on the loop's thread"
                )
            ),
            (
                "AG108",
                Some("the lock is shared with code outside this coroutine: changing its kind is a design change")
            ),
            ("AG104", Some("the `with` body contains `await`")),
            (
                "AG104",
                Some(
                    "the stream is used in the same expression: offloading the call alone would leave that on the loop"
                )
            ),
        ]
    );
    assert!(diagnostics.iter().all(|diagnostic| diagnostic.fix.is_none()));
}

/// A helper that may not move to a worker thread says the one reason that holds for it,
/// naming what it reaches: a call that needs the loop's thread, an object of a library
/// that may not change threads (here only, `sqlite3`), a coroutine it creates, or a
/// class whose state the loop shares.
#[test]
fn a_helper_kept_on_the_loop_says_its_own_reason() {
    let source = r#"
import asyncio
import sqlite3
import time

conn = sqlite3.connect("app.db")


def schedule(callback):
    time.sleep(0.1)
    asyncio.get_running_loop().call_soon(callback)


def count_rows():
    return conn.execute("SELECT count(*) FROM orders")


def count_again():
    return count_rows()


async def notify():
    pass


def start_notify():
    time.sleep(0.1)
    notify()


class Service:
    def __init__(self):
        time.sleep(0.1)

    async def run(self):
        pass


def plain():
    time.sleep(0.1)


async def main(callback):
    schedule(callback)
    count_rows()
    count_again()
    start_notify()
    Service()
    plain()
"#;
    let settings = settings(Options::default());
    let diagnostics = diagnostics_with(source, &settings);
    let reasons: Vec<Option<&str>> = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.rule.code == "AG110")
        .map(|diagnostic| diagnostic.no_fix_reason.as_deref())
        .collect();
    let sqlite = "the helper reaches `conn.execute()`, and `sqlite3` objects may not be used from another thread: it stays on the loop's thread";
    assert_eq!(
        reasons,
        [
            Some(
                "the helper reaches `asyncio.get_running_loop().call_soon()`, which must run on the event loop's thread: it stays on the loop's thread"
            ),
            Some(sqlite),
            Some(sqlite),
            Some(
                "the helper calls `async def notify`, whose coroutine needs the event loop: it stays on the loop's thread"
            ),
            Some(
                "`Service()` makes an object whose class has `async def` methods, so the event loop shares its state: it stays on the loop's thread"
            ),
            None,
        ]
    );
}

#[test]
fn cpu_heavy_calls_say_what_they_cost() {
    let found = messages(
        r#"
import bcrypt
from django.contrib.auth.hashers import check_password

async def login(password, stored):
    return bcrypt.checkpw(password, stored) and check_password(password, stored)
"#,
    );
    assert_eq!(
        found,
        [
            "`bcrypt.checkpw()` blocks the event loop in `async def login`; run it in a thread with `await asyncio.to_thread()`: it takes 100–300 ms of CPU",
            "`django.contrib.auth.hashers.check_password()` blocks the event loop in `async def login`; use `await acheck_password()` (Django 5.0+), or run it in a thread with `await asyncio.to_thread()`: it takes 100–300 ms of CPU",
        ]
    );
    let found = messages(
        "import hashlib\nimport trio\n\nasync def derive(p, s):\n    hashlib.scrypt(p, salt=s, n=16384, r=8, p=1)\n",
    );
    assert_eq!(
        found,
        [
            "`hashlib.scrypt()` blocks the event loop in `async def derive`; run it in a thread with `await trio.to_thread.run_sync()`: it takes 100–300 ms of CPU"
        ]
    );
}

#[test]
fn below_python_3_9_the_advice_is_the_loops_executor() {
    let options: Options = serde_yaml::from_str("target-version: py38").unwrap();
    let source = "import asyncio, pathlib, requests\n\nasync def poll(url, root):\n    requests.get(url)\n    return [p for p in pathlib.Path(root).iterdir()]\n";
    let found = messages_with(source, &settings(options));
    assert_eq!(
        found,
        [
            "`requests.get()` blocks the event loop in `async def poll`; run it in a thread with `await asyncio.get_running_loop().run_in_executor()`",
            "`pathlib.Path(root).iterdir()` blocks the event loop in `async def poll`; collect it in a thread with `await asyncio.get_running_loop().run_in_executor(None, lambda: list(...))`",
        ]
    );
    let newest: Options = serde_yaml::from_str("target-version: py314").unwrap();
    let found = messages_with(source, &settings(newest));
    assert!(found[0].ends_with("`await asyncio.to_thread()`"), "{}", found[0]);
    assert!(found[1].ends_with("`await asyncio.to_thread(lambda: list(...))`"), "{}", found[1]);
}

const HELPERS_OF_SEVERAL_COSTS: &str = r#"
import os
import subprocess


def probe(path):
    return subprocess.run(["ffprobe", path])


def import_media(path):
    if not os.path.isfile(path):
        return None
    os.makedirs("/tmp/media", exist_ok=True)
    return probe(path)


def check(path):
    return os.path.exists(path)


async def handle(path):
    import_media(path)
    check(path)
    os.stat(path)
"#;

#[test]
fn a_helper_names_the_costliest_call_it_reaches_and_how_many_others() {
    let settings = settings(Options::default());
    let diagnostics = diagnostics_with(HELPERS_OF_SEVERAL_COSTS, &settings);
    let found: Vec<(&str, &str, Option<Cost>)> = diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.rule.code, diagnostic.message.as_str(), diagnostic.cost))
        .collect();
    assert_eq!(
        found,
        [
            (
                "AG110",
                "`import_media()` blocks the event loop in `async def handle`: `import_media()` → `probe()` → `subprocess.run()` (line 7), and 2 other blocking calls",
                Some(Cost::Process)
            ),
            (
                "AG110",
                "`check()` blocks the event loop in `async def handle`: it calls `os.path.exists()` (line 18)",
                Some(Cost::Metadata)
            ),
            (
                "AG105",
                "`os.stat()` blocks the event loop in `async def handle`; run it in a thread with `await asyncio.to_thread()`",
                Some(Cost::Metadata)
            ),
        ]
    );
}

#[test]
fn min_cost_leaves_cheaper_calls_unreported_for_every_rule_or_the_rules_it_names() {
    let codes = |options: &str| {
        let settings = settings(serde_yaml::from_str(options).unwrap());
        diagnostics_with(HELPERS_OF_SEVERAL_COSTS, &settings)
            .into_iter()
            .map(|diagnostic| diagnostic.rule.code)
            .collect::<Vec<_>>()
    };
    assert_eq!(codes("{}"), ["AG110", "AG110", "AG105"]);
    assert_eq!(codes("min-cost: metadata"), ["AG110", "AG110", "AG105"]);
    assert_eq!(codes("min-cost: data"), ["AG110"]);
    assert_eq!(codes("min-cost: sleep"), Vec::<&str>::new());
    // By selector: the most specific wins.
    assert_eq!(codes("min-cost: {AG105: data}"), ["AG110", "AG110"]);
    assert_eq!(codes("min-cost: {ALL: data, blocking-via-helper: metadata}"), ["AG110", "AG110"]);
    let bad: Options = serde_yaml::from_str("min-cost: {AG9: data}").unwrap();
    let Err(error) = Settings::new(bad, PathBuf::from("."), None, &Overrides::default()) else {
        panic!("AG9 is no rule")
    };
    assert!(error.contains("min-cost") && error.contains("AG9"), "{error}");
    assert!(serde_yaml::from_str::<Options>("min-cost: cheap").is_err());
}

#[test]
fn a_dropped_task_that_only_sleeps_is_said_to_be_held_by_the_loop() {
    let found = messages(
        r#"
import asyncio

async def tick():
    while True:
        await asyncio.sleep(1)

async def fetch(queue):
    await asyncio.sleep(1)
    await queue.get()

async def drain(stream):
    async for _ in stream:
        await asyncio.sleep(0)

async def main(queue, stream):
    asyncio.create_task(asyncio.sleep(5))
    asyncio.create_task(tick())
    asyncio.create_task(fetch(queue))
    asyncio.create_task(drain(stream))
"#,
    );
    let held: Vec<bool> = found.iter().map(|message| message.contains("the loop holds it while it sleeps")).collect();
    assert_eq!(held, [true, true, false, false], "{found:#?}");
    assert!(found.iter().all(|message| message.starts_with("the task from `asyncio.create_task()` is dropped")));
}

/// A server start whose costliest call runs only when it is not started `run_async`:
/// the call that passes `run_async=True` is told of the costliest call still live.
const SERVER_START: &str = r#"import os
import subprocess
import time


def wait_forever():
    time.sleep(3600)


def bind(path):
    return os.path.exists(path)


def probe(path):
    subprocess.run(["ls", path])


def start_server(path, run_async=False):
    bind(path)
    probe(path)
    if run_async:
        return path
    wait_forever()


async def handle(path):
    start_server(path)
    start_server(path, run_async=True)
"#;

#[test]
fn a_helper_called_with_literals_names_the_costliest_call_they_leave_live() {
    let settings = settings(Options::default());
    let diagnostics = diagnostics_with(SERVER_START, &settings);
    let found: Vec<(&str, Option<Cost>)> =
        diagnostics.iter().map(|diagnostic| (diagnostic.message.as_str(), diagnostic.cost)).collect();
    assert_eq!(
        found,
        [
            (
                "`start_server()` blocks the event loop in `async def handle`: `start_server()` → `wait_forever()` → `time.sleep()` (line 7), and 2 other blocking calls",
                Some(Cost::Sleep)
            ),
            (
                "`start_server()` blocks the event loop in `async def handle`: `start_server()` → `probe()` → `subprocess.run()` (line 15), and 2 other blocking calls",
                Some(Cost::Process)
            ),
        ]
    );
}
