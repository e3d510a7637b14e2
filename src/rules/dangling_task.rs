//! AG201 `dangling-task`: a task created and dropped, which the garbage collector may
//! destroy before it finishes.
//!
//! ## What it does
//! Reports `asyncio.create_task()`, `asyncio.ensure_future()` and `loop.create_task()` on a
//! tracked event loop (a name bound from `asyncio.get_running_loop()`, `get_event_loop()` or
//! `new_event_loop()`) or on an attribute named `loop` (`self.loop`, `self.hass.loop`),
//! whose result is dropped: an expression statement; a list, tuple, set or comprehension,
//! a branch of a conditional expression or an operand of `and`/`or` that is an expression
//! statement; the condition of a conditional expression or of an `if`/`elif`/`while`, a
//! comprehension's `if`, a `with` item without `as` (only the task's truth is looked at). Not reported: a task that is
//! assigned, returned, passed on or stored, and `TaskGroup.create_task()`. Reported in any
//! function, since creating a task needs a running loop wherever it is written.
//!
//! ## Why is this bad?
//! The event loop keeps only a weak reference to tasks. A task nobody references can be
//! garbage-collected in the middle of its work, silently; and its exception is never seen.
//! A task whose coroutine only sleeps (`asyncio.sleep(…)` itself, or an undecorated
//! `async def` of the same module whose every `await` is on `asyncio.sleep(…)`) is held
//! by the loop's timers until it is done; it is still reported, since its exception is
//! still never seen, and the message says so.
//!
//! ## Example
//! ```python
//! import asyncio
//!
//! async def on_message(message):
//!     asyncio.create_task(store(message))
//! ```
//!
//! ## Use instead
//! A strong reference until the task is done (what the fix below writes), or a task group
//! that owns the task:
//! ```python
//! async def on_messages(messages):
//!     async with asyncio.TaskGroup() as group:
//!         for message in messages:
//!             group.create_task(store(message))
//! ```
//!
//! ## Fix
//! Keeps a strong reference in one module-level `_background_tasks` set;
//! inside an `async with asyncio.TaskGroup() as tg:` block, `tg.create_task()` instead.
//! Unsafe: the task now lives until it finishes, which changes when it is collected.
//! No fix for a task created inside a larger expression or statement.
//!
//! `aioguard check --fix --unsafe-fixes` turns the example into:
//! ```python
//! import asyncio
//!
//! _background_tasks: set[asyncio.Task] = set()
//!
//! async def on_message(message):
//!     task = asyncio.create_task(store(message))
//!     _background_tasks.add(task)
//!     task.add_done_callback(_background_tasks.discard)
//! ```

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::analysis::semantic::{Resolved, SemanticModel};
use crate::data::registry::DANGLING_TASK as RULE;
use crate::rules::checker::{Checker, FixRequest};

pub(crate) fn check<'a>(checker: &mut Checker<'a>, stmt: &'a ast::StmtExpr) {
    if !checker.is_enabled(&RULE) {
        return;
    }
    let mut calls = Vec::new();
    dropped_calls(&stmt.value, &mut calls);
    for call in calls {
        let whole_statement = (stmt.value.range() == call.range()).then_some(stmt);
        report(checker, call, whole_statement);
    }
}

/// The calls whose value an expression statement drops: the statement itself, the items
/// of a list, tuple, set or comprehension, either branch of a conditional expression,
/// and the operands of `and`/`or`.
fn dropped_calls<'a>(expr: &'a Expr, calls: &mut Vec<&'a ast::ExprCall>) {
    // A stack, not recursion: conditional expressions nest without bound.
    let mut pending = vec![expr];
    while let Some(expr) = pending.pop() {
        match expr {
            Expr::Call(call) => calls.push(call),
            Expr::List(ast::ExprList { elts, .. })
            | Expr::Tuple(ast::ExprTuple { elts, .. })
            | Expr::Set(ast::ExprSet { elts, .. }) => calls.extend(elts.iter().filter_map(Expr::as_call_expr)),
            Expr::ListComp(ast::ExprListComp { elt, .. })
            | Expr::SetComp(ast::ExprSetComp { elt, .. })
            | Expr::Generator(ast::ExprGenerator { elt, .. }) => calls.extend(elt.as_call_expr()),
            Expr::If(ast::ExprIf { body, orelse, .. }) => pending.extend([&**orelse, &**body]),
            Expr::BoolOp(ast::ExprBoolOp { values, .. }) => pending.extend(values.iter().rev()),
            _ => {}
        }
    }
}

/// A task created where only its truth is looked at, inside an expression or a
/// statement: the condition of a conditional expression or of an `if`/`elif`/`while`,
/// a comprehension's `if`, a `with` item without `as`.
pub(crate) fn check_call<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall) {
    if checker.is_enabled(&RULE) && is_only_tested(checker, call) {
        report(checker, call, None);
    }
}

