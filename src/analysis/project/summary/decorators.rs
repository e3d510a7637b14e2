//! What a function's decorators do to calling it: the catalogue's plain and caching
//! decorators, and the project's own decorators that wrap a function and call it
//! ([`Wrapper`]).

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};

use super::Wrapper;
use crate::analysis::semantic::{Resolved, SemanticModel};

/// `@staticmethod`, `@functools.lru_cache(maxsize=1)`, …: see the catalogue's
/// `plain-decorators` and `caching-decorators`.
pub(super) fn is_plain_decorator(semantic: &SemanticModel<'_>, decorator: &ast::Decorator) -> bool {
    decorator_name(semantic, decorator).is_some_and(|name| {
        let catalogue = semantic.catalogue();
        catalogue.plain_decorators.contains(&name) || catalogue.caching_decorators.contains(&name)
    })
}

/// `@functools.cache`, `@functools.lru_cache(maxsize=…)`, `@cachetools.cached(…)`: the
/// body runs on the first call with given arguments only.
pub(super) fn is_cache_decorator(semantic: &SemanticModel<'_>, decorator: &ast::Decorator) -> bool {
    decorator_name(semantic, decorator).is_some_and(|name| semantic.catalogue().caching_decorators.contains(&name))
}

/// `@contextlib.contextmanager`: the generator it wraps runs up to its `yield` when the
/// `with` statement enters it.
pub(super) fn is_context_manager_decorator(semantic: &SemanticModel<'_>, decorator: &ast::Decorator) -> bool {
    decorator_name(semantic, decorator).is_some_and(|name| name == "contextlib.contextmanager")
}

/// The qualified name of a decorator (of the function a decorator factory call names).
pub(crate) fn decorator_name(semantic: &SemanticModel<'_>, decorator: &ast::Decorator) -> Option<String> {
    let expression = match &decorator.expression {
        Expr::Call(call) => &*call.func,
        other => other,
    };
    let mut buf = String::new();
    matches!(semantic.resolve(expression, &mut buf), Some(Resolved::QualifiedName)).then_some(buf)
}

/// What `function` returns when it is a decorator that wraps its one parameter:
///
/// ```python
/// def traced(func):
///     @functools.wraps(func)
///     def wrapper(*args, **kwargs):
///         log(func.__name__)
///         return func(*args, **kwargs)
///     return wrapper
/// ```
pub(super) fn wrapper_returned(semantic: &SemanticModel<'_>, function: &ast::StmtFunctionDef) -> Option<Wrapper> {
    let parameters = &function.parameters;
    let [wrapped] = &*parameters.args else { return None };
    if !parameters.posonlyargs.is_empty()
        || !parameters.kwonlyargs.is_empty()
        || parameters.vararg.is_some()
        || parameters.kwarg.is_some()
    {
        return None;
    }
    let wrapped = wrapped.parameter.name.as_str();
    let Some(Stmt::Return(ast::StmtReturn { value: Some(returned), .. })) = function.body.last() else {
        return None;
    };
    let Expr::Name(returned) = &**returned else { return None };
    let inner = function.body.iter().rev().find_map(|stmt| match stmt {
        Stmt::FunctionDef(inner) if inner.name.as_str() == returned.id.as_str() => Some(inner),
        _ => None,
    })?;
    let only_wraps = inner.decorator_list.iter().all(|decorator| {
        let mut name = String::new();
        matches!(&decorator.expression, Expr::Call(call)
            if matches!(semantic.resolve(&call.func, &mut name), Some(Resolved::QualifiedName)))
            && name == "functools.wraps"
    });
    if !only_wraps {
        return None;
    }
    let mut calls = CallsOfWrapped::new(wrapped, &inner.parameters)?;
    calls.visit_body(&inner.body);
    match (inner.is_async, calls.plain, calls.awaited) {
        (false, true, false) => Some(Wrapper::Sync),
        (true, false, true) => Some(Wrapper::Async),
        _ => None,
    }
}

/// Finds, in an inner function's own body, the calls of the wrapped function that pass
/// it the inner function's own arguments: `func(*args, **kwargs)`, `func(self, *args,
/// **kwargs)` for `def wrapper(self, *args, **kwargs)`.
struct CallsOfWrapped<'p> {
    wrapped: &'p str,
    positional: Vec<&'p str>,
    args: &'p str,
    kwargs: &'p str,
    plain: bool,
    awaited: bool,
}

impl<'p> CallsOfWrapped<'p> {
    fn new(wrapped: &'p str, parameters: &'p ast::Parameters) -> Option<Self> {
        if !parameters.kwonlyargs.is_empty() {
            return None;
        }
        let positional = parameters.posonlyargs.iter().chain(&parameters.args);
        Some(CallsOfWrapped {
            wrapped,
            positional: positional.map(|parameter| parameter.parameter.name.as_str()).collect(),
            args: parameters.vararg.as_deref()?.name.as_str(),
            kwargs: parameters.kwarg.as_deref()?.name.as_str(),
            plain: false,
            awaited: false,
        })
    }

    fn passes_all(&self, call: &ast::ExprCall) -> bool {
        let is_name = |expr: &Expr, expected: &str| matches!(expr, Expr::Name(name) if name.id.as_str() == expected);
        let arguments = &call.arguments;
        let Some((Expr::Starred(args), positional)) = arguments.args.split_last() else { return false };
        let [keyword] = &*arguments.keywords else { return false };
        is_name(&call.func, self.wrapped)
            && is_name(&args.value, self.args)
            && keyword.arg.is_none()
            && is_name(&keyword.value, self.kwargs)
            && positional.len() == self.positional.len()
            && positional.iter().zip(&self.positional).all(|(argument, name)| is_name(argument, name))
    }
}

impl<'b> Visitor<'b> for CallsOfWrapped<'_> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        // What an inner function or class runs may run elsewhere or never.
        if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            visitor::walk_stmt(self, stmt);
        }
    }

    fn visit_expr(&mut self, expr: &'b Expr) {
        match expr {
            Expr::Lambda(_) => {}
            Expr::Await(awaited) if matches!(&*awaited.value, Expr::Call(call) if self.passes_all(call)) => {
                self.awaited = true;
            }
            Expr::Call(call) if self.passes_all(call) => self.plain = true,
            _ => visitor::walk_expr(self, expr),
        }
    }
}
