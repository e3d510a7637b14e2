//! The blocking-call family (AG101..AG109, AG111..AG113): resolves a call in code running on the
//! event loop against the catalogue and reports it under the rule its entry names.
//!
//! The rules of the family each have their own file with their documentation and
//! whatever they check beyond a catalogue lookup (an HTTP verb literal for AG102,
//! non-blocking arguments for AG108).

use std::borrow::Cow;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::analysis::semantic::Resolved;
use crate::data::catalogue::{Entry, FixKind, Threads};
use crate::data::config::AsyncLibrary;
use crate::data::diagnostic::Fix;
use crate::data::registry;
use crate::fixes::collect_iterator::offload_iterator;
use crate::fixes::offload_call;
use crate::fixes::with_block::offload_with_block;
use crate::rules::checker::Checker;
use crate::rules::{
    blocking_http, blocking_lock, blocking_network_client, blocking_open, blocking_sleep, blocking_socket,
    blocking_wait,
};

/// A call the catalogue (or the configuration) says blocks.
pub struct BlockingCall<'e> {
    /// The qualified name the entry is listed under (`requests.Session.get`).
    pub qualified_name: String,
    /// How the call reads in messages: `time.sleep`, `open`, `session.get`.
    pub display: String,
    pub entry: Cow<'e, Entry>,
}

pub(crate) fn check<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall) {
    let Some(coroutine) = checker.semantic().enclosing_coroutine() else { return };
    let Some(blocking) = find_unallowed_blocking_call(checker, call) else { return };
    let rule = registry::find(blocking.entry.rule).expect("catalogue entries name known rules");
    if !checker.is_enabled(rule) {
        return;
    }
    let advice = advice(&blocking.entry, checker.library());
    let message =
        format!("`{}()` blocks the event loop in `async def {}`; {advice}", blocking.display, coroutine.name.as_str());
    // The configuration says that a call blocks, not that it may run in another thread.
    let configured = checker.settings().extend_blocking_calls.contains_key(&blocking.qualified_name);
    let unsafe_offload = configured || blocking.entry.threads == Threads::ThreadSafe;
    checker.report_with_fix(rule, call.range(), message, |checker| {
        let fix = fix(checker, call, &blocking.entry);
        if unsafe_offload { fix.map(Fix::into_unsafe) } else { fix }
    });
}

/// The fix for a blocking call: the whole block when the call opens a `with`, the fix
/// its catalogue entry names otherwise; none where its object may not move to a thread.
fn fix(checker: &Checker<'_>, call: &ast::ExprCall, entry: &Entry) -> Option<Fix> {
    if entry.fix == FixKind::None {
        return checker.no_fix("its async replacement works differently: rewrite it by hand as the message says");
    }
    if entry.threads == Threads::NotThreadSafe {
        return checker.no_fix("its object may not be used from another thread");
    }
    if let Some(with) = opened_with(checker, call) {
        // Offloading only the call would leave the block's I/O on the loop.
        if uses_objects_bound_to_a_thread(checker, &with.body) {
            return checker.no_fix("the `with` block uses an object that may not be used from another thread");
        }
        return offload_with_block(checker, with);
    }
    match entry.fix {
        FixKind::Sleep => blocking_sleep::fix(checker, call),
        FixKind::Getaddrinfo => blocking_socket::fix_getaddrinfo(checker, call),
        FixKind::Offload => offload_call(checker, call),
        FixKind::OffloadStream if is_read_at_once(checker, call) => checker.no_fix(
            "the stream is used in the same expression: offloading the call alone would leave that on the loop",
        ),
        FixKind::OffloadStream => offload_call(checker, call),
        FixKind::OffloadList => offload_iterator(checker, call),
        FixKind::None => unreachable!("returned above"),
    }
}

/// Whether `body` calls a catalogue entry whose object may not move to another thread
/// (`conn.execute()` of a `sqlite3` connection made before the block): moving the block
/// to a worker thread would move that call too.
fn uses_objects_bound_to_a_thread(checker: &Checker<'_>, body: &[Stmt]) -> bool {
    struct Finder<'c, 'a> {
        checker: &'c Checker<'a>,
        buf: String,
        found: bool,
    }
    impl<'b> Visitor<'b> for Finder<'_, '_> {
        fn visit_expr(&mut self, expr: &'b Expr) {
            if let Expr::Call(call) = expr {
                let semantic = self.checker.semantic();
                let name = match (semantic.resolve(&call.func, &mut self.buf), &*call.func) {
                    (Some(Resolved::QualifiedName), _) => Some(std::mem::take(&mut self.buf)),
                    (None, Expr::Attribute(method)) => self
                        .checker
                        .object_type(&method.value, &mut self.buf)
                        .map(|ty| format!("{ty}.{}", method.attr.as_str())),
                    _ => None,
                };
                let entry = name.and_then(|name| self.checker.settings().blocking_entry(&name));
                self.found |= entry.is_some_and(|entry| entry.threads == Threads::NotThreadSafe);
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Finder { checker, buf: String::new(), found: false };
    finder.visit_body(body);
    finder.found
}

/// Whether the stream `call` opens is used in the same expression (`open(p).read()`).
fn is_read_at_once(checker: &Checker<'_>, call: &ast::ExprCall) -> bool {
    matches!(checker.parent_expression(), Some(Expr::Attribute(attribute)) if attribute.value.range() == call.range())
}

/// The `with` statement whose context expression `call` is.
fn opened_with<'a>(checker: &Checker<'a>, call: &ast::ExprCall) -> Option<&'a ast::StmtWith> {
    let Some(Stmt::With(with)) = checker.statements().last().copied() else { return None };
    with.items.iter().any(|item| item.context_expr.range() == call.range()).then_some(with)
}

/// A call that blocks, unless the configuration allows it or its arguments make it
/// return at once (`lock.acquire(blocking=False)`).
pub fn find_unallowed_blocking_call<'a>(checker: &mut Checker<'a>, call: &ast::ExprCall) -> Option<BlockingCall<'a>> {
    let blocking = find_blocking_call(checker, call)?;
    (!is_allowed_call(checker, call, &blocking.qualified_name, &blocking.entry)).then_some(blocking)
}