fn is_only_tested(checker: &Checker<'_>, call: &ast::ExprCall) -> bool {
    let range = call.range();
    match checker.parent_expression() {
        Some(Expr::If(conditional)) => return conditional.test.range() == range,
        Some(
            Expr::ListComp(ast::ExprListComp { generators, .. })
            | Expr::SetComp(ast::ExprSetComp { generators, .. })
            | Expr::DictComp(ast::ExprDictComp { generators, .. })
            | Expr::Generator(ast::ExprGenerator { generators, .. }),
        ) => {
            return generators.iter().flat_map(|generator| &generator.ifs).any(|test| test.range() == range);
        }
        Some(_) => return false,
        None => {}
    }
    match checker.statements().last() {
        Some(Stmt::If(if_stmt)) => {
            if_stmt.test.range() == range
                || if_stmt
                    .elif_else_clauses
                    .iter()
                    .any(|clause| clause.test.as_ref().is_some_and(|test| test.range() == range))
        }
        Some(Stmt::While(while_stmt)) => while_stmt.test.range() == range,
        Some(Stmt::With(with)) => {
            with.items.iter().any(|item| item.context_expr.range() == range && item.optional_vars.is_none())
        }
        _ => false,
    }
}

/// Reports a dropped task; `whole_statement` is the statement it is, when it is one,
/// which the fix can keep a reference from.
fn report<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall, whole_statement: Option<&'a ast::StmtExpr>) {
    let Some(creator) = task_creator(checker, call) else { return };
    let message = if only_sleeps(checker.semantic(), call) {
        format!(
            "the task from `{creator}()` is dropped; the loop holds it while it sleeps, but nothing sees an exception it raises: keep a reference to it (a set of background tasks, or a `TaskGroup`)"
        )
    } else {
        format!(
            "the task from `{creator}()` is dropped; keep a reference to it (a set of background tasks, or a `TaskGroup`) or it can be garbage-collected before it finishes"
        )
    };
    let fix = match whole_statement {
        Some(statement) => FixRequest::KeepTask { call, statement, creator },
        None => FixRequest::Declined("the task is created inside a larger expression or statement".into()),
    };
    checker.report_with_fix(&RULE, call.range(), message, fix);
}

/// `asyncio.create_task`, `asyncio.ensure_future`, or `loop.create_task` on a tracked
/// loop or on an attribute named `loop` (`self.loop`, `self.hass.loop`).
pub fn task_creator(checker: &mut Checker<'_>, call: &ast::ExprCall) -> Option<String> {
    if let Some(name) = checker.resolve_qualified_name(&call.func) {
        return matches!(name, "asyncio.create_task" | "asyncio.ensure_future").then(|| name.to_owned());
    }
    let Expr::Attribute(attribute) = &*call.func else { return None };
    if attribute.attr.as_str() != "create_task" {
        return None;
    }
    let is_loop = matches!(&*attribute.value, Expr::Attribute(owner) if owner.attr.as_str() == "loop")
        || checker.type_of(&attribute.value) == Some("asyncio.AbstractEventLoop");
    is_loop.then(|| checker.display_source(&call.func))
}

/// Whether the task's coroutine only sleeps: `asyncio.sleep(…)`, or a call of an
/// undecorated `async def` of this module whose every `await` is on `asyncio.sleep(…)`
/// (or that awaits nothing). The loop's ready queue and timers hold such a task until it
/// is done.
fn only_sleeps(semantic: &SemanticModel<'_>, call: &ast::ExprCall) -> bool {
    let Some(Expr::Call(coroutine)) = call.arguments.args.first() else { return false };
    let mut name = String::new();
    match semantic.resolve(&coroutine.func, &mut name) {
        Some(Resolved::QualifiedName) => name == "asyncio.sleep",
        Some(Resolved::Function(function)) if function.is_async && function.decorator_list.is_empty() => {
            let mut awaits = OtherAwaits { semantic, found: false };
            awaits.visit_body(&function.body);
            !awaits.found
        }
        _ => false,
    }
}

/// Finds, in a coroutine's own body, a suspension on anything but `asyncio.sleep(…)`.
struct OtherAwaits<'s, 'a> {
    semantic: &'s SemanticModel<'a>,
    found: bool,
}

impl<'b> Visitor<'b> for OtherAwaits<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        match stmt {
            // Their bodies are other functions'.
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            Stmt::For(ast::StmtFor { is_async: true, .. }) | Stmt::With(ast::StmtWith { is_async: true, .. }) => {
                self.found = true;
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'b Expr) {
        match expr {
            Expr::Lambda(_) => {}
            Expr::Await(awaited) => {
                let mut name = String::new();
                let sleeps = matches!(&*awaited.value, Expr::Call(call)
                    if matches!(self.semantic.resolve(&call.func, &mut name), Some(Resolved::QualifiedName)))
                    && name == "asyncio.sleep";
                self.found |= !sleeps;
                visitor::walk_expr(self, expr);
            }
            _ => visitor::walk_expr(self, expr),
        }
    }

    fn visit_comprehension(&mut self, comprehension: &'b ast::Comprehension) {
        self.found |= comprehension.is_async;
        visitor::walk_comprehension(self, comprehension);
    }
}
