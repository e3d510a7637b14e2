//! AG203 `nested-event-loop`: starting an event loop from code already running on one.
//!
//! ## What it does
//! Reports `asyncio.run(...)`, any `.run_until_complete(...)` and `asyncio.Runner().run(...)`
//! in code running on the event loop.
//!
//! ## Why is this bad?
//! `asyncio.run()` raises `RuntimeError` when a loop is already running in the thread, and
//! `run_until_complete()` on the running loop raises too; on another loop it blocks this one
//! until that one is done. Code that "works" does so only when called outside a loop.
//!
//! ## Example
//! ```python
//! import asyncio
//!
//! async def refresh():
//!     token = asyncio.run(fetch_token())
//! ```
//!
//! ## Use instead
//! ```python
//! async def refresh():
//!     token = await fetch_token()
//! ```
//!
//! ## Fix
//! `asyncio.run(coro)` and `loop.run_until_complete(coro)` become `await coro`, when the
//! call has exactly one argument and no keyword. Safe: the coroutine runs on the current loop
//! instead of failing.
//!
//! `aioguard check --fix` turns the example into:
//! ```python
//! async def refresh():
//!     token = await fetch_token()
//! ```

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::analysis::context::Context;
use crate::data::registry::NESTED_EVENT_LOOP as RULE;
use crate::rules::checker::{Checker, FixRequest};

pub(crate) fn check<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall) {
    let Some(coroutine) = checker.coroutine_for(&RULE) else { return };
    let Some(starter) = loop_starter(checker, call) else { return };
    let message = format!(
        "`{starter}()` starts an event loop inside the running one in {}; `await` the coroutine instead",
        Context::loop_function_label(coroutine)
    );
    // `Runner.run()` may take a context and is left to the author.
    let awaits_in_place = starter == "asyncio.run"
        || matches!(&*call.func, Expr::Attribute(attribute) if attribute.attr.as_str() == "run_until_complete");
    let fix = awaits_in_place.then_some(FixRequest::AwaitCoroutine { call });
    checker.report_with_chain(&RULE, call.range(), message, Vec::new(), fix);
}

/// How the call starts a loop, for the message, if it does.
pub fn loop_starter(checker: &mut Checker<'_>, call: &ast::ExprCall) -> Option<String> {
    if let Some(name) = checker.resolve_qualified_name(&call.func) {
        return (name == "asyncio.run").then(|| name.to_owned());
    }
    let Expr::Attribute(attribute) = &*call.func else { return None };
    match attribute.attr.as_str() {
        "run_until_complete" => Some(checker.display_source(&call.func)),
        "run" if checker.type_of(&attribute.value) == Some("asyncio.Runner") => {
            Some(checker.display_source(&call.func))
        }
        _ => None,
    }
}
