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

use crate::data::registry::DANGLING_TASK as RULE;
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextLen, TextRange};

use crate::analysis::semantic::{Binding, Resolved};
use crate::data::diagnostic::{Edit, Fix};
use crate::fixes::codegen::{is_unused_in, range_with_parentheses, unused_name};
use crate::fixes::style;
use crate::rules::checker::Checker;

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
    let message = format!(
        "the task from `{creator}()` is dropped; keep a reference to it (a set of background tasks, or a `TaskGroup`) or it can be garbage-collected before it finishes"
    );
    checker.report_with_fix(&RULE, call.range(), message, |checker| match whole_statement {
        Some(stmt) => fix(checker, stmt, call, &creator),
        None => checker.no_fix("the task is created inside a larger expression or statement"),
    });
}

/// The module-level set that keeps background tasks alive (numbered while taken).
const BACKGROUND_TASKS: &str = "_background_tasks";

/// Inside an `async with asyncio.TaskGroup() as tg:` block, `tg.create_task(...)`;
/// elsewhere the task is kept in the module's set of background tasks until it is done.
fn fix(checker: &Checker<'_>, stmt: &ast::StmtExpr, call: &ast::ExprCall, creator: &str) -> Option<Fix> {
    if creator == "asyncio.create_task"
        && let Some(group) = enclosing_task_group(checker)
    {
        let callee = range_with_parentheses(checker, &call.func, call);
        let edits = vec![Edit::replace(callee, format!("{group}.create_task"))];
        return Some(Fix::unsafe_edits(format!("Create the task in the task group `{group}`"), edits));
    }
    let (tasks, mut edits) = background_tasks_set(checker)?;
    // The set is named as new where the fix creates it: the user's code has no such name yet.
    let where_kept = if edits.is_empty() { format!("`{tasks}`") } else { format!("a new module-level set, `{tasks}`") };
    let task = unused_name(checker, innermost_scope_range(checker), "task");
    let source = checker.source();
    edits.push(Edit::insert(stmt.start(), format!("{task} = ")));
    let keep = format!("{tasks}.add({task})");
    let release = format!("{task}.add_done_callback({tasks}.discard)");
    match style::indentation_at(source, stmt.start()) {
        Some(indent) if style::ends_line(source, stmt.end()) => {
            let line_ending = checker.stylist().line_ending();
            let end = style::line_end(source, stmt.end());
            edits.push(Edit::insert(end, format!("{line_ending}{indent}{keep}{line_ending}{indent}{release}")));
        }
        // On a line shared with other statements, or after `if x:`: stay on that line.
        _ => edits.push(Edit::insert(stmt.end(), format!("; {keep}; {release}"))),
    }
    Some(Fix::unsafe_edits(format!("Keep a reference to the task in {where_kept}"), edits))
}

/// The name of the task group an enclosing `async with` block of the same function binds.
fn enclosing_task_group<'a>(checker: &Checker<'a>) -> Option<&'a str> {
    for stmt in checker.statements().iter().rev() {
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => return None,
            Stmt::With(with) if with.is_async => {
                let group = with.items.iter().find_map(|item| {
                    let Some(Expr::Name(name)) = item.optional_vars.as_deref() else { return None };
                    let ty = checker.semantic().type_of(&item.context_expr, &mut String::new());
                    (ty == Some("asyncio.TaskGroup")).then_some(name.id.as_str())
                });
                if group.is_some() {
                    return group;
                }
            }
            _ => {}
        }
    }
    None
}

/// The range of the innermost function or class around the checked position, or the
/// whole module.
fn innermost_scope_range(checker: &Checker<'_>) -> TextRange {
    checker
        .statements()
        .iter()
        .rev()
        .find(|stmt| matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)))
        .map_or(TextRange::up_to(checker.source().len().try_into().unwrap_or_default()), |stmt| stmt.range())
}

/// The module's set of background tasks: `_background_tasks` (or `_background_tasks_2`,
/// …), and the edits defining it. A module-level name is reused only when it already is
/// exactly such a set (`_background_tasks = set()`); a name the module uses in any other
/// way is passed over for the next number.
fn background_tasks_set(checker: &Checker<'_>) -> Option<(String, Vec<Edit>)> {
    let scopes = checker.semantic().scopes();
    let module = TextRange::up_to(checker.source().text_len());
    let candidates = std::iter::once(BACKGROUND_TASKS.to_owned())
        .chain((2..).map(|number| format!("{BACKGROUND_TASKS}_{number}")))
        .take(MAX_NAME_CANDIDATES);
    for name in candidates {
        if scopes[1..].iter().any(|scope| scope.get(&name).is_some()) {
            continue;
        }
        match scopes[0].get(&name) {
            Some(binding) if is_empty_set(checker, binding) => return Some((name, Vec::new())),
            None if is_unused_in(checker, module, &name) => {
                let edits = background_tasks_definition(checker, &name)?;
                return Some((name, edits));
            }
            _ => {}
        }
    }
    None
}

/// Names tried for the set before giving up on a fix.
const MAX_NAME_CANDIDATES: usize = 100;

/// `x = set()` or `x: set[asyncio.Task] = set()`.
fn is_empty_set(checker: &Checker<'_>, binding: &Binding<'_>) -> bool {
    let value = match binding {
        Binding::Assigned(value) => *value,
        Binding::Annotated { value: Some(value), .. } => *value,
        _ => return false,
    };
    let Expr::Call(call) = value else { return false };
    let mut name = String::new();
    call.arguments.is_empty()
        && matches!(checker.semantic().resolve(&call.func, &mut name), Some(Resolved::QualifiedName))
        && name == "builtins.set"
}

/// The edits defining the module's set of background tasks `name`: after the opening
/// imports, annotated with `asyncio.Task` (quoted where the annotation could not be
/// evaluated there). `None` when the name `asyncio` is bound to something else.
fn background_tasks_definition(checker: &Checker<'_>, name: &str) -> Option<Vec<Edit>> {
    let scopes = checker.semantic().scopes();
    let importer = checker.importer();
    let mut edits = Vec::new();
    let (asyncio, evaluable) = match (importer.opening_import_of("asyncio"), scopes[0].get("asyncio")) {
        (Some(name), _) => (name.to_owned(), true),
        (None, None) => {
            edits.push(importer.import("asyncio"));
            ("asyncio".to_owned(), true)
        }
        (None, Some(Binding::Import(module))) if &**module == "asyncio" => ("asyncio".to_owned(), false),
        (None, Some(_)) => return None,
    };
    let annotation = format!("set[{asyncio}.Task]");
    let annotation = if evaluable && checker.settings().target_version.has_builtin_generics() {
        annotation
    } else {
        format!("\"{annotation}\"")
    };
    let line_ending = checker.stylist().line_ending();
    edits.push(importer.statement(&format!("{line_ending}{name}: {annotation} = set()")));
    Some(edits)
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