/// Whether the configuration allows the call to the catalogue entry `entry` (named
/// `qualified_name`), or its arguments make it return at once.
pub fn is_allowed_call(checker: &mut Checker<'_>, call: &ast::ExprCall, qualified_name: &str, entry: &Entry) -> bool {
    checker.settings().is_allowed(qualified_name)
        || (entry.rule == registry::BLOCKING_LOCK.code && blocking_lock::is_non_blocking(call))
        || (entry.rule == registry::BLOCKING_WAIT.code && blocking_wait::is_non_blocking(call, qualified_name))
        || (entry.rule == registry::BLOCKING_NETWORK_CLIENT.code
            && blocking_network_client::is_non_blocking(call, qualified_name))
        || (entry.rule == registry::BLOCKING_SOCKET.code
            && blocking_socket::is_non_blocking(checker, call, qualified_name))
        || (entry.rule == registry::BLOCKING_OPEN.code
            && blocking_open::opens_no_certain_path(checker, call, qualified_name))
}

/// Resolves the callee of `call` to a blocking catalogue entry, if it is one.
pub fn find_blocking_call<'a>(checker: &mut Checker<'a>, call: &ast::ExprCall) -> Option<BlockingCall<'a>> {
    let settings = checker.settings();
    let func: &Expr = &call.func;
    let context = checker.module_context();
    if let Some(name) = checker.resolve_qualified_name(func) {
        if let Some(entry) = settings.blocking_entry(name) {
            let display = name.strip_prefix("builtins.").unwrap_or(name).to_owned();
            return Some(BlockingCall { qualified_name: name.to_owned(), display, entry: Cow::Borrowed(entry) });
        }
        // `app.db.conn.execute`: a method of an object another module of the project keeps.
        if !context.is_some_and(|context| context.is_project_name(name)) {
            return None;
        }
    }
    let Expr::Attribute(attribute) = func else { return None };
    // An awaited method is not the sync client's, whatever the object was taken for.
    if checker.is_awaited(call.range()) {
        return None;
    }
    if let Some(ty) = checker.type_of(&attribute.value) {
        let qualified_name = format!("{ty}.{}", attribute.attr.as_str());
        let entry = settings.blocking_entry(&qualified_name)?;
        return Some(BlockingCall {
            qualified_name,
            display: checker.display_source(func),
            entry: Cow::Borrowed(entry),
        });
    }
    if blocking_http::is_request_with_verb_literal(checker, call) {
        let display = checker.display_source(func);
        let entry = Cow::Owned(blocking_http::verb_literal_entry());
        return Some(BlockingCall { qualified_name: display.clone(), display, entry });
    }
    None
}

/// What to do instead, for the message: the entry's alternative and, where the call can
/// simply run in a worker thread, how to do that with the module's async library.
fn advice(entry: &Entry, library: AsyncLibrary) -> String {
    let module = library.module();
    let offload = library.offload_call();
    // An object that may not move to another thread is not advised to.
    let fix = if entry.threads == Threads::NotThreadSafe { FixKind::None } else { entry.fix };
    match (fix, &entry.message) {
        (FixKind::Sleep, _) => format!("use `await {module}.sleep()`"),
        (FixKind::Getaddrinfo, _) if library == AsyncLibrary::Asyncio => {
            "use `await asyncio.get_running_loop().getaddrinfo()`".to_owned()
        }
        (FixKind::Getaddrinfo, _) if library == AsyncLibrary::Trio => {
            "use `await trio.socket.getaddrinfo()`".to_owned()
        }
        (FixKind::Getaddrinfo, _) => "use `await anyio.getaddrinfo()`".to_owned(),
        (FixKind::Offload | FixKind::OffloadStream | FixKind::OffloadList, Some(alternative)) => {
            format!("use {alternative}, or run it in a thread with `await {offload}()`")
        }
        (FixKind::Offload | FixKind::OffloadStream, None) => format!("run it in a thread with `await {offload}()`"),
        (FixKind::OffloadList, None) => format!("collect it in a thread with `await {offload}(lambda: list(...))`"),
        (FixKind::None, Some(alternative)) => format!("use {alternative}"),
        (FixKind::None, None) => "move it off the event loop".to_owned(),
    }
}
