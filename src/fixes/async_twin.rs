//! Fixes that call the async library's own twin of a blocking call, awaited:
//! `time.sleep()` → `await asyncio.sleep()` (AG101), `socket.getaddrinfo()` →
//! `await asyncio.get_running_loop().getaddrinfo()` (AG106).

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::data::config::AsyncLibrary;
use crate::data::diagnostic::{Edit, Fix};
use crate::fixes::Fixer;
use crate::fixes::codegen::{CANNOT_AWAIT_HERE, awaited, offload_call, range_with_parentheses};

/// `time.sleep(x)` → `await asyncio.sleep(x)` (`trio.sleep`, `anyio.sleep`).
pub(crate) fn sleep(fixer: &Fixer<'_, '_>, call: &ast::ExprCall) -> Option<Fix> {
    if !fixer.can_await_here() {
        return fixer.no_fix(CANNOT_AWAIT_HERE);
    }
    let sleep = fixer.importer().reference(fixer, &format!("{}.sleep", fixer.library().module()))?;
    let callee = range_with_parentheses(fixer, &call.func, call);
    let mut edits = awaited(fixer, call.range(), callee.end(), &sleep.expr, "");
    edits.extend(sleep.import);
    Some(Fix::safe(format!("Replace with `await {}()`", sleep.expr), edits))
}

/// `socket.getaddrinfo`'s optional parameters, after `host` and `port`: the event loop's
/// `getaddrinfo` takes them by keyword only.
const GETADDRINFO_OPTIONS: [&str; 4] = ["family", "type", "proto", "flags"];

/// `socket.getaddrinfo(...)` → `await asyncio.get_running_loop().getaddrinfo(...)`
/// (`trio.socket.getaddrinfo`, `anyio.getaddrinfo`), its optional arguments passed by
/// keyword; with starred arguments, the call runs in a thread instead.
pub(crate) fn getaddrinfo(fixer: &Fixer<'_, '_>, call: &ast::ExprCall) -> Option<Fix> {
    let args = &call.arguments.args;
    if args.iter().any(Expr::is_starred_expr) || args.len() > 2 + GETADDRINFO_OPTIONS.len() {
        return offload_call(fixer, call);
    }
    if !fixer.can_await_here() {
        return fixer.no_fix(CANNOT_AWAIT_HERE);
    }
    let library = fixer.library();
    let qualified = match library {
        AsyncLibrary::Asyncio => "asyncio.get_running_loop",
        AsyncLibrary::Trio => "trio.socket.getaddrinfo",
        AsyncLibrary::Anyio => "anyio.getaddrinfo",
    };
    let reference = fixer.importer().reference(fixer, qualified)?;
    let resolver = match library {
        AsyncLibrary::Asyncio => format!("{}().getaddrinfo", reference.expr),
        AsyncLibrary::Trio | AsyncLibrary::Anyio => reference.expr,
    };
    let callee = range_with_parentheses(fixer, &call.func, call);
    let mut edits = awaited(fixer, call.range(), callee.end(), &resolver, "");
    if library != AsyncLibrary::Trio {
        for (arg, option) in args.iter().skip(2).zip(GETADDRINFO_OPTIONS) {
            let start = range_with_parentheses(fixer, arg, &call.arguments).start();
            edits.push(Edit::insert(start, format!("{option}=")));
        }
    }
    edits.extend(reference.import);
    Some(Fix::safe(format!("Replace with `await {resolver}()`"), edits))
}
