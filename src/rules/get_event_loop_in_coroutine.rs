//! AG204 `get-event-loop-in-coroutine`: `asyncio.get_event_loop()` where
//! `get_running_loop()` is meant. A style rule: off unless selected.
//!
//! ## What it does
//! Reports `asyncio.get_event_loop()` in code running on the event loop.
//!
//! It is a matter of style, not a bug, so it is not enabled by default; select it by
//! code, name, a prefix or `ALL`:
//! ```yaml
//! select: [ALL]
//! ```
//!
//! ## Why is this bad?
//! Inside a coroutine `get_event_loop()` returns the running loop, as `get_running_loop()`
//! does, so the code works. But it reads as if it might create a loop, and its use where no
//! loop is running is deprecated (it warns there from Python 3.10 on, and raises from 3.14).
//! `get_running_loop()` says that the running loop is meant, and raises at once if the code
//! ever runs outside a coroutine.
//!
//! ## Example
//! ```python
//! import asyncio
//!
//! async def main():
//!     loop = asyncio.get_event_loop()
//!     await loop.run_in_executor(None, work)
//! ```
//!
//! ## Use instead
//! ```python
//! async def main():
//!     loop = asyncio.get_running_loop()
//!     await loop.run_in_executor(None, work)
//! ```
//!
//! ## Fix
//! Replaces the call with `asyncio.get_running_loop()`. Safe: inside a coroutine a loop
//! is always running.
//!
//! `aioguard check --fix` turns the example into:
//! ```python
//! import asyncio
//!
//! async def main():
//!     loop = asyncio.get_running_loop()
//!     await loop.run_in_executor(None, work)
//! ```

use ruff_python_ast as ast;
use ruff_text_size::Ranged;

use crate::analysis::context::Context;
use crate::data::registry::GET_EVENT_LOOP_IN_COROUTINE as RULE;
use crate::rules::checker::{Checker, FixRequest};

pub(crate) fn check<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall) {
    let Some(coroutine) = checker.coroutine_for(&RULE) else { return };
    if checker.resolve_qualified_name(&call.func) != Some("asyncio.get_event_loop") {
        return;
    }
    let message = format!(
        "`asyncio.get_event_loop()` in {}: use `asyncio.get_running_loop()`, which says that the running loop is meant (`get_event_loop()` is deprecated where no loop runs)",
        Context::loop_function_label(coroutine)
    );
    checker.report_with_fix(&RULE, call.range(), message, FixRequest::GetRunningLoop { call });
}
