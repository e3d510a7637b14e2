//! AG202 `unawaited-coroutine`: calling an `async def` of the project as a statement,
//! without `await`, creates a coroutine and throws it away.
//!
//! ## What it does
//! Reports an expression statement that calls, without `await`, an `async def` of any
//! module of the project: a function (of the same module, or imported from another one,
//! also through relative imports and re-exports), a method through `self.`/`cls.` (found
//! along the class and its project base classes), or a method of an instance of a project
//! class (`c = Client(); c.close()`, `self.client.close()` for a field set in
//! `__init__`). Calls resolve as for AG110; a call that does not resolve is not
//! reported. Functions with decorators other than the catalogue's `plain-decorators`
//! and `caching-decorators` (`staticmethod`, `classmethod`, `functools.cache`,
//! `abc.abstractmethod`, …) are left alone, since a decorator may make them synchronous.
//!
//! ## Why is this bad?
//! Calling a coroutine function only creates a coroutine object; dropping it means the
//! body never runs, and Python warns "coroutine was never awaited" long after.
//!
//! ## Example
//! ```python
//! async def notify(user):
//!     ...
//!
//! async def signup(user):
//!     save(user)
//!     notify(user)
//! ```
//!
//! ## Use instead
//! ```python
//! async def signup(user):
//!     save(user)
//!     await notify(user)
//! ```
//!
//! ## Fix
//! Inserts `await` (in an `async def`). Unsafe: the call now runs to completion at that
//! point, which may be slower than the author intended (a task may have been meant).
//!
//! `aioguard check --fix --unsafe-fixes` turns the example into:
//! ```python
//! async def notify(user):
//!     ...
//!
//! async def signup(user):
//!     save(user)
//!     await notify(user)
//! ```

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::analysis::project::summary::callee_of;
use crate::data::registry::UNAWAITED_COROUTINE as RULE;
use crate::rules::checker::{Checker, FixRequest};

pub(crate) fn check<'a>(checker: &mut Checker<'a>, stmt: &'a ast::StmtExpr) {
    if !checker.is_enabled(&RULE) {
        return;
    }
    let Expr::Call(call) = &*stmt.value else { return };
    let Some(project) = checker.project() else { return };
    let Some(callee) = callee_of(checker, &call.func, &project.context()) else { return };
    let Some(function) = project.index.resolve_callee(project.file, &callee) else { return };
    let function = project.index.function(function);
    if !function.is_async || function.decorated {
        return;
    }
    // The callee as written (`self.save`), which the user finds on the line.
    let callee = checker.display_source(&call.func);
    let message = format!(
        "`{callee}()` is an `async def` called without `await`: the coroutine is created and dropped, and its body never runs"
    );
    checker.report_with_fix(&RULE, call.range(), message, FixRequest::InsertAwait { call });
}
