//! The checker: one walk over a module's AST that keeps the semantic model in step
//! (scopes are pushed and popped as functions, classes and lambdas are entered) and
//! hands each call, expression statement and `with` statement to the rules.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::config::{AsyncLibrary, RuleSet, Settings};
use crate::diagnostic::Diagnostic;
use crate::rules::{self, RuleInfo};
use crate::semantic::{Resolved, SemanticModel};

/// Longest callee text quoted in a message.
const MAX_DISPLAY_CHARS: usize = 60;

/// Expressions nested deeper than this are not walked further: no real code comes
/// near it (CPython refuses far less), and walking deeper risks the stack.
pub const MAX_EXPRESSION_DEPTH: u32 = 10_000;

pub struct Checker<'a> {
    source: &'a str,
    semantic: SemanticModel<'a>,
    settings: &'a Settings,
    enabled: RuleSet,
    library: AsyncLibrary,
    /// Reused for every qualified name resolved, so resolving allocates nothing.
    name_buf: String,
    /// The expression directly under the `await` (or in the `async with` item) being
    /// walked, if any.
    awaited: Option<TextRange>,
    /// How deeply the expression being walked is nested.
    expression_depth: u32,
    /// Whether the walk stopped at [`MAX_EXPRESSION_DEPTH`] somewhere.
    too_deep: bool,
    /// The arguments of the innermost call being walked.
    arguments: Option<&'a ast::Arguments>,
    diagnostics: Vec<Diagnostic>,
}

/// Runs every enabled rule over one parsed module.
pub fn check_module(source: &str, module: &ast::ModModule, settings: &Settings, enabled: RuleSet) -> Vec<Diagnostic> {
    let library = settings.async_library.unwrap_or_else(|| AsyncLibrary::detect(&module.body));
    let mut checker = Checker {
        source,
        semantic: SemanticModel::new(&module.body, settings.catalogue, &settings.configured_types),
        settings,
        enabled,
        library,
        name_buf: String::new(),
        awaited: None,
        expression_depth: 0,
        too_deep: false,
        arguments: None,
        diagnostics: Vec::new(),
    };
    checker.visit_body(&module.body);
    checker.diagnostics
}

impl<'a> Checker<'a> {
    pub fn semantic(&self) -> &SemanticModel<'a> {
        &self.semantic
    }

    pub fn settings(&self) -> &'a Settings {
        self.settings
    }

    pub fn library(&self) -> AsyncLibrary {
        self.library
    }

    pub fn is_enabled(&self, rule: &RuleInfo) -> bool {
        self.enabled.contains(rule)
    }

    /// Whether this call is the operand of an `await` or entered by `async with`.
    pub fn is_awaited(&self, call: TextRange) -> bool {
        self.awaited == Some(call)
    }

    /// Whether this expression is handed to the call being walked as an argument
    /// (`f(x)`, `f(*x)`, `f(key=x)`), or is the element of a comprehension that is
    /// (`gather(*(x for u in urls))`).
    pub fn is_passed_to_call(&self, expr: TextRange) -> bool {
        let Some(arguments) = self.arguments else { return false };
        arguments.args.iter().chain(arguments.keywords.iter().map(|keyword| &keyword.value)).any(|argument| {
            let argument = match argument {
                Expr::Starred(starred) => &*starred.value,
                other => other,
            };
            let element = match argument {
                Expr::Generator(ast::ExprGenerator { elt, .. })
                | Expr::ListComp(ast::ExprListComp { elt, .. })
                | Expr::SetComp(ast::ExprSetComp { elt, .. }) => elt,
                other => other,
            };
            argument.range() == expr || element.range() == expr
        })
    }

    /// The qualified name a callee resolves to (`t.sleep` → `time.sleep`), borrowed
    /// from the checker's buffer.
    pub fn resolve_qualified_name(&mut self, expr: &Expr) -> Option<&str> {
        match self.semantic.resolve(expr, &mut self.name_buf)? {
            Resolved::QualifiedName => Some(self.name_buf.as_str()),
            Resolved::Function(_) | Resolved::Class(_) => None,
        }
    }

    /// The tracked type of an object expression (`requests.Session`, `pathlib.Path`, …).
    pub fn type_of(&mut self, expr: &Expr) -> Option<&'a str> {
        self.semantic.type_of(expr, &mut self.name_buf)
    }

    /// An expression's source text on one line, shortened for a message.
    pub fn display_source(&self, expr: &Expr) -> String {
        let text: String = self.source[expr.range()].split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() <= MAX_DISPLAY_CHARS {
            return text;
        }
        let mut short: String = text.chars().take(MAX_DISPLAY_CHARS - 1).collect();
        short.push('…');
        short
    }

    pub fn report(&mut self, rule: &'static RuleInfo, range: TextRange, message: String) {
        if self.is_enabled(rule) {
            self.diagnostics.push(Diagnostic { rule, range, message, fix: None, chain: Vec::new() });
        }
    }
}

impl<'a> Visitor<'a> for Checker<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
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
                self.semantic.push_function(function);
                self.visit_body(&function.body);
                self.semantic.pop_scope();
            }
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
                self.semantic.push_class(class);
                self.visit_body(&class.body);
                self.semantic.pop_scope();
            }
            Stmt::Expr(expr_stmt) => {
                rules::on_expr_stmt(self, expr_stmt);
                visitor::walk_stmt(self, stmt);
            }
            Stmt::With(with) => {
                rules::on_with(self, with);
                for item in &with.items {
                    let outer = self.awaited;
                    if with.is_async {
                        self.awaited = Some(item.context_expr.range());
                    }
                    self.visit_with_item(item);
                    self.awaited = outer;
                }
                self.visit_body(&with.body);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.expression_depth >= MAX_EXPRESSION_DEPTH {
            if !self.too_deep {
                self.too_deep = true;
                let message = format!(
                    "expression nested more than {MAX_EXPRESSION_DEPTH} levels deep: CPython cannot compile it, and aioguard checks nothing deeper"
                );
                self.report(&rules::syntax_error::RULE, expr.range(), message);
            }
            return;
        }
        self.expression_depth += 1;
        self.visit_expr_within_depth(expr);
        self.expression_depth -= 1;
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

impl<'a> Checker<'a> {
    fn visit_expr_within_depth(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    self.visit_parameters(parameters);
                }
                self.semantic.push_lambda(lambda);
                self.visit_expr(&lambda.body);
                self.semantic.pop_scope();
            }
            Expr::ListComp(ast::ExprListComp { generators, .. })
            | Expr::SetComp(ast::ExprSetComp { generators, .. })
            | Expr::DictComp(ast::ExprDictComp { generators, .. })
            | Expr::Generator(ast::ExprGenerator { generators, .. }) => {
                self.semantic.push_comprehension(generators);
                visitor::walk_expr(self, expr);
                self.semantic.pop_scope();
            }
            Expr::Await(await_expr) => {
                let outer = self.awaited.replace(await_expr.value.range());
                visitor::walk_expr(self, expr);
                self.awaited = outer;
            }
            Expr::Call(call) => {
                rules::on_call(self, call);
                self.visit_expr(&call.func);
                let outer = self.arguments.replace(&call.arguments);
                self.visit_arguments(&call.arguments);
                self.arguments = outer;
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}
