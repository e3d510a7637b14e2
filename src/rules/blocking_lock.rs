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
//! A lock that cannot be contended is not reported: a module-level lock (or `self.x` in
//! a method) whose every use in its module (or class) is a `with` block that neither
//! awaits nor calls anything but builtins and in-memory container methods (`append`,
//! `get`, `update`, …), in a module that starts no thread (`threading.Thread`, `Timer`, a
//! subclass of `Thread`) and hands no work to an executor (`asyncio.to_thread`,
//! `run_in_executor`, `submit`, `concurrent.futures`). Holding it takes a few bytecodes,
//! and nothing else takes it. Uses in other modules are not seen.
//!
//! ## Fix
//! None: whether an asyncio primitive can replace the threading one depends on who else
//! uses it. The message names the asyncio counterpart.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::analysis::context::Context;
use crate::analysis::semantic::{Resolved, SemanticModel};
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
        if !LOCK_TYPES.contains(&ty) || cannot_be_contended(checker.semantic(), checker.module(), &item.context_expr) {
            continue;
        }
        let asyncio_type = ty.rsplit('.').next().unwrap_or(ty);
        let message = format!(
            "`with {}:` waits for a `{ty}` and blocks the event loop in {}; use `asyncio.{asyncio_type}` with `async with`",
            checker.display_source(&item.context_expr),
            Context::loop_function_label(coroutine)
        );
        let declined = FixRequest::Declined(
            "the lock is shared with code outside this coroutine: changing its kind is a design change".into(),
        );
        let cost = registry::default_cost(RULE.code);
        checker.report_blocking(&RULE, item.context_expr.range(), message, cost, Vec::new(), declined);
    }
}

/// Whether the lock `lock` (a module-level name, or `self.name` in a method) is held
/// only briefly, by this module alone: every use of it in the module (of the name) or
/// the class (of the attribute) is a `with lock:` whose body neither awaits nor calls
/// anything but builtins and in-memory container methods, and the module starts no
/// thread and hands no work to an executor. Waiting for such a lock takes as long as a
/// few bytecodes.
fn cannot_be_contended(semantic: &SemanticModel<'_>, module: &ast::ModModule, lock: &Expr) -> bool {
    let (body, lock) = match lock {
        Expr::Name(name) if matches!(semantic.lookup_with_scope(name.id.as_str()), Some((0, _))) => {
            (&module.body[..], LockName::Global(name.id.as_str()))
        }
        Expr::Attribute(attribute) if matches!(&*attribute.value, Expr::Name(owner) if owner.id.as_str() == "self") => {
            let Some(class) = semantic.enclosing_class() else { return false };
            (&class.body[..], LockName::Field(attribute.attr.as_str()))
        }
        _ => return false,
    };
    let mut threads = StartsThreads { semantic, found: false };
    threads.visit_body(&module.body);
    if threads.found {
        return false;
    }
    let mut uses = LockUses { semantic, lock, contended: false };
    uses.visit_body(body);
    !uses.contended
}

#[derive(Clone, Copy)]
enum LockName<'n> {
    /// A module-level name.
    Global(&'n str),
    /// `self.<name>`.
    Field(&'n str),
}

impl LockName<'_> {
    fn is(self, expr: &Expr) -> bool {
        match (self, expr) {
            (LockName::Global(name), Expr::Name(found)) => found.id.as_str() == name,
            (LockName::Field(name), Expr::Attribute(found)) => {
                found.attr.as_str() == name && matches!(&*found.value, Expr::Name(owner) if owner.id.as_str() == "self")
            }
            _ => false,
        }
    }
}

/// Finds a use of the lock other than assigning it and holding it briefly.
struct LockUses<'s, 'a, 'n> {
    semantic: &'s SemanticModel<'a>,
    lock: LockName<'n>,
    contended: bool,
}

