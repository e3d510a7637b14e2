//! AG202 `unawaited-coroutine`: calling an `async def` of the project as a statement,
//! without `await`, creates a coroutine and throws it away; returning such a call from
//! an `async def` hands the caller a coroutine where it expects the result.
//!
//! ## What it does
//! Reports, for a call without `await` of an `async def` of any module of the project:
//! - an expression statement made of the call;
//! - `return` of the call in an `async def` (a sync function that returns a coroutine is
//!   a factory, and is left alone).
//!
//! The callee may be a function (of the same module, or imported from another one, also
//! through relative imports and re-exports), a method through `self.`/`cls.` (found
//! along the class and its project base classes), or a method of an instance of a project
//! class (`c = Client(); c.close()`, `self.client.close()` for a field set in
//! `__init__`). Calls resolve as for AG110; a call that does not resolve is not
//! reported, and neither is an async generator (an `async def` that yields: calling it
//! makes an async iterator, which `async for` takes). Functions with decorators other
//! than the catalogue's `plain-decorators` and `caching-decorators` (`staticmethod`,
//! `classmethod`, `functools.cache`, `abc.abstractmethod`, …) are left alone, since a
//! decorator may make them synchronous; the project's own decorators that return an
//! `async def` wrapper awaiting the decorated function with the arguments it is given
//! (`functools.wraps`-style tracing, timing or retrying decorators) keep them
//! coroutine functions.
//!
//! ## Why is this bad?
//! Calling a coroutine function only creates a coroutine object; dropping it means the
//! body never runs, and Python warns "coroutine was never awaited" long after. Returned
//! from a coroutine, it reaches a caller that awaited once and now holds a coroutine
//! instead of the result: the body runs only if the caller awaits a second time.
//!
//! ## Example
//! ```python
//! async def notify(user):
//!     ...
//!
//! async def signup(user):
//!     save(user)
//!     notify(user)
//!
//! async def welcome(user):
//!     return notify(user)
//! ```
//!
//! ## Use instead
//! ```python
//! async def signup(user):
//!     save(user)
//!     await notify(user)
//!
//! async def welcome(user):
//!     return await notify(user)
//! ```
//!
//! ## Fix
//! Inserts `await` (in an `async def`). Unsafe: the call now runs to completion at that
//! point, which may be slower than the author intended (a task may have been meant), and
//! a caller that awaited the returned coroutine itself now gets the result instead.
//!
//! `aioguard check --fix --unsafe-fixes` turns the example into:
//! ```python
//! async def notify(user):
//!     ...
//!
//! async def signup(user):
//!     save(user)
//!     await notify(user)
//!
//! async def welcome(user):
//!     return await notify(user)
//! ```

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::analysis::project::summary::callee_of;
use crate::data::registry::UNAWAITED_COROUTINE as RULE;
use crate::rules::checker::{Checker, FixRequest};

/// A call made as a statement.
pub(crate) fn check<'a>(checker: &mut Checker<'a>, stmt: &'a ast::StmtExpr) {
    if let Expr::Call(call) = &*stmt.value {
        check_call(checker, call, "the coroutine is created and dropped, and its body never runs");
    }
}

/// `return call()` in an `async def`.
pub(crate) fn check_return<'a>(checker: &mut Checker<'a>, stmt: &'a ast::StmtReturn) {
    if let Some(Expr::Call(call)) = stmt.value.as_deref()
        && checker.semantic().enclosing_coroutine().is_some()
    {
        check_call(checker, call, "the caller gets the coroutine instead of its result");
    }
}

fn check_call<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall, consequence: &str) {
    if !checker.is_enabled(&RULE) {
        return;
    }
    let Some(project) = checker.project() else { return };
    let Some(callee) = callee_of(checker, &call.func, &project.context()) else { return };
    let Some(function) = project.index.resolve_callee(project.file, &callee) else { return };
    if !project.index.function(function).is_coroutine_function() || project.index.hides_body(function) {
        return;
    }
    // The callee as written (`self.save`), which the user finds on the line.
    let callee = checker.display_source(&call.func);
    let message = format!("`{callee}()` is an `async def` called without `await`: {consequence}");
    checker.report_with_fix(&RULE, call.range(), message, FixRequest::InsertAwait { call });
}
