//! AG116 `blocking-orm`: Django's ORM in a coroutine: every query that runs, where
//! Django's own async API does the same.
//!
//! ## What it does
//! Reports, in code running on the event loop, what runs a Django database query:
//! - a manager's or queryset's `get()`, `first()`, `last()`, `earliest()`, `latest()`,
//!   `count()`, `exists()`, `contains()`, `aggregate()`, `create()`, `get_or_create()`,
//!   `update_or_create()`, `bulk_create()`, `bulk_update()`, `update()`, `delete()`,
//!   `in_bulk()`, `explain()`, `iterator()`, and a user manager's `create_user()`,
//!   `create_superuser()`, `get_by_natural_key()`;
//! - evaluating a queryset: iterating it (`for`, a comprehension), `list()`, `tuple()`,
//!   `set()`, `sorted()`, `len()` or `bool()` of it, indexing it (`qs[0]`), or testing it
//!   (`if qs:`, `not qs`);
//! - a model instance's `save()`, `delete()` and `refresh_from_db()`;
//! - `django.contrib.auth`'s `authenticate()`, `login()`, `logout()`, `get_user()` and
//!   `update_session_auth_hash()`, and `django.shortcuts.get_object_or_404()` and
//!   `get_list_or_404()`.
//!
//! Model classes are the project's classes deriving from `django.db.models.Model` (also
//! through abstract models and other modules of the project), Django's own
//! (`django.contrib.auth.models.User`, `Group`, `Permission`, `ContentType`, …) and
//! `get_user_model()`. `Model.objects` (and a custom manager assigned to it) is a
//! manager; building a queryset (`filter()`, `exclude()`, `order_by()`,
//! `select_related()`, `values()`, slicing, …) is lazy and not reported where it is
//! built, but where it is evaluated later in the coroutine (a slice, `qs[:10]`, is a
//! queryset too). A model instance is one built by its class, returned by `get()`,
//! `first()`, `create()`, `get_object_or_404()` and their twins, or an item of a
//! queryset (`for article in qs`, also `async for`; not the rows of `values()` and
//! `values_list()`). A sync method awaited by mistake (`await qs.count()`) is reported
//! too: it runs, and Django refuses it, before there is anything to await.
//!
//! Not reported: a queryset that an `async for` (or an async comprehension) earlier in
//! the coroutine already fetched, in the same block or one around it: its rows are
//! cached, and `len()`, a test or another loop reads them without a query; a query in a
//! `with` block that expects Django to refuse it
//! (`with self.assertRaises(SynchronousOnlyOperation):`, a test of exactly that); code
//! inside `sync_to_async(...)` and functions decorated with it or
//! with Channels' `database_sync_to_async` (they run in a thread); a twin already awaited
//! (`await qs.aget()`); a class that is not a model, even with an `objects` attribute;
//! related-object access (`article.author.name`), which queries only when the relation
//! is not loaded yet, something the code does not show; the methods of a custom manager
//! or queryset beyond Django's (their result's type is not known). A sync helper of the
//! project that runs a query is AG110's, with the chain ending at the query.
//!
//! The example below is of a project on Django 5.2:
//! ```yaml
//! library-versions: {django: "5.2"}
//! ```
//!
//! ## Why is this bad?
//! A query waits for the database while the event loop stands still. Django refuses it
//! outright: in an async view it raises `SynchronousOnlyOperation`, on whatever path
//! first reaches the query, in production if no test did.
//!
//! ## Example
//! ```python
//! from django.db import models
//! from django.http import JsonResponse
//!
//! class Article(models.Model):
//!     title = models.CharField(max_length=200)
//!     published = models.BooleanField(default=False)
//!
//! async def publish(request, pk):
//!     article = Article.objects.get(pk=pk)
//!     article.published = True
//!     article.save()
//!     titles = [a.title for a in Article.objects.filter(published=True)]
//!     return JsonResponse({"count": len(titles), "titles": titles})
//! ```
//!
//! ## Use instead
//! Django's async twins, which run the same query without blocking the loop:
//! `await Article.objects.aget(pk=pk)`, `await article.asave()`, `async for` and async
//! comprehensions over a queryset (querysets since Django 4.1, model instances since
//! 4.2, the auth functions and shortcuts since 5.0, the user manager's since 5.2).
//!
//! ## Fix
//! Each call becomes its awaited twin (`get()` → `await ….aget()`, `save()` → `await
//! ….asave()`, `login()` → `await alogin()`), a loop or comprehension over a queryset
//! iterates it with `async for`, and `list(qs)` becomes `[obj async for obj in qs]`
//! (`len(qs)`, `set(qs)`, … collect it so). Safe: the twin runs the same query, in the
//! thread Django keeps for the ORM. The twins are written only where the project's
//! Django has them: its release is the one installed in the project's environment,
//! else the lowest its declared dependency allows (`pyproject.toml`,
//! `requirements.txt`), or the `library-versions` setting. With an older or unknown
//! Django, the call runs in Django's ORM thread instead: `await
//! sync_to_async(Article.objects.get)(pk=pk)`, `for a in await sync_to_async(list)(qs)`.
//! Indexing and truth tests get no fix: `await qs.afirst()` and `await qs.aexists()`
//! ask the database something else (a limit, an `EXISTS`), which only the author can
//! say is what is meant.
//!
//! `aioguard check --fix` turns the example into:
//! ```python
//! from django.db import models
//! from django.http import JsonResponse
//!
//! class Article(models.Model):
//!     title = models.CharField(max_length=200)
//!     published = models.BooleanField(default=False)
//!
//! async def publish(request, pk):
//!     article = await Article.objects.aget(pk=pk)
//!     article.published = True
//!     await article.asave()
//!     titles = [a.title async for a in Article.objects.filter(published=True)]
//!     return JsonResponse({"count": len(titles), "titles": titles})
//! ```
//!
//! ## Fix safety
//! The twins are safe, as is `async for`: the same query runs, and the coroutine waits
//! for it as before (an `await` that lets other tasks run in the middle of a
//! check-then-act on shared state makes the fix unsafe, as for every fix). Running the
//! call with `sync_to_async` is unsafe: the call's code now runs in another thread.

