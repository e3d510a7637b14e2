//! One walk over a module's AST that keeps the [`Context`] in step with the position
//! reached (scopes are pushed and popped as functions, classes, lambdas and
//! comprehensions are entered) and hands the nodes to whoever walks: the module's
//! summary, when the context builds one, and the [`Walk`] implementation (the rules'
//! checker, or nothing more to summarize only).

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::analysis::context::{Context, MAX_EXPRESSION_DEPTH};
use crate::analysis::project::summary;

/// What a walk does at the nodes the rules look at; the [`Context`] is kept in step by
/// [`walk_module`] before each hook is called.
pub trait Walk<'a> {
    fn context(&mut self) -> &mut Context<'a>;

    /// A call, before its callee and arguments are walked.
    fn on_call(&mut self, _call: &'a ast::ExprCall) {}

    /// An expression statement, before its expression is walked.
    fn on_expr_stmt(&mut self, _stmt: &'a ast::StmtExpr) {}

    /// A `with` statement, before its items and body are walked.
    fn on_with(&mut self, _with: &'a ast::StmtWith) {}

    /// Any statement, before it is walked (and before the hooks above).
    fn on_stmt(&mut self, _stmt: &'a Stmt) {}

    /// Any expression, before it is walked (and before [`on_call`](Self::on_call)),
    /// once the context has it as the innermost expression.
    fn on_expr(&mut self, _expr: &'a Expr) {}

    /// The first expression nested deeper than [`MAX_EXPRESSION_DEPTH`]: nothing inside
    /// it is walked.
    fn on_too_deep(&mut self, _expr: &'a Expr) {}
}

/// Walks a module's body.
pub fn walk_module<'a>(walk: &mut impl Walk<'a>, body: &'a [Stmt]) {
    Walker(walk).visit_body(body);
}

/// The context alone: a walk that only builds the context's summary.
impl<'a> Walk<'a> for Context<'a> {
    fn context(&mut self) -> &mut Context<'a> {
        self
    }
}

struct Walker<'w, W>(&'w mut W);

impl<'a, W: Walk<'a>> Walker<'_, W> {
    fn context(&mut self) -> &mut Context<'a> {
        self.0.context()
    }
}

impl<'a, W: Walk<'a>> Visitor<'a> for Walker<'_, W> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.context().statements.push(stmt);
        self.0.on_stmt(stmt);
        self.visit_stmt_in_context(stmt);
        self.context().statements.pop();
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        let context = self.context();
        if context.expressions.len() >= MAX_EXPRESSION_DEPTH as usize {
            if !context.too_deep {
                context.too_deep = true;
                self.0.on_too_deep(expr);
            }
            return;
        }
        context.expressions.push(expr);
        if context.summary.is_some() {
            summary::on_special_method(context, expr);
        }
        self.0.on_expr(expr);
        self.visit_expr_within_depth(expr);
        self.context().expressions.pop();
    }

    fn visit_parameters(&mut self, parameters: &'a ast::Parameters) {
        // Only defaults and annotations are expressions evaluated here.
        for parameter in parameters.iter() {
            if let Some(default) = parameter.default() {
                self.visit_expr(default);
            }
            if let Some(annotation) = parameter.annotation() {
                self.visit_annotation(annotation);
            }
        }
    }
}

