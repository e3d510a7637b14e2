//! AG101 `blocking-sleep`: `time.sleep()` in code running on the event loop.
//!
//! ## What it does
//! Reports `time.sleep()` (under any alias: `import time as t`, `from time import sleep`)
//! called in code that runs on the event loop: the body of an `async def`, outside nested
//! `def`s and `lambda`s.
//!
//! ## Why is this bad?
//! `time.sleep()` suspends the thread, and the event loop runs on that thread: while it
//! sleeps no other task runs, no timeout fires and no connection is served.
//!
//! ## Example
//! ```python
//! import time
//!
//! async def poll(client):
//!     while not await client.ready():
//!         time.sleep(0.5)
//! ```
//!
//! ## Use instead
//! ```python
//! import asyncio
//!
//! async def poll(client):
//!     while not await client.ready():
//!         await asyncio.sleep(0.5)
//! ```
//! In a trio or anyio module, `await trio.sleep()` / `await anyio.sleep()`.
//!
//! ## Fix
//! `time.sleep(x)` becomes `await asyncio.sleep(x)` (`trio.sleep`, `anyio.sleep` in modules
//! that use those), adding `import asyncio` if the module lacks it. Safe: the coroutine
//! waits the same time, and only lets other tasks run meanwhile. Like every fix that adds
//! an `await`, none is offered inside a generator expression, which the `await` would
//! turn into an asynchronous generator.
//!
//! `aioguard check --fix` turns the example into:
//! ```python
//! import asyncio
//!
//! async def poll(client):
//!     while not await client.ready():
//!         await asyncio.sleep(0.5)
//! ```

use ruff_python_ast as ast;
use ruff_text_size::Ranged;

use crate::data::diagnostic::Fix;
use crate::fixes::codegen::{CANNOT_AWAIT_HERE, awaited, range_with_parentheses};
use crate::rules::checker::Checker;

/// `time.sleep(x)` → `await asyncio.sleep(x)` (`trio.sleep`, `anyio.sleep`).
pub(crate) fn fix(checker: &Checker<'_>, call: &ast::ExprCall) -> Option<Fix> {
    if !checker.can_await_here() {
        return checker.no_fix(CANNOT_AWAIT_HERE);
    }
    let sleep = checker.importer().reference(checker, &format!("{}.sleep", checker.library().module()))?;
    let callee = range_with_parentheses(checker, &call.func, call);
    let mut edits = awaited(checker, call.range(), callee.end(), &sleep.expr, "");
    edits.extend(sleep.import);
    Some(Fix::safe(format!("Replace with `await {}()`", sleep.expr), edits))
}
