//! Collecting a lazy iterator in a worker thread: `for entry in os.scandir(p):` becomes
//! `for entry in await asyncio.to_thread(lambda: list(os.scandir(p))):`. The iterator
//! does its I/O while it is consumed, so the consuming is what must move.
//!
//! A list stands in for the iterator only where the code could not tell them apart: the
//! call is consumed at once, as a plain iterable (the iterable of a `for` loop or a
//! comprehension, the argument of `list()`, `sorted()`, `set()`, `frozenset()`,
//! `tuple()` or `len()`, the right side of `in`). Stored, passed elsewhere or given to
//! `next()`, it must stay an iterator: no fix. Nor where the loop changes, in place,
//! what the iteration handed it (`dirs[:] = …` prunes an `os.walk`, but not a walk that
//! has already run to its end), or passes it to a call that might.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, CmpOp, Expr, ExprContext, Stmt};
use ruff_text_size::Ranged;

use crate::analysis::semantic::Resolved;
use crate::data::diagnostic::Fix;
use crate::fixes::Fixer;
use crate::fixes::codegen::{CANNOT_AWAIT_HERE, ThreadCall, awaited};

/// Builtins that consume an iterable whole and keep none of it as an iterator.
const CONSUMING_BUILTINS: &[&str] =
    &["builtins.list", "builtins.sorted", "builtins.set", "builtins.frozenset", "builtins.tuple", "builtins.len"];

/// Builtins that neither keep nor change the object passed to them.
const READING_BUILTINS: &[&str] = &[
    "builtins.len",
    "builtins.list",
    "builtins.sorted",
    "builtins.set",
    "builtins.tuple",
    "builtins.enumerate",
    "builtins.zip",
    "builtins.any",
    "builtins.all",
    "builtins.print",
    "builtins.str",
    "builtins.repr",
    "builtins.reversed",
];

/// Methods of a list that leave it as it is.
const READING_METHODS: &[&str] = &["copy", "count", "index"];

/// Collects the iterator `call` returns in a worker thread, where a list is equivalent
/// (see the module's documentation). Unsafe: the iteration ends before the loop's body
/// runs, so it sees the disk as it was at the start.
pub fn offload_iterator(fixer: &Fixer<'_, '_>, call: &ast::ExprCall) -> Option<Fix> {
    if !fixer.can_await_here() {
        return fixer.no_fix(CANNOT_AWAIT_HERE);
    }
    if fixer.semantic().lookup("list").is_some() {
        return fixer.no_fix("the name `list` is bound to something else here");
    }
    if !is_consumed_at_once(fixer, call) {
        return fixer.no_fix("the iterator is kept or changed, not consumed at once: a list cannot stand in for it");
    }
    let thread = ThreadCall::for_module(fixer, false)?;
    let head = format!("{}lambda: list(", thread.open);
    let mut edits = awaited(fixer, call.range(), call.start(), &head, &")".repeat(thread.depth + 1));
    edits.extend(thread.imports);
    let message = format!(
        "Collect `{}()` in a worker thread with `await {}(lambda: list(...))`",
        fixer.display_source(&call.func),
        thread.runner
    );
    Some(Fix::unsafe_edits(message, edits))
}

/// Whether the iterator `call` returns is consumed where it is made, as a plain
/// iterable, and the consumer changes nothing that the iteration handed it.
fn is_consumed_at_once(fixer: &Fixer<'_, '_>, call: &ast::ExprCall) -> bool {
    let range = call.range();
    if let Some(Stmt::For(for_stmt)) = fixer.statements().last().copied()
        && !for_stmt.is_async
        && for_stmt.iter.range() == range
    {
        let targets = stored_names(&for_stmt.target);
        return !for_stmt.body.iter().chain(&for_stmt.orelse).any(|stmt| {
            let mut finder = InPlaceChange::new(fixer, &targets);
            finder.visit_stmt(stmt);
            finder.found
        });
    }
    let Some(parent) = fixer.parent_expression() else { return false };
    match parent {
        Expr::ListComp(ast::ExprListComp { generators, .. })
        | Expr::SetComp(ast::ExprSetComp { generators, .. })
        | Expr::DictComp(ast::ExprDictComp { generators, .. })
        | Expr::Generator(ast::ExprGenerator { generators, .. }) => {
            let Some(generator) = generators.iter().find(|generator| generator.iter.range() == range) else {
                return false;
            };
            let targets = stored_names(&generator.target);
            let mut finder = InPlaceChange::new(fixer, &targets);
            finder.visit_expr(parent);
            !generator.is_async && !finder.found
        }
        Expr::Call(consumer) => {
            let only_argument = consumer.arguments.keywords.is_empty()
                && matches!(&consumer.arguments.args[..], [argument] if argument.range() == range);
            only_argument && is_one_of(fixer, &consumer.func, CONSUMING_BUILTINS)
        }
        Expr::Compare(compare) => compare
            .ops
            .iter()
            .zip(compare.comparators.iter())
            .any(|(op, right)| matches!(op, CmpOp::In | CmpOp::NotIn) && right.range() == range),
        _ => false,
    }
}

/// Whether `expr` names one of the `qualified` names.
fn is_one_of(fixer: &Fixer<'_, '_>, expr: &Expr, qualified: &[&str]) -> bool {
    let mut name = String::new();
    matches!(fixer.semantic().resolve(expr, &mut name), Some(Resolved::QualifiedName))
        && qualified.contains(&name.as_str())
}

fn stored_names(target: &Expr) -> Vec<&str> {
    match target {
        Expr::Name(name) => vec![name.id.as_str()],
        Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
            elts.iter().flat_map(stored_names).collect()
        }
        Expr::Starred(starred) => stored_names(&starred.value),
        _ => Vec::new(),
    }
}

/// Finds a change, in place, of an object one of `names` refers to: an item or slice
/// assigned or deleted (`dirs[:] = …`), an augmented assignment (`dirs += …`), a method
/// call (`dirs.remove(d)`) or the object passed to a call that might change it.
struct InPlaceChange<'c, 'n, 'a> {
    fixer: &'c Fixer<'c, 'a>,
    names: &'n [&'n str],
    found: bool,
}

impl<'c, 'n, 'a> InPlaceChange<'c, 'n, 'a> {
    fn new(fixer: &'c Fixer<'c, 'a>, names: &'n [&'n str]) -> Self {
        InPlaceChange { fixer, names, found: false }
    }

    fn is_one_of_names(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Name(name) if self.names.contains(&name.id.as_str()))
    }
}

impl<'b> Visitor<'b> for InPlaceChange<'_, '_, '_> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        if let Stmt::AugAssign(assign) = stmt
            && self.is_one_of_names(&assign.target)
        {
            self.found = true;
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'b Expr) {
        match expr {
            Expr::Subscript(subscript)
                if subscript.ctx != ExprContext::Load && self.is_one_of_names(&subscript.value) =>
            {
                self.found = true
            }
            Expr::Call(call) => {
                if let Expr::Attribute(method) = &*call.func
                    && self.is_one_of_names(&method.value)
                    && !READING_METHODS.contains(&method.attr.as_str())
                {
                    self.found = true;
                }
                let passes_name = call.arguments.args.iter().chain(call.arguments.keywords.iter().map(|k| &k.value));
                if passes_name.into_iter().any(|argument| self.is_one_of_names(argument))
                    && !is_one_of(self.fixer, &call.func, READING_BUILTINS)
                {
                    self.found = true;
                }
            }
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}