impl<'a, W: Walk<'a>> Walker<'_, W> {
    fn visit_stmt_in_context(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(function) => {
                // Decorators, defaults and annotations run in the enclosing scope.
                for decorator in &function.decorator_list {
                    self.visit_decorator(decorator);
                }
                self.visit_parameters(&function.parameters);
                if let Some(returns) = &function.returns {
                    self.visit_annotation(returns);
                }
                self.context().semantic.push_function(function);
                let entry = self.context().is_loop_entry_point(function);
                self.context().loop_entries.push(entry);
                summary::enter_function(self.context(), function);
                self.visit_body(&function.body);
                summary::exit_function(self.context());
                self.context().loop_entries.pop();
                self.context().semantic.pop_scope();
            }
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
                summary::enter_class(self.context(), class);
                self.context().semantic.push_class(class);
                self.visit_body(&class.body);
                self.context().semantic.pop_scope();
                summary::exit_class(self.context());
            }
            Stmt::Return(return_stmt) => {
                if self.context().summary.is_some() {
                    summary::on_return(self.context(), return_stmt);
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::Expr(expr_stmt) => {
                self.0.on_expr_stmt(expr_stmt);
                visitor::walk_stmt(self, stmt);
            }
            Stmt::With(with) => {
                self.0.on_with(with);
                for item in &with.items {
                    let outer = self.context().awaited;
                    if with.is_async {
                        self.context().awaited = Some(item.context_expr.range());
                    }
                    self.visit_with_item(item);
                    self.context().awaited = outer;
                }
                self.visit_body(&with.body);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr_within_depth(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    self.visit_parameters(parameters);
                }
                self.context().semantic.push_lambda(lambda);
                self.visit_expr(&lambda.body);
                self.context().semantic.pop_scope();
            }
            Expr::Generator(generator) => {
                // The first iterable is evaluated where the generator is written; the
                // rest runs lazily, inside the generator.
                let (first, rest) = generator.generators.split_first().expect("a generator has a `for`");
                self.visit_expr(&first.iter);
                self.context().semantic.push_comprehension(&generator.generators);
                self.context().generator_depth += 1;
                self.visit_expr(&generator.elt);
                self.visit_expr(&first.target);
                first.ifs.iter().for_each(|condition| self.visit_expr(condition));
                rest.iter().for_each(|comprehension| self.visit_comprehension(comprehension));
                self.context().generator_depth -= 1;
                self.context().semantic.pop_scope();
            }
            Expr::ListComp(ast::ExprListComp { generators, .. })
            | Expr::SetComp(ast::ExprSetComp { generators, .. })
            | Expr::DictComp(ast::ExprDictComp { generators, .. }) => {
                self.context().semantic.push_comprehension(generators);
                visitor::walk_expr(self, expr);
                self.context().semantic.pop_scope();
            }
            Expr::Yield(_) | Expr::YieldFrom(_) => {
                if self.context().summary.is_some() {
                    summary::on_yield(self.context());
                }
                visitor::walk_expr(self, expr);
            }
            Expr::Await(await_expr) => {
                let outer = self.context().awaited.replace(await_expr.value.range());
                visitor::walk_expr(self, expr);
                self.context().awaited = outer;
            }
            Expr::Call(call) => {
                if self.context().summary.is_some() {
                    summary::on_call(self.context(), call);
                }
                self.0.on_call(call);
                self.visit_expr(&call.func);
                let outer = self.context().arguments.replace(&call.arguments);
                self.visit_arguments(&call.arguments);
                self.context().arguments = outer;
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}

/// The suites (blocks of statements) a compound statement holds.
pub fn suites(stmt: &Stmt) -> Vec<&[Stmt]> {
    match stmt {
        Stmt::FunctionDef(function) => vec![&function.body],
        Stmt::ClassDef(class) => vec![&class.body],
        Stmt::If(if_stmt) => std::iter::once(&if_stmt.body[..])
            .chain(if_stmt.elif_else_clauses.iter().map(|clause| &clause.body[..]))
            .collect(),
        Stmt::For(for_stmt) => vec![&for_stmt.body, &for_stmt.orelse],
        Stmt::While(while_stmt) => vec![&while_stmt.body, &while_stmt.orelse],
        Stmt::With(with) => vec![&with.body],
        Stmt::Try(try_stmt) => {
            let handlers = try_stmt.handlers.iter().map(|ast::ExceptHandler::ExceptHandler(handler)| &handler.body[..]);
            [&try_stmt.body[..], &try_stmt.orelse, &try_stmt.finalbody].into_iter().chain(handlers).collect()
        }
        Stmt::Match(match_stmt) => match_stmt.cases.iter().map(|case| &case.body[..]).collect(),
        _ => Vec::new(),
    }
}
