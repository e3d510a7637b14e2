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

use crate::data::registry::NESTED_EVENT_LOOP as RULE;
use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::data::diagnostic::{Edit, Fix};
use crate::fixes::codegen::{CANNOT_AWAIT_HERE, await_needs_parentheses, range_with_parentheses};
use crate::rules::checker::Checker;

pub(crate) fn check<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall) {
    let Some(coroutine) = checker.coroutine_for(&RULE) else { return };
    let Some(starter) = loop_starter(checker, call) else { return };
    let message = format!(
        "`{starter}()` starts an event loop inside the running one in `async def {}`; `await` the coroutine instead",
        coroutine.name.as_str()
    );
    // `Runner.run()` may take a context and is left to the author.
    let awaits_in_place = starter == "asyncio.run"
        || matches!(&*call.func, Expr::Attribute(attribute) if attribute.attr.as_str() == "run_until_complete");
    checker
        .report_with_fix(&RULE, call.range(), message, |checker| awaits_in_place.then(|| fix(checker, call)).flatten());
}

/// `asyncio.run(coro)` / `loop.run_until_complete(coro)` → `await coro`, for a call
/// with one positional argument and no comment inside its parentheses.
fn fix(checker: &Checker<'_>, call: &ast::ExprCall) -> Option<Fix> {
    if !checker.can_await_here() {
        return checker.no_fix(CANNOT_AWAIT_HERE);
    }
    let ([argument], []) = (&*call.arguments.args, &*call.arguments.keywords) else {
        return checker.no_fix("only a call with the coroutine as its one argument becomes `await`");
    };
    if argument.is_starred_expr() {
        return checker.no_fix("the coroutine is passed with `*`");
    }
    let source = checker.source();
    let argument_range = range_with_parentheses(checker, argument, &call.arguments);
    let inside = TextRange::new(call.arguments.start() + TextSize::from(1), call.arguments.end() - TextSize::from(1));
    let head = TextRange::new(inside.start(), argument_range.start());
    let tail = TextRange::new(argument_range.end(), inside.end());
    if source[head].contains('#') || source[tail].contains('#') {
        return checker.no_fix("a comment inside the call's parentheses would be lost");
    }
    let (open, close) =
        if argument_range == argument.range() && !is_await_operand(argument) { ("(", ")") } else { ("", "") };
    let (outer_open, outer_close) = if await_needs_parentheses(checker, call.range()) { ("(", ")") } else { ("", "") };
    let edits = vec![
        Edit::replace(TextRange::new(call.start(), argument_range.start()), format!("{outer_open}await {open}")),
        Edit::replace(TextRange::new(argument_range.end(), call.end()), format!("{close}{outer_close}")),
    ];
    Some(Fix::safe("Replace with `await` on the coroutine", edits))
}

/// Whether `expr` may follow `await` without parentheses (a primary expression).
fn is_await_operand(expr: &Expr) -> bool {
    match expr {
        Expr::Tuple(tuple) => tuple.parenthesized,
        Expr::Generator(generator) => generator.parenthesized,
        Expr::Name(_)
        | Expr::Attribute(_)
        | Expr::Call(_)
        | Expr::Subscript(_)
        | Expr::List(_)
        | Expr::ListComp(_)
        | Expr::Set(_)
        | Expr::SetComp(_)
        | Expr::Dict(_)
        | Expr::DictComp(_)
        | Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::FString(_)
        | Expr::NumberLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NoneLiteral(_)
        | Expr::EllipsisLiteral(_) => true,
        _ => false,
    }
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