use std::borrow::Cow;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::analysis::context::Context;
use crate::analysis::walk::suites;
use crate::data::registry::{self, RuleInfo};
use crate::rules::checker::{Checker, Evaluation, FixRequest};

/// Why indexing a queryset gets no fix.
const INDEXING: &str =
    "its async forms (`afirst()`, a slice's `aget()`) run another query and fail otherwise: rewrite it by hand";
/// Why testing a queryset gets no fix.
const TESTING: &str = "its async form (`aexists()`) runs another query: rewrite it by hand";
/// Why a generator expression over a queryset gets no fix.
const GENERATOR: &str =
    "a generator expression iterated asynchronously becomes an async generator: collect the queryset first";

/// Builtins that iterate their only argument to the end.
const COLLECTING_BUILTINS: &[&str] = &["list", "tuple", "set", "frozenset", "sorted", "len"];

/// A `for` loop over a queryset.
pub(crate) fn check_for<'a>(checker: &mut Checker<'a>, for_stmt: &'a ast::StmtFor) {
    if for_stmt.is_async {
        return;
    }
    report(checker, &for_stmt.iter, "__iter__", Evaluation::ForLoop(for_stmt), "iterating");
}

/// A comprehension over a queryset, a queryset indexed or tested for truth, or an
/// iterating builtin given one.
pub(crate) fn check_expr<'a>(checker: &mut Checker<'a>, expr: &'a Expr) {
    match expr {
        Expr::ListComp(ast::ExprListComp { generators, .. })
        | Expr::SetComp(ast::ExprSetComp { generators, .. })
        | Expr::DictComp(ast::ExprDictComp { generators, .. }) => {
            for (index, generator) in generators.iter().enumerate().filter(|(_, generator)| !generator.is_async) {
                let form = Evaluation::Comprehension { comprehension: expr, generator, first: index == 0 };
                report(checker, &generator.iter, "__iter__", form, "iterating");
            }
        }
        // Only its first iterable runs where a generator expression is written.
        Expr::Generator(generator) => {
            let first = &generator.generators[0];
            if !first.is_async {
                report(checker, &first.iter, "__iter__", Evaluation::Unfixable(GENERATOR), "iterating");
            }
        }
        Expr::Subscript(subscript) if subscript.ctx.is_load() && !subscript.slice.is_slice_expr() => {
            report(checker, &subscript.value, "__getitem__", Evaluation::Unfixable(INDEXING), "indexing");
        }
        Expr::UnaryOp(ast::ExprUnaryOp { op: ast::UnaryOp::Not, operand, .. }) => {
            report(checker, operand, "__bool__", Evaluation::Unfixable(TESTING), "testing");
        }
        Expr::BoolOp(bool_op) => {
            // The last operand's truth is not tested: its value is the result.
            for value in &bool_op.values[..bool_op.values.len() - 1] {
                report(checker, value, "__bool__", Evaluation::Unfixable(TESTING), "testing");
            }
        }
        Expr::If(if_expr) => report(checker, &if_expr.test, "__bool__", Evaluation::Unfixable(TESTING), "testing"),
        Expr::Call(call) => check_builtin(checker, call),
        _ => {}
    }
}