impl<'b> Visitor<'b> for LockUses<'_, '_, '_> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        match stmt {
            Stmt::With(with) if !with.is_async && with.items.iter().any(|item| self.lock.is(&item.context_expr)) => {
                self.contended |= !is_brief(self.semantic, &with.body);
                let lock = self.lock;
                for item in with.items.iter().filter(|item| !lock.is(&item.context_expr)) {
                    self.visit_with_item(item);
                }
                self.visit_body(&with.body);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'b Expr) {
        let assigned = matches!(expr, Expr::Name(ast::ExprName { ctx: ast::ExprContext::Store, .. }))
            || matches!(expr, Expr::Attribute(ast::ExprAttribute { ctx: ast::ExprContext::Store, .. }));
        if self.lock.is(expr) && !assigned {
            self.contended = true;
        } else {
            visitor::walk_expr(self, expr);
        }
    }
}

/// Methods of in-memory containers (lists, dicts, sets, deques) that a brief critical
/// section calls.
const CONTAINER_METHODS: &[&str] = &[
    "append",
    "appendleft",
    "add",
    "clear",
    "copy",
    "count",
    "discard",
    "extend",
    "get",
    "index",
    "insert",
    "items",
    "keys",
    "pop",
    "popitem",
    "popleft",
    "remove",
    "setdefault",
    "update",
    "values",
];

/// Whether a critical section holds the lock only for a few bytecodes: no `await`, no
/// `yield`, and no call but builtins (not `open`, `input`, `print`) and container methods.
fn is_brief(semantic: &SemanticModel<'_>, body: &[Stmt]) -> bool {
    let mut slow = SlowSection { semantic, found: false };
    slow.visit_body(body);
    !slow.found
}

struct SlowSection<'s, 'a> {
    semantic: &'s SemanticModel<'a>,
    found: bool,
}

impl<'b> Visitor<'b> for SlowSection<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        if let Stmt::For(ast::StmtFor { is_async: true, .. }) | Stmt::With(ast::StmtWith { is_async: true, .. }) = stmt
        {
            self.found = true;
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'b Expr) {
        match expr {
            Expr::Await(_) | Expr::Yield(_) | Expr::YieldFrom(_) => self.found = true,
            Expr::Call(call) => {
                let quick = match &*call.func {
                    Expr::Attribute(method) => CONTAINER_METHODS.contains(&method.attr.as_str()),
                    func => {
                        let mut name = String::new();
                        matches!(self.semantic.resolve(func, &mut name), Some(Resolved::QualifiedName))
                            && name.strip_prefix("builtins.").is_some_and(|builtin| {
                                !matches!(builtin, "open" | "input" | "print" | "exec" | "eval" | "__import__")
                            })
                    }
                };
                self.found |= !quick;
            }
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}

/// Finds what starts a thread or hands work to an executor: `threading.Thread`/`Timer`
/// (or a subclass of `Thread`), `asyncio.to_thread`, `loop.run_in_executor`,
/// `executor.submit`/`map`, `concurrent.futures` executors.
struct StartsThreads<'s, 'a> {
    semantic: &'s SemanticModel<'a>,
    found: bool,
}

impl<'b> Visitor<'b> for StartsThreads<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        if let Stmt::ClassDef(class) = stmt {
            self.found |= class.bases().iter().any(|base| self.is_thread_api(base));
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'b Expr) {
        if let Expr::Call(call) = expr {
            let hands_off = matches!(&*call.func, Expr::Attribute(method)
                if matches!(method.attr.as_str(), "run_in_executor" | "submit" | "start_new_thread"));
            self.found |= hands_off || self.is_thread_api(&call.func);
        }
        visitor::walk_expr(self, expr);
    }
}

impl StartsThreads<'_, '_> {
    fn is_thread_api(&self, expr: &Expr) -> bool {
        let mut name = String::new();
        matches!(self.semantic.resolve(expr, &mut name), Some(Resolved::QualifiedName))
            && (matches!(
                name.as_str(),
                "threading.Thread" | "threading.Timer" | "asyncio.to_thread" | "_thread.start_new_thread"
            ) || name.starts_with("concurrent.futures."))
    }
}
