//! The checker: one walk over a module's AST that keeps the semantic model in step
//! (scopes are pushed and popped as functions, classes and lambdas are entered) and
//! hands each call, expression statement and `with` statement to the rules; or, for the
//! project-wide pass, hands functions, classes and calls to the module's summary.
//!
//! It also keeps what a fix needs to know about the position being checked: the
//! statements and expressions around it, and whether an `await` may be written there.

use std::cell::{Cell, OnceCell};

use ruff_python_ast::token::Tokens;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_python_parser::Parsed;
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::analysis::project::ProjectView;
use crate::analysis::project::summary::{self, Callee, FileSummary, ModuleContext, SummaryBuilder, TypeQuery};
use crate::analysis::semantic::{ProjectTypes, Resolved, ScopeKind, SemanticModel};
use crate::data::config::{AsyncLibrary, RuleSet, Settings};
use crate::data::diagnostic::{Diagnostic, Fix, Hop};
use crate::data::registry::{self, RuleInfo};
use crate::data::source::{LineIndex, Position};
use crate::fixes::imports::Importer;
use crate::fixes::review;
use crate::fixes::scope_check::ModuleScopes;
use crate::fixes::style::Stylist;
use crate::rules;

/// Longest callee text quoted in a message.
const MAX_DISPLAY_CHARS: usize = 60;

/// Expressions nested deeper than this are not walked further: no real code comes
/// near it (CPython refuses far less), and walking deeper risks the stack.
pub const MAX_EXPRESSION_DEPTH: u32 = 10_000;

pub struct Checker<'a> {
    source: &'a str,
    tokens: &'a Tokens,
    module: &'a ast::ModModule,
    stylist: Stylist,
    /// Where imports go and which the module has; computed on the first fix that needs it.
    importer: OnceCell<Importer>,
    /// What the module's names refer to, for reviewing fixes; computed on the first fix.
    module_scopes: OnceCell<ModuleScopes>,
    semantic: SemanticModel<'a>,
    /// The statements enclosing the current position, outermost first.
    statements: Vec<&'a Stmt>,
    /// The expressions enclosing the current position, outermost first.
    expressions: Vec<&'a Expr>,
    /// How many generator expressions enclose the current position.
    generator_depth: u32,
    settings: &'a Settings,
    enabled: RuleSet,
    library: AsyncLibrary,
    /// Reused for every qualified name resolved, so resolving allocates nothing.
    name_buf: String,
    /// The expression directly under the `await` (or in the `async with` item) being
    /// walked, if any.
    awaited: Option<TextRange>,
    /// Whether the walk stopped at [`MAX_EXPRESSION_DEPTH`] somewhere.
    too_deep: bool,
    /// The arguments of the innermost call being walked.
    arguments: Option<&'a ast::Arguments>,
    /// The project the module belongs to, for the project-wide rules.
    project: Option<ProjectView<'a>>,
    /// Set when the walk builds the module's summary (besides running the enabled rules).
    summary: Option<SummaryBuilder<'a>>,
    /// Built on the first finding that needs a row and column.
    lines: OnceCell<LineIndex>,
    /// Why the fix being computed is not offered, as [`Checker::no_fix`] records it.
    no_fix_reason: Cell<Option<String>>,
    diagnostics: Vec<Diagnostic>,
}

/// Runs every enabled rule over one parsed module.
pub fn check_module<'a>(
    source: &'a str,
    parsed: &'a Parsed<ast::ModModule>,
    settings: &'a Settings,
    enabled: RuleSet,
    project: Option<ProjectView<'a>>,
) -> Vec<Diagnostic> {
    let mut checker = Checker::new(source, parsed, settings, enabled, project, None);
    checker.visit_body(&parsed.syntax().body);
    checker.diagnostics
}

/// Walks one parsed module to build its summary for the project-wide analysis, running
/// the `enabled` rules in the same walk (none, to summarize only). The summary is `None`
/// when the walk stopped at [`MAX_EXPRESSION_DEPTH`]: such a module is left out of the
/// project.
pub(crate) fn summarize_module<'a>(
    source: &'a str,
    parsed: &'a Parsed<ast::ModModule>,
    settings: &'a Settings,
    enabled: RuleSet,
    builder: SummaryBuilder<'a>,
) -> (Option<FileSummary>, Vec<Diagnostic>) {
    let mut checker = Checker::new(source, parsed, settings, enabled, None, Some(builder));
    checker.visit_body(&parsed.syntax().body);
    let builder = checker.summary.take().expect("summarizing");
    let summary = (!checker.too_deep).then(|| builder.finish(&checker.semantic, parsed.syntax()));
    (summary, checker.diagnostics)
}