/// `if qs:`, `while qs:`, `assert qs`.
pub(crate) fn check_stmt<'a>(checker: &mut Checker<'a>, stmt: &'a Stmt) {
    let test = match stmt {
        Stmt::If(if_stmt) => {
            for clause in &if_stmt.elif_else_clauses {
                if let Some(test) = &clause.test {
                    report(checker, test, "__bool__", Evaluation::Unfixable(TESTING), "testing");
                }
            }
            &if_stmt.test
        }
        Stmt::While(while_stmt) => &while_stmt.test,
        Stmt::Assert(assert_stmt) => &assert_stmt.test,
        _ => return,
    };
    report(checker, test, "__bool__", Evaluation::Unfixable(TESTING), "testing");
}

/// `list(qs)`, `len(qs)`, `bool(qs)`, …
fn check_builtin<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall) {
    // `sorted(qs, key=…)` still iterates its one positional argument.
    let [argument] = &call.arguments.args[..] else { return };
    let Expr::Name(callee) = &*call.func else { return };
    if argument.is_starred_expr() || !(callee.id == "bool" || COLLECTING_BUILTINS.contains(&callee.id.as_str())) {
        return;
    }
    let Some(name) = checker.resolve_qualified_name(&call.func) else { return };
    let Some(builtin) = name.strip_prefix("builtins.") else { return };
    let (method, form, verb) = match builtin {
        "bool" => ("__bool__", Evaluation::Unfixable(TESTING), "testing"),
        builtin if COLLECTING_BUILTINS.contains(&builtin) => {
            let method = if builtin == "len" { "__len__" } else { "__iter__" };
            (method, Evaluation::Collect { call, argument }, "collecting")
        }
        _ => return,
    };
    report(checker, argument, method, form, verb);
}

/// Reports `object` evaluated through its special method `method` (`__iter__`), when
/// its type's method is a catalogue entry (a queryset's).
fn report<'a>(checker: &mut Checker<'a>, object: &'a Expr, method: &str, form: Evaluation<'a>, verb: &str) {
    // Cheap tests first: most objects evaluated are of no type whose method blocks.
    if checker.settings().blocking_owners(method).next().is_none() {
        return;
    }
    let Some(coroutine) = checker.loop_function() else { return };
    let Some(ty) = checker.type_of(object) else { return };
    if expects_refusal(checker) || iterated_asynchronously_before(checker, coroutine, object) {
        return;
    }
    let qualified_name = format!("{ty}.{method}");
    let Some(entry) = checker.settings().method_entry(&qualified_name) else { return };
    let rule: &'static RuleInfo = registry::find(entry.rule).expect("catalogue entries name known rules");
    if !checker.is_enabled(rule) || checker.settings().is_allowed(&qualified_name) {
        return;
    }
    let alternative = match (&entry.twin, &entry.message) {
        (Some(twin), message) => {
            let (major, minor) = twin.since;
            let release = if checker.settings().library_versions.has(&twin.package, twin.since) {
                String::new()
            } else {
                format!(" ({} {major}.{minor}+)", capitalized(&twin.package))
            };
            let or = message.as_ref().map(|message| format!(", or use {message}")).unwrap_or_default();
            format!("iterate it with `async for`{release}{or}")
        }
        (None, Some(message)) => format!("use {message}"),
        (None, None) => "move it off the event loop".to_owned(),
    };
    let message = format!(
        "{verb} `{}` runs a database query in {}; {alternative}",
        checker.display_source(object),
        Context::loop_function_label(coroutine)
    );
    let request = match form {
        Evaluation::Unfixable(reason) => FixRequest::Declined(reason.into()),
        form => FixRequest::AsyncEvaluation { form, entry: Cow::Borrowed(entry) },
    };
    checker.report_blocking(rule, object.range(), message, entry.cost, Vec::new(), request);
}

