//! AG204 `get-event-loop-in-coroutine`: `asyncio.get_event_loop()` where
//! `get_running_loop()` is meant.

use ruff_python_ast as ast;
use ruff_text_size::Ranged;

use super::{FixAvailability, RuleInfo};
use crate::checker::Checker;

pub static RULE: RuleInfo = RuleInfo {
    code: "AG204",
    name: "get-event-loop-in-coroutine",
    summary: "`asyncio.get_event_loop()` in an `async def`: use `get_running_loop()`",
    fix: FixAvailability::Always,
    aliases: &[],
    doc: r#"## What it does
Reports `asyncio.get_event_loop()` in code running on the event loop.

## Why is this bad?
`get_event_loop()` consults the event loop policy and, depending on the Python version
and the thread, may return or create a loop other than the running one (and is
deprecated for that use). In a coroutine the running loop is the one meant, and
`get_running_loop()` returns exactly it.

## Example
```python
async def main():
    loop = asyncio.get_event_loop()
    await loop.run_in_executor(None, work)
```

## Use instead
```python
async def main():
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, work)
```

## Fix
Replaces the call with `asyncio.get_running_loop()`. Safe: inside a coroutine a loop
is always running.
"#,
};

pub(crate) fn check<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall) {
    if !checker.is_enabled(&RULE) {
        return;
    }
    let Some(coroutine) = checker.semantic().enclosing_coroutine() else { return };
    if checker.resolve_qualified_name(&call.func) != Some("asyncio.get_event_loop") {
        return;
    }
    let message = format!(
        "`asyncio.get_event_loop()` in `async def {}` may return a loop other than the running one; use `asyncio.get_running_loop()`",
        coroutine.name.as_str()
    );
    checker.report(&RULE, call.range(), message);
}