impl<'a> Checker<'a> {
    fn new(
        source: &'a str,
        parsed: &'a Parsed<ast::ModModule>,
        settings: &'a Settings,
        enabled: RuleSet,
        project: Option<ProjectView<'a>>,
        summary: Option<SummaryBuilder<'a>>,
    ) -> Self {
        let module = parsed.syntax();
        let library = settings.async_library.unwrap_or_else(|| AsyncLibrary::detect(&module.body));
        Checker {
            source,
            tokens: parsed.tokens(),
            module,
            stylist: Stylist::detect(source),
            importer: OnceCell::new(),
            module_scopes: OnceCell::new(),
            semantic: SemanticModel::new(&module.body, settings.catalogue, &settings.configured_types),
            statements: Vec::new(),
            expressions: Vec::new(),
            generator_depth: 0,
            settings,
            enabled,
            library,
            name_buf: String::new(),
            awaited: None,
            too_deep: false,
            arguments: None,
            project,
            summary,
            lines: OnceCell::new(),
            no_fix_reason: Cell::new(None),
            diagnostics: Vec::new(),
        }
    }

    pub fn project(&self) -> Option<ProjectView<'a>> {
        self.project
    }

    pub(crate) fn summary(&self) -> Option<&SummaryBuilder<'a>> {
        self.summary.as_ref()
    }

    pub(crate) fn summary_mut(&mut self) -> Option<&mut SummaryBuilder<'a>> {
        self.summary.as_mut()
    }

    /// The row and column of an offset of the module.
    pub fn position(&self, offset: TextSize) -> Position {
        self.lines.get_or_init(|| LineIndex::new(self.source)).position(offset, self.source)
    }

    pub fn semantic(&self) -> &SemanticModel<'a> {
        &self.semantic
    }

    pub fn source(&self) -> &'a str {
        self.source
    }

    pub fn tokens(&self) -> &'a Tokens {
        self.tokens
    }

    pub fn stylist(&self) -> &Stylist {
        &self.stylist
    }

    /// The scope analysis of the module as it is, which fixes are reviewed against.
    pub fn module_scopes(&self) -> &ModuleScopes {
        self.module_scopes.get_or_init(|| ModuleScopes::analyse(&self.module.body))
    }

    pub fn importer(&self) -> &Importer {
        self.importer.get_or_init(|| {
            // The project's own top-level modules sort as first party, as isort finds them.
            let project_modules = self.project.iter().flat_map(|project| project.context().top_levels);
            let first_party: Vec<String> = self
                .settings
                .known_first_party
                .iter()
                .cloned()
                .chain(project_modules.map(|name| name.to_string()))
                .collect();
            Importer::new(self.module, self.source, &self.stylist, &first_party)
        })
    }

    /// The statement being checked and those around it, innermost last.
    pub fn statements(&self) -> &[&'a Stmt] {
        &self.statements
    }

    /// The expression that directly contains the one being checked, if any.
    pub fn parent_expression(&self) -> Option<&'a Expr> {
        let count = self.expressions.len();
        (count >= 2).then(|| self.expressions[count - 2])
    }

    /// Whether an `await` written at the current position runs in the coroutine that
    /// contains it: in an `async def` body, and not inside a generator expression (where
    /// it would turn the generator into an asynchronous one; its first iterable is
    /// outside).
    pub fn can_await_here(&self) -> bool {
        self.generator_depth == 0 && self.semantic.enclosing_coroutine().is_some()
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

    /// The `async def` running the current position on the event loop, when `rule` is
    /// enabled: the guard of every rule that reports only code on the loop.
    pub fn coroutine_for(&self, rule: &RuleInfo) -> Option<&'a ast::StmtFunctionDef> {
        if self.is_enabled(rule) { self.semantic.enclosing_coroutine() } else { None }
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
        let mut buf = std::mem::take(&mut self.name_buf);
        let ty = self.object_type(expr, &mut buf);
        self.name_buf = buf;
        ty
    }

    /// [`type_of`](Self::type_of) with a buffer of the caller's, for a shared checker.
    /// What the module alone cannot tell, the project index answers (`self.db` set by a
    /// base class of another module, `make_client()` of another module); while the
    /// summary is built, before there is an index, the question is kept in the summary
    /// instead, so that the module is checked again once the index can answer.
    pub fn object_type(&self, expr: &Expr, buf: &mut String) -> Option<&'a str> {
        if self.project.is_none() && self.summary.is_none() {
            return self.semantic.type_of(expr, buf);
        }
        self.semantic.type_of_with(expr, buf, &ProjectTypesOf(self))
    }

    /// How the module qualifies the project's names, when it is checked or summarized
    /// as part of a project.
    pub fn module_context(&self) -> Option<ModuleContext<'a>> {
        match (&self.project, &self.summary) {
            (Some(project), _) => Some(project.context()),
            (None, Some(builder)) => Some(*builder.context()),
            (None, None) => None,
        }
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
        self.report_with_fix(rule, range, message, |_| None);
    }

    /// Reports a finding with the fix `fix` proposes; the fix is computed only when the
    /// rule is enabled.
    pub fn report_with_fix(
        &mut self,
        rule: &'static RuleInfo,
        range: TextRange,
        message: String,
        fix: impl FnOnce(&Checker<'a>) -> Option<Fix>,
    ) {
        self.report_with_chain(rule, range, message, Vec::new(), fix);
    }

    /// Reports a finding that a chain of calls explains, with the fix `fix` proposes.
    pub fn report_with_chain(
        &mut self,
        rule: &'static RuleInfo,
        range: TextRange,
        message: String,
        chain: Vec<Hop>,
        fix: impl FnOnce(&Checker<'a>) -> Option<Fix>,
    ) {
        if self.is_enabled(rule) {
            self.no_fix_reason.set(None);
            let proposed = fix(self);
            if proposed.is_some() {
                // A reason an alternative that was given up on left is not the fix's.
                self.no_fix_reason.set(None);
            }
            let fix = proposed.and_then(|fix| review::review(self, fix, range.start()));
            let no_fix_reason = self.no_fix_reason.take().filter(|_| fix.is_none());
            self.diagnostics.push(Diagnostic { rule, range, message, fix, no_fix_reason, chain });
        }
    }

    /// Declines the fix being computed, saying why (`"the `with` body contains `await`"`):
    /// a fix function returns `checker.no_fix(reason)` where it gives up, and the finding
    /// carries the reason. The first reason recorded for a finding is kept.
    pub fn no_fix<T>(&self, reason: impl Into<String>) -> Option<T> {
        let recorded = self.no_fix_reason.take();
        self.no_fix_reason.set(recorded.or_else(|| Some(reason.into())));
        None
    }
}

impl<'a> Visitor<'a> for Checker<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.statements.push(stmt);
        self.visit_stmt_in_context(stmt);
        self.statements.pop();
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.expressions.len() >= MAX_EXPRESSION_DEPTH as usize {
            if !self.too_deep {
                self.too_deep = true;
                let message = format!(
                    "expression nested more than {MAX_EXPRESSION_DEPTH} levels deep: CPython cannot compile it, and aioguard checks nothing deeper"
                );
                self.report(&registry::SYNTAX_ERROR, expr.range(), message);
            }
            return;
        }
        self.expressions.push(expr);
        self.visit_expr_within_depth(expr);
        self.expressions.pop();
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
                self.semantic.push_function(function);
                summary::enter_function(self, function);
                self.visit_body(&function.body);
                summary::exit_function(self);
                self.semantic.pop_scope();
            }
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
                summary::enter_class(self, class);
                self.semantic.push_class(class);
                self.visit_body(&class.body);
                self.semantic.pop_scope();
                summary::exit_class(self);
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
            Expr::Generator(generator) => {
                // The first iterable is evaluated where the generator is written; the
                // rest runs lazily, inside the generator.
                let (first, rest) = generator.generators.split_first().expect("a generator has a `for`");
                self.visit_expr(&first.iter);
                self.semantic.push_comprehension(&generator.generators);
                self.generator_depth += 1;
                self.visit_expr(&generator.elt);
                self.visit_expr(&first.target);
                first.ifs.iter().for_each(|condition| self.visit_expr(condition));
                rest.iter().for_each(|comprehension| self.visit_comprehension(comprehension));
                self.generator_depth -= 1;
                self.semantic.pop_scope();
            }
            Expr::ListComp(ast::ExprListComp { generators, .. })
            | Expr::SetComp(ast::ExprSetComp { generators, .. })
            | Expr::DictComp(ast::ExprDictComp { generators, .. }) => {
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
                if self.summary.is_some() {
                    summary::on_call(self, call);
                }
                if self.enabled != RuleSet::EMPTY {
                    rules::on_call(self, call);
                }
                self.visit_expr(&call.func);
                let outer = self.arguments.replace(&call.arguments);
                self.visit_arguments(&call.arguments);
                self.arguments = outer;
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}

