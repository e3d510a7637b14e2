//! The blocking-call family (AG101..AG109, AG111..AG116): resolves a call in code running on the
//! event loop against the catalogue and reports it under the rule its entry names.
//!
//! The rules of the family each have their own file with their documentation and
//! whatever they check beyond a catalogue lookup (an HTTP verb literal for AG102,
//! non-blocking arguments for AG108).
//!
//! The section below is appended to the documentation of every rule of the family, and
//! of AG110.
//!
//! ## Cost and start-up code
//! Each finding has the cost class of the call that blocks (for AG110, of the costliest
//! call the helper reaches): `metadata`, `data`, `network`, `process`, `cpu`, `wait`,
//! `sleep`, from the cheapest. `min-cost` in the configuration leaves cheaper findings
//! unreported, for every rule or by rule.
//!
//! A blocking call in start-up or shutdown code holds up no request: it is reported
//! tagged `start-up`, as a warning (`startup-findings: error` keeps the rule's level,
//! `hide` leaves it out). Start-up code is a coroutine registered, for certain, on an
//! application object made in the module or the function registering it:
//! - FastAPI/Starlette: passed as `lifespan=`, `on_startup=[...]` or `on_shutdown=[...]`
//!   to `FastAPI(...)`/`Starlette(...)`, to `app.add_event_handler("startup" |
//!   "shutdown", f)`, or decorated `@app.on_event("startup" | "shutdown")`;
//! - aiohttp: appended to `app.on_startup`, `app.on_cleanup`, `app.on_shutdown` or
//!   `app.cleanup_ctx` of an `aiohttp.web.Application()`;
//! - Quart: `@app.before_serving`, `@app.after_serving`; Sanic: `@app.before_server_start`,
//!   `@app.after_server_stop`, `@app.main_process_start`, `@app.main_process_stop`, or
//!   `@app.listener(...)` with one of those events;
//! - a module's `async def main()`, up to its first call of `serve`, `serve_forever`,
//!   `run_app`, `start_server` or `start_unix_server` (a `main()` without one is not).
//!
//! A helper called there (AG110) is start-up code too, at that call. Django's
//! `AppConfig.ready` is sync code, where nothing blocks the loop.

use ruff_python_ast as ast;
use ruff_text_size::Ranged;

use crate::analysis::blocking::{BlockingCall, find_unallowed_blocking_call};
use crate::analysis::context::Context;
use crate::data::catalogue::{AsyncTwin, Entry, FixKind, Threads};
use crate::data::config::{AsyncLibrary, TargetVersion};
use crate::data::registry;
use crate::rules::blocking_orm::{capitalized, expects_refusal};
use crate::rules::checker::{Checker, FixRequest};

pub(crate) fn check<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall) {
    let Some(coroutine) = checker.loop_function() else { return };
    let Some(blocking) = find_unallowed_blocking_call(checker, call) else { return };
    let rule = registry::find(blocking.entry.rule).expect("catalogue entries name known rules");
    if !checker.is_enabled(rule) || (rule.code == registry::BLOCKING_ORM.code && expects_refusal(checker)) {
        return;
    }
    let advice = match &blocking.entry.twin {
        Some(twin) => twin_advice(&blocking, twin, checker),
        None => advice(&blocking.entry, checker.library(), checker.settings().target_version),
    };
    let message = format!(
        "`{}()` blocks the event loop in {}; {advice}",
        blocking.display,
        Context::loop_function_label(coroutine)
    );
    // The configuration says that a call blocks, not that it may run in another thread.
    let configured = checker.settings().extend_blocking_calls.contains_key(&blocking.qualified_name);
    let unsafe_offload = configured || blocking.entry.threads == Threads::ThreadSafe;
    let cost = blocking.entry.cost;
    let request = FixRequest::BlockingCall { call, entry: blocking.entry, unsafe_offload };
    checker.report_blocking(rule, call.range(), message, cost, Vec::new(), request);
}

/// What to do instead, for the message: the entry's alternative and, where the call can
/// simply run in a worker thread, how to do that with the module's async library.
fn advice(entry: &Entry, library: AsyncLibrary, target: TargetVersion) -> String {
    let module = library.module();
    let (offload, executor) = library.offload_advice(target);
    // An object that may not move to another thread is not advised to.
    let fix = if entry.threads == Threads::NotThreadSafe { FixKind::None } else { entry.fix };
    let advice = match (fix, &entry.message) {
        (FixKind::Sleep, _) => format!("use `await {module}.sleep()`"),
        (FixKind::Getaddrinfo, _) if library == AsyncLibrary::Asyncio => {
            "use `await asyncio.get_running_loop().getaddrinfo()`".to_owned()
        }
        (FixKind::Getaddrinfo, _) if library == AsyncLibrary::Trio => {
            "use `await trio.socket.getaddrinfo()`".to_owned()
        }
        (FixKind::Getaddrinfo, _) => "use `await anyio.getaddrinfo()`".to_owned(),
        (FixKind::Offload | FixKind::OffloadStream | FixKind::OffloadList, Some(alternative)) => {
            format!("use {alternative}, or run it in a thread with `await {offload}()`")
        }
        (FixKind::Offload | FixKind::OffloadStream, None) => format!("run it in a thread with `await {offload}()`"),
        (FixKind::OffloadList, None) => {
            format!("collect it in a thread with `await {offload}({executor}lambda: list(...))`")
        }
        (FixKind::None | FixKind::AsyncTwin, Some(alternative)) => format!("use {alternative}"),
        (FixKind::None | FixKind::AsyncTwin, None) => "move it off the event loop".to_owned(),
    };
    // A call that blocks by working says how long: it may not look slow.
    match &entry.takes {
        Some(takes) => format!("{advice}: it takes {takes}"),
        None => advice,
    }
}

/// What to use instead of a call with a library twin: the twin, awaited (with the
/// release that has it, where the project's is not known to), named as the call is
/// written (`Article.objects.get` → `await Article.objects.aget()`).
fn twin_advice(blocking: &BlockingCall<'_>, twin: &AsyncTwin, checker: &Checker<'_>) -> String {
    let entry = &blocking.entry;
    let written = match blocking.display.rsplit_once('.') {
        // A module's function: its twin is imported by name.
        Some((owner, _)) if blocking.display != blocking.qualified_name => format!("{owner}.{}", twin.name),
        _ => twin.name.clone(),
    };
    let mut advice = format!("use `await {written}()`");
    if !checker.settings().library_versions.has(&twin.package, twin.since) {
        let (major, minor) = twin.since;
        advice.push_str(&format!(" ({} {major}.{minor}+)", capitalized(&twin.package)));
        if let Some(runner) = &entry.runner {
            let runner = runner.rsplit('.').next().unwrap_or(runner);
            advice.push_str(&format!(", or run it in a thread with `await {runner}(...)()`"));
        }
    }
    advice
}