/// Whether the current position is inside a `with` block that expects Django's refusal
/// (`with self.assertRaises(SynchronousOnlyOperation):`, `pytest.raises(...)`): a test
/// that the query fails on the loop, which its async twin would not.
pub(crate) fn expects_refusal(checker: &mut Checker<'_>) -> bool {
    let statements = checker.statements().to_vec();
    statements.iter().any(|stmt| {
        let Stmt::With(with) = stmt else { return false };
        with.items.iter().any(|item| {
            let Expr::Call(call) = &item.context_expr else { return false };
            call.arguments.args.iter().any(|argument| {
                checker.resolve_qualified_name(argument) == Some("django.core.exceptions.SynchronousOnlyOperation")
            })
        })
    })
}

/// Whether the queryset named `object` was iterated with `async for` (or an async
/// comprehension) by a statement that ran before the current one: one before it in its
/// block or in a block around it, within the coroutine. That iteration fetched every
/// row into the queryset's cache, which `len()`, a test or another loop reads without a
/// query.
fn iterated_asynchronously_before(checker: &Checker<'_>, coroutine: &ast::StmtFunctionDef, object: &Expr) -> bool {
    let Expr::Name(name) = object else { return false };
    let iterates = |stmt: &Stmt| match stmt {
        Stmt::For(for_stmt) => for_stmt.is_async && is_name(&for_stmt.iter, &name.id),
        Stmt::Assign(_) | Stmt::AnnAssign(_) | Stmt::Expr(_) | Stmt::Return(_) => {
            let mut finder = AsyncComprehensionOver { name: &name.id, found: false };
            finder.visit_stmt(stmt);
            finder.found
        }
        _ => false,
    };
    let statements = checker.statements();
    let is_coroutine = |stmt: &&Stmt| matches!(stmt, Stmt::FunctionDef(function) if std::ptr::eq(function, coroutine));
    let Some(start) = statements.iter().position(is_coroutine) else { return false };
    statements[start..].windows(2).any(|pair| {
        suites(pair[0]).into_iter().any(|block| {
            let position = block.iter().position(|stmt| std::ptr::eq(stmt, pair[1]));
            position.is_some_and(|position| block[..position].iter().any(iterates))
        })
    })
}

fn is_name(expr: &Expr, name: &str) -> bool {
    matches!(expr, Expr::Name(named) if named.id.as_str() == name)
}

/// Finds an async comprehension whose first iterable is the name.
struct AsyncComprehensionOver<'n> {
    name: &'n str,
    found: bool,
}

impl<'a> Visitor<'a> for AsyncComprehensionOver<'_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::ListComp(ast::ExprListComp { generators, .. })
        | Expr::SetComp(ast::ExprSetComp { generators, .. })
        | Expr::DictComp(ast::ExprDictComp { generators, .. }) = expr
        {
            self.found |= generators.first().is_some_and(|first| first.is_async && is_name(&first.iter, self.name));
        }
        if !matches!(expr, Expr::Lambda(_)) {
            visitor::walk_expr(self, expr);
        }
    }
}

/// `Django` for `django`.
pub(crate) fn capitalized(package: &str) -> String {
    let mut chars = package.chars();
    chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}
