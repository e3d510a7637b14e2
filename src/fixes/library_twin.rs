//! Fixes that use a library's own async API where the project's release of the library
//! has it (Django's ORM: AG116), and otherwise run the call in the thread the entry's
//! `runner` names (`asgiref.sync.sync_to_async`):
//!
//! - a call becomes its awaited twin: `qs.get(pk=1)` → `await qs.aget(pk=1)` (a method
//!   of the same object), `login(request, user)` → `await alogin(request, user)` (a
//!   function of the same module); else `await sync_to_async(qs.get)(pk=1)`;
//! - an object whose iteration blocks is iterated asynchronously: `for a in qs:` →
//!   `async for a in qs:`, `[a.title for a in qs]` → `[a.title async for a in qs]`,
//!   `list(qs)` → `[obj async for obj in qs]` (`len(qs)` → `len([obj async for obj in
//!   qs])`); else collected in the thread: `for a in await sync_to_async(list)(qs):`.
//!
//! The twin runs the same query: safe. The runner runs the call's code in another
//! thread: unsafe.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextRange};

use crate::analysis::semantic::Resolved;
use crate::data::catalogue::{AsyncTwin, Entry};
use crate::data::diagnostic::{Edit, Fix};
use crate::fixes::Fixer;
use crate::fixes::codegen::{CANNOT_AWAIT_HERE, awaited, range_with_parentheses, unused_name};
use crate::rules::checker::Evaluation;

/// The entry's twin, when the project's release of its library is known to have it.
fn available_twin<'e>(fixer: &Fixer<'_, '_>, entry: &'e Entry) -> Option<&'e AsyncTwin> {
    let twin = entry.twin.as_ref()?;
    fixer.settings().library_versions.has(&twin.package, twin.since).then_some(twin)
}

/// Why neither the twin nor a thread is offered.
fn unavailable(fixer: &Fixer<'_, '_>, entry: &Entry) -> Option<Fix> {
    let twin = entry.twin.as_ref().expect("an entry fixed with its twin has one");
    let (major, minor) = twin.since;
    fixer.no_fix(format!(
        "the project's `{}` is older than {major}.{minor} or its release is unknown (set `library-versions`), and no thread runner is listed",
        twin.package
    ))
}

/// `qs.get(…)` → `await qs.aget(…)`, `login(…)` → `await alogin(…)`; else the call run
/// by the entry's runner.
pub(crate) fn call(fixer: &Fixer<'_, '_>, call: &ast::ExprCall, entry: &Entry) -> Option<Fix> {
    if !fixer.can_await_here() {
        return fixer.no_fix(CANNOT_AWAIT_HERE);
    }
    let callee = range_with_parentheses(fixer, &call.func, call);
    let Some(twin) = available_twin(fixer, entry) else {
        let Some(runner) = &entry.runner else { return unavailable(fixer, entry) };
        return run_with(fixer, call, runner);
    };
    // The twin is a member of the same object or module: a dotted callee keeps its
    // object (`auth.login` → `auth.alogin`); a bare function is imported by name.
    let (head, import) = match (&*call.func, function_of_module(fixer, call)) {
        (Expr::Attribute(member), _) if callee == call.func.range() => {
            (format!("{}{}", &fixer.source()[TextRange::new(call.start(), member.attr.start())], twin.name), None)
        }
        (Expr::Name(_), Some(module)) => {
            let reference = fixer.importer().reference_by_name(fixer, &format!("{module}.{}", twin.name))?;
            (reference.expr, reference.import)
        }
        _ => return fixer.no_fix("the callee is neither a name nor an attribute as written"),
    };
    let mut edits = awaited_call(fixer, call, callee, &head);
    edits.extend(import);
    Some(Fix::safe(format!("Replace with `await {head}()`"), edits))
}

/// Edits that make the call's callee `head`, awaited: `await` written before it, unless
/// the call is awaited already (the sync call awaited by mistake).
fn awaited_call(fixer: &Fixer<'_, '_>, call: &ast::ExprCall, callee: TextRange, head: &str) -> Vec<Edit> {
    if fixer.is_awaited(call.range()) {
        return vec![Edit::replace(TextRange::new(call.start(), callee.end()), head.to_owned())];
    }
    awaited(fixer, call.range(), callee.end(), head, "")
}