/// The project's answers to the semantic model's questions about types (see
/// [`Checker::object_type`]).
struct ProjectTypesOf<'c, 'a>(&'c Checker<'a>);

impl<'a> ProjectTypesOf<'_, 'a> {
    /// The answer to `query` about what `named` names (a called function, an object),
    /// or the question kept for later.
    fn answer(&self, named: &Expr, query: fn(Callee) -> TypeQuery) -> Option<&'a str> {
        let checker = self.0;
        if let Some(project) = checker.project {
            let callee = summary::callee_of(checker, named, &project.context())?;
            return project.index.type_of(project.file, &query(callee));
        }
        let builder = checker.summary.as_ref()?;
        // Only where the rules report: not in the own bodies of sync functions.
        let in_sync_function = matches!(
            checker.semantic.current_function_kind(),
            Some(ScopeKind::Function(function)) if !function.is_async
        );
        if !in_sync_function && let Some(callee) = summary::callee_of(checker, named, builder.context()) {
            builder.ask(query(callee));
        }
        None
    }
}

impl<'a> ProjectTypes<'a> for ProjectTypesOf<'_, 'a> {
    fn returned(&self, call: &ast::ExprCall) -> Option<&'a str> {
        self.answer(&call.func, TypeQuery::Returned)
    }

    fn object(&self, expr: &Expr) -> Option<&'a str> {
        self.answer(expr, TypeQuery::Object)
    }
}
