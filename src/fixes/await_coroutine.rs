//! Fixes that await a coroutine where the code drops it or runs it in a nested event
//! loop: `asyncio.run(coro)` → `await coro` (AG203), `save()` → `await save()` (AG202).

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::data::diagnostic::{Edit, Fix};
use crate::fixes::Fixer;
use crate::fixes::codegen::{CANNOT_AWAIT_HERE, await_needs_parentheses, range_with_parentheses};

/// `asyncio.run(coro)` / `loop.run_until_complete(coro)` → `await coro`, for a call
/// with one positional argument and no comment inside its parentheses.
pub(crate) fn instead_of_nested_loop(fixer: &Fixer<'_, '_>, call: &ast::ExprCall) -> Option<Fix> {
    if !fixer.can_await_here() {
        return fixer.no_fix(CANNOT_AWAIT_HERE);
    }
    let ([argument], []) = (&*call.arguments.args, &*call.arguments.keywords) else {
        return fixer.no_fix("only a call with the coroutine as its one argument becomes `await`");
    };
    if argument.is_starred_expr() {
        return fixer.no_fix("the coroutine is passed with `*`");
    }
    let source = fixer.source();
    let argument_range = range_with_parentheses(fixer, argument, &call.arguments);
    let inside = TextRange::new(call.arguments.start() + TextSize::from(1), call.arguments.end() - TextSize::from(1));
    let head = TextRange::new(inside.start(), argument_range.start());
    let tail = TextRange::new(argument_range.end(), inside.end());
    if source[head].contains('#') || source[tail].contains('#') {
        return fixer.no_fix("a comment inside the call's parentheses would be lost");
    }
    let (open, close) =
        if argument_range == argument.range() && !is_await_operand(argument) { ("(", ")") } else { ("", "") };
    let (outer_open, outer_close) = if await_needs_parentheses(fixer, call.range()) { ("(", ")") } else { ("", "") };
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

/// `save()` → `await save()`: the coroutine function's call, awaited where it is.
pub(crate) fn insert_await(fixer: &Fixer<'_, '_>, call: &ast::ExprCall) -> Option<Fix> {
    if !fixer.can_await_here() {
        return fixer.no_fix(CANNOT_AWAIT_HERE);
    }
    Some(Fix::unsafe_edits("Insert `await`", vec![Edit::insert(call.start(), "await ")]))
}