/// `f(…)` → `await runner(f)(…)`: the call run in a worker thread by `runner`
/// (`asgiref.sync.sync_to_async`). Unsafe: the callee's code runs in another thread.
pub(crate) fn run_with(fixer: &Fixer<'_, '_>, call: &ast::ExprCall, runner: &str) -> Option<Fix> {
    if !fixer.can_await_here() {
        return fixer.no_fix(CANNOT_AWAIT_HERE);
    }
    let callee = range_with_parentheses(fixer, &call.func, call);
    let runner = fixer.importer().reference_by_name(fixer, runner)?;
    let head = format!("{}({})", runner.expr, &fixer.source()[callee]);
    let mut edits = awaited_call(fixer, call, callee, &head);
    edits.extend(runner.import);
    let message =
        format!("Run `{}` in a worker thread with `await {}()`", fixer.display_source(&call.func), runner.expr);
    Some(Fix::unsafe_edits(message, edits))
}

/// The module whose function `call` calls, when the callee is a module's function listed
/// as such (`django.contrib.auth.login`), not a method of a typed object.
fn function_of_module(fixer: &Fixer<'_, '_>, call: &ast::ExprCall) -> Option<String> {
    let settings = fixer.settings();
    let mut buf = String::new();
    let Resolved::QualifiedName = fixer.semantic().resolve(&call.func, &mut buf)? else { return None };
    let listed = settings.extend_blocking_calls.contains_key(&buf) || settings.catalogue.calls.contains_key(&buf);
    listed.then(|| buf.rsplit_once('.').map(|(module, _)| module.to_owned())).flatten()
}

/// An object whose iteration blocks, evaluated asynchronously (see the module's docs).
pub(crate) fn evaluation(fixer: &Fixer<'_, '_>, form: &Evaluation<'_>, entry: &Entry) -> Option<Fix> {
    if !fixer.can_await_here() {
        return fixer.no_fix(CANNOT_AWAIT_HERE);
    }
    if available_twin(fixer, entry).is_some() {
        return async_iteration(fixer, form);
    }
    let Some(runner) = &entry.runner else { return unavailable(fixer, entry) };
    let (iterable, node): (&Expr, ast::AnyNodeRef<'_>) = match form {
        Evaluation::Collect { call, .. } => return run_with(fixer, call, runner),
        Evaluation::ForLoop(for_stmt) => (&for_stmt.iter, (*for_stmt).into()),
        Evaluation::Comprehension { generator, first: true, .. } => (&generator.iter, (*generator).into()),
        Evaluation::Comprehension { .. } => {
            return fixer.no_fix("only a comprehension's first iterable is evaluated where `await` may be written");
        }
        Evaluation::Unfixable(reason) => return fixer.no_fix(*reason),
    };
    // `for x in qs:` → `for x in await sync_to_async(list)(qs):`.
    if fixer.semantic().lookup("list").is_some() {
        return fixer.no_fix("the name `list` is bound to something else here");
    }
    let runner = fixer.importer().reference_by_name(fixer, runner)?;
    let iterable = range_with_parentheses(fixer, iterable, node);
    let collected = format!("await {}(list)({})", runner.expr, &fixer.source()[iterable]);
    let mut edits = vec![Edit::replace(iterable, collected)];
    edits.extend(runner.import);
    Some(Fix::unsafe_edits(format!("Collect it in a worker thread with `await {}(list)()`", runner.expr), edits))
}

/// `for` → `async for`, a comprehension's `for` → `async for`, `list(qs)` → `[obj async
/// for obj in qs]`.
fn async_iteration(fixer: &Fixer<'_, '_>, form: &Evaluation<'_>) -> Option<Fix> {
    let source = fixer.source();
    match form {
        Evaluation::ForLoop(for_stmt) => {
            Some(Fix::safe("Iterate with `async for`", vec![Edit::insert(for_stmt.start(), "async ".to_owned())]))
        }
        Evaluation::Comprehension { generator, .. } => {
            if !source[generator.start().to_usize()..].starts_with("for") {
                return fixer.no_fix("the comprehension's `for` is not where its node starts");
            }
            Some(Fix::safe("Iterate with `async for`", vec![Edit::insert(generator.start(), "async ".to_owned())]))
        }
        Evaluation::Collect { call, argument } => {
            let name = unused_name(fixer, argument.range(), "obj");
            let iterable = &source[argument.range()];
            let comprehension = format!("[{name} async for {name} in {iterable}]");
            let mut buf = String::new();
            let builtin = match fixer.semantic().resolve(&call.func, &mut buf) {
                Some(_) => buf.strip_prefix("builtins.").unwrap_or_default().to_owned(),
                None => String::new(),
            };
            let edit = match builtin.as_str() {
                "list" => Edit::replace(call.range(), comprehension),
                "set" => Edit::replace(call.range(), format!("{{{name} async for {name} in {iterable}}}")),
                _ => Edit::replace(argument.range(), comprehension),
            };
            Some(Fix::safe("Collect it with an async comprehension", vec![edit]))
        }
        Evaluation::Unfixable(_) => None,
    }
}
