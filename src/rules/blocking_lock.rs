//! AG108 `blocking-lock`: waiting on threading primitives and `queue.Queue` on the loop.
//!
//! ## What it does
//! Reports, in code running on the event loop, `with lock:`, `.acquire()` and `.wait()` on
//! tracked `threading.Lock`, `RLock`, `Semaphore`, `BoundedSemaphore`, `Event`,
//! `Condition` and `Barrier` objects, and `.get()`, `.put()` and `.join()` on tracked
//! `queue.Queue`-family objects. Calls that cannot block (`acquire(blocking=False)`,
//! `get(block=False)`, `get_nowait()`, and a `q.get()` in the statement right after
//! `while q.empty(): await …`, with no `await` before it) are not reported. An object is tracked when it is
//! assigned from its constructor in the same function or at module level, or when a
//! parameter is annotated with its type.
//!
//! ## Why is this bad?
//! A thread lock held by another thread, or an empty queue, makes the event loop thread
//! wait; if the holder is a task on the same loop, it never runs again: a deadlock.
//!
//! ## Example
//! ```python
//! cache_lock = threading.Lock()
//!
//! async def refresh():
//!     with cache_lock:
//!         cache.update(await load())
//! ```
//!
//! ## Use instead
//! `asyncio.Lock`, `asyncio.Semaphore`, `asyncio.Event`, `asyncio.Condition` and
//! `asyncio.Queue`, whose waits are awaited. Where the object is shared with threads, wait
//! for it in a thread: `await asyncio.to_thread(queue.get)`.
//!
//! ## Fix
//! None: whether an asyncio primitive can replace the threading one depends on who else
//! uses it. The message names the asyncio counterpart.

use ruff_python_ast as ast;
use ruff_text_size::Ranged;

use crate::data::registry::{self, BLOCKING_LOCK as RULE};
use crate::rules::checker::{Checker, FixRequest};

/// The tracked types whose `with` statement acquires and may wait.
const LOCK_TYPES: &[&str] = &["threading.Lock", "threading.Semaphore", "threading.Condition"];

pub(crate) fn check_with<'a>(checker: &mut Checker<'a>, with: &'a ast::StmtWith) {
    if with.is_async {
        return;
    }
    let Some(coroutine) = checker.coroutine_for(&RULE) else { return };
    for item in &with.items {
        let Some(ty) = checker.type_of(&item.context_expr) else { continue };
        if !LOCK_TYPES.contains(&ty) {
            continue;
        }
        let asyncio_type = ty.rsplit('.').next().unwrap_or(ty);
        let message = format!(
            "`with {}:` waits for a `{ty}` and blocks the event loop in `async def {}`; use `asyncio.{asyncio_type}` with `async with`",
            checker.display_source(&item.context_expr),
            coroutine.name.as_str()
        );
        let declined = FixRequest::Declined(
            "the lock is shared with code outside this coroutine: changing its kind is a design change".into(),
        );
        let cost = registry::default_cost(RULE.code);
        checker.report_blocking(&RULE, item.context_expr.range(), message, cost, Vec::new(), declined);
    }
}
