//! The fix of a blocking call the catalogue lists (AG101–AG109, AG111–AG116): the whole
//! `with` block when the call opens one, otherwise what the entry's fix kind says;
//! none where the call's object may not move to another thread.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::analysis::semantic::Resolved;
use crate::data::catalogue::{Entry, FixKind, Threads};
use crate::data::diagnostic::Fix;
use crate::fixes::Fixer;
use crate::fixes::async_twin;
use crate::fixes::codegen::offload_call;
use crate::fixes::collect_iterator::offload_iterator;
use crate::fixes::library_twin;
use crate::fixes::with_block::offload_with_block;

/// The fix for a blocking call: the whole block when the call opens a `with`, the fix
/// its catalogue entry names otherwise; none where its object may not move to a thread.
pub(crate) fn fix(fixer: &Fixer<'_, '_>, call: &ast::ExprCall, entry: &Entry) -> Option<Fix> {
    if entry.fix == FixKind::None {
        return fixer.no_fix("its async replacement works differently: rewrite it by hand as the message says");
    }
    if entry.threads == Threads::NotThreadSafe {
        return fixer.no_fix("its object may not be used from another thread");
    }
    if let Some(with) = opened_with(fixer, call) {
        // Offloading only the call would leave the block's I/O on the loop.
        if uses_objects_bound_to_a_thread(fixer, &with.body) {
            return fixer.no_fix("the `with` block uses an object that may not be used from another thread");
        }
        return offload_with_block(fixer, with);
    }
    match entry.fix {
        FixKind::Sleep => async_twin::sleep(fixer, call),
        FixKind::Getaddrinfo => async_twin::getaddrinfo(fixer, call),
        FixKind::Offload => offload_call(fixer, call),
        FixKind::OffloadStream if is_read_at_once(fixer, call) => fixer.no_fix(
            "the stream is used in the same expression: offloading the call alone would leave that on the loop",
        ),
        FixKind::OffloadStream => offload_call(fixer, call),
        FixKind::OffloadList => offload_iterator(fixer, call),
        FixKind::AsyncTwin => library_twin::call(fixer, call, entry),
        FixKind::None => unreachable!("returned above"),
    }
}

/// Whether `body` calls a catalogue entry whose object may not move to another thread
/// (`conn.execute()` of a `sqlite3` connection made before the block): moving the block
/// to a worker thread would move that call too.
fn uses_objects_bound_to_a_thread(fixer: &Fixer<'_, '_>, body: &[Stmt]) -> bool {
    struct Finder<'c, 'a> {
        fixer: &'c Fixer<'c, 'a>,
        buf: String,
        found: bool,
    }
    impl<'b> Visitor<'b> for Finder<'_, '_> {
        fn visit_expr(&mut self, expr: &'b Expr) {
            if let Expr::Call(call) = expr {
                let semantic = self.fixer.semantic();
                let settings = self.fixer.settings();
                let entry = match (semantic.resolve(&call.func, &mut self.buf), &*call.func) {
                    (Some(Resolved::QualifiedName), _) => settings.blocking_entry(&self.buf),
                    (None, Expr::Attribute(method)) => self
                        .fixer
                        .object_type(&method.value, &mut self.buf)
                        .and_then(|ty| settings.method_entry(&format!("{ty}.{}", method.attr.as_str()))),
                    _ => None,
                };
                self.found |= entry.is_some_and(|entry| entry.threads == Threads::NotThreadSafe);
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Finder { fixer, buf: String::new(), found: false };
    finder.visit_body(body);
    finder.found
}

/// Whether the stream `call` opens is used in the same expression (`open(p).read()`).
fn is_read_at_once(fixer: &Fixer<'_, '_>, call: &ast::ExprCall) -> bool {
    matches!(fixer.parent_expression(), Some(Expr::Attribute(attribute)) if attribute.value.range() == call.range())
}

/// The `with` statement whose context expression `call` is.
fn opened_with<'a>(fixer: &Fixer<'_, 'a>, call: &ast::ExprCall) -> Option<&'a ast::StmtWith> {
    let Some(Stmt::With(with)) = fixer.statements().last().copied() else { return None };
    with.items.iter().any(|item| item.context_expr.range() == call.range()).then_some(with)
}
