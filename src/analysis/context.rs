//! The analysis context: what is known at the position a walk has reached in a module
//! (the scopes around it, the statements and expressions that enclose it, whether an
//! `await` may be written there) and the questions the rules ask about it: what a
//! callee's qualified name is, what type an object has, where an offset is.
//!
//! What the module alone cannot tell about a type, the project answers (`self.db` set by
//! a base class of another module, `make_client()` of another module): with an index,
//! at once; while the module's summary is being built, by keeping the question in the
//! summary, so that the module is checked again once the index can answer.

use std::borrow::Cow;
use std::cell::OnceCell;

use ruff_python_ast::token::Tokens;
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_python_parser::Parsed;
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::analysis::project::ProjectView;
use crate::analysis::project::summary::{self, CallArguments, Callee, ModuleContext, SummaryBuilder, TypeQuery};
use crate::analysis::semantic::{ProjectTypes, Resolved, ScopeKind, SemanticModel};
use crate::analysis::twins::ModuleClients;
use crate::data::config::{AsyncLibrary, Settings};
use crate::data::source::{LineIndex, Position};

/// Longest callee text quoted in a message.
const MAX_DISPLAY_CHARS: usize = 60;

/// Longest receiver other than a name (`"…".join`, `(a or b).get`) quoted whole in a
/// callee text that is too long.
const MAX_DISPLAY_ROOT_CHARS: usize = 20;

/// Expressions nested deeper than this are not walked further: no real code comes
/// near it (CPython refuses far less), and walking deeper risks the stack.
pub const MAX_EXPRESSION_DEPTH: u32 = 10_000;

pub struct Context<'a> {
    source: &'a str,
    tokens: &'a Tokens,
    module: &'a ast::ModModule,
    pub(super) semantic: SemanticModel<'a>,
    /// The statements enclosing the current position, outermost first.
    pub(super) statements: Vec<&'a Stmt>,
    /// The expressions enclosing the current position, outermost first.
    pub(super) expressions: Vec<&'a Expr>,
    /// How many generator expressions enclose the current position.
    pub(super) generator_depth: u32,
    settings: &'a Settings,
    library: AsyncLibrary,
    /// Reused for every qualified name resolved, so resolving allocates nothing.
    name_buf: String,
    /// The expression directly under the `await` (or in the `async with` item) being
    /// walked, if any.
    pub(super) awaited: Option<TextRange>,
    /// Whether the walk stopped at [`MAX_EXPRESSION_DEPTH`] somewhere.
    pub(super) too_deep: bool,
    /// The arguments of the innermost call being walked.
    pub(super) arguments: Option<&'a ast::Arguments>,
    /// For each enclosing `def`, innermost last: whether it is a sync function that
    /// `loop-entry-points` names.
    pub(super) loop_entries: Vec<bool>,
    /// The project the module belongs to, for the project-wide rules.
    project: Option<ProjectView<'a>>,
    /// Set when the walk builds the module's summary.
    pub(super) summary: Option<SummaryBuilder<'a>>,
    /// Built on the first question that needs a row and column.
    lines: OnceCell<LineIndex>,
}

impl<'a> Context<'a> {
    /// The context at the top of a parsed module, checked as part of `project` (if any)
    /// or summarized by `summary` (if any); `clients` are those of the environment the
    /// module may use ([`ModuleClients::of`]).
    pub fn new(
        source: &'a str,
        parsed: &'a Parsed<ast::ModModule>,
        settings: &'a Settings,
        clients: &'a ModuleClients,
        project: Option<ProjectView<'a>>,
        summary: Option<SummaryBuilder<'a>>,
    ) -> Self {
        let module = parsed.syntax();
        let library = settings.async_library.unwrap_or_else(|| AsyncLibrary::detect(&module.body));
        Context {
            source,
            tokens: parsed.tokens(),
            module,
            semantic: SemanticModel::new(&module.body, settings.catalogue, &settings.configured_types, clients),
            statements: Vec::new(),
            expressions: Vec::new(),
            generator_depth: 0,
            settings,
            library,
            name_buf: String::new(),
            awaited: None,
            too_deep: false,
            arguments: None,
            loop_entries: Vec::new(),
            project,
            summary,
            lines: OnceCell::new(),
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

    /// The summary built by the walk: `None` when the walk stopped at
    /// [`MAX_EXPRESSION_DEPTH`] (such a module is left out of the project) or built none.
    pub fn finish_summary(&mut self) -> Option<summary::FileSummary> {
        let builder = self.summary.take()?;
        (!self.too_deep).then(|| builder.finish(&self.semantic, self.module))
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

    pub fn module(&self) -> &'a ast::ModModule {
        self.module
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
    /// The function whose body runs the current position on the event loop: the
    /// enclosing `async def`, or a sync function that `loop-entry-points` names.
    pub fn loop_function(&self) -> Option<&'a ast::StmtFunctionDef> {
        if let Some(coroutine) = self.semantic.enclosing_coroutine() {
            return Some(coroutine);
        }
        match self.semantic.current_function_kind()? {
            ScopeKind::Function(function) if self.loop_entries.last() == Some(&true) => Some(function),
            _ => None,
        }
    }

    /// How messages name the function [`Context::loop_function`] gives.
    pub fn loop_function_label(function: &ast::StmtFunctionDef) -> String {
        if function.is_async {
            format!("`async def {}`", function.name)
        } else {
            format!("`def {}` (run on the event loop)", function.name)
        }
    }

    /// Whether `function`, just entered (its scope pushed), is a sync function that a
    /// `loop-entry-points` pattern names, by its qualified name in the module or by one
    /// of its decorators' qualified names.
    pub(super) fn is_loop_entry_point(&self, function: &ast::StmtFunctionDef) -> bool {
        if function.is_async || self.settings.loop_entry_points.is_empty() {
            return false;
        }
        let scopes = self.semantic.scopes();
        let qualname = summary::qualname_in(&scopes[..scopes.len() - 1], function.name.as_str());
        if self.settings.is_loop_entry_point(&qualname) {
            return true;
        }
        function.decorator_list.iter().any(|decorator| {
            summary::decorator_name(&self.semantic, decorator)
                .is_some_and(|name| self.settings.is_loop_entry_point(&name))
        })
    }

    pub fn can_await_here(&self) -> bool {
        self.generator_depth == 0 && self.semantic.enclosing_coroutine().is_some()
    }

    pub fn settings(&self) -> &'a Settings {
        self.settings
    }

    pub fn library(&self) -> AsyncLibrary {
        self.library
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
    /// from the context's buffer.
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

    /// [`type_of`](Self::type_of) with a buffer of the caller's, for a shared context.
    /// What the module alone cannot tell, the project answers (see the module's docs).
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

    /// An expression's source text on one line, shortened for a message: when it is
    /// too long, each call's arguments and each subscript's index along the chain become
    /// `…` as a whole (`self.conn.execute(…).fetchone`), so that the names stay and the
    /// text is never cut inside a bracket or a string.
    pub fn display_source(&self, expr: &Expr) -> String {
        let text = self.one_line(expr);
        if text.chars().count() <= MAX_DISPLAY_CHARS {
            return text;
        }
        let mut parts: Vec<Cow<'_, str>> = Vec::new();
        let mut node = expr;
        loop {
            match node {
                Expr::Attribute(attribute) => {
                    parts.push(Cow::Owned(format!(".{}", attribute.attr)));
                    node = &attribute.value;
                }
                Expr::Call(call) => {
                    let arguments = &call.arguments;
                    let empty = arguments.args.is_empty() && arguments.keywords.is_empty();
                    parts.push(Cow::Borrowed(if empty { "()" } else { "(…)" }));
                    node = &call.func;
                }
                Expr::Subscript(subscript) => {
                    parts.push(Cow::Borrowed("[…]"));
                    node = &subscript.value;
                }
                Expr::Name(name) => {
                    parts.push(Cow::Borrowed(name.id.as_str()));
                    break;
                }
                // Any other receiver (a literal, a parenthesized expression) is shown
                // whole when short, else as `(…)`.
                _ => {
                    let root = self.one_line(node);
                    let short = root.chars().count() <= MAX_DISPLAY_ROOT_CHARS;
                    parts.push(if short { Cow::Owned(root) } else { Cow::Borrowed("(…)") });
                    break;
                }
            }
        }
        parts.iter().rev().map(|part| &**part).collect()
    }

    /// An expression's source text with its whitespace runs made single spaces.
    fn one_line(&self, expr: &Expr) -> String {
        self.source[expr.range()].split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// The project's answers to the semantic model's questions about types (see
/// [`Context::object_type`]).
struct ProjectTypesOf<'c, 'a>(&'c Context<'a>);

impl<'a> ProjectTypesOf<'_, 'a> {
    /// The answer to `query` about what `named` names (a called function, an object),
    /// or the question kept for later.
    fn answer(&self, named: &Expr, query: fn(Callee) -> TypeQuery) -> Option<&'a str> {
        let context = self.0;
        if let Some(project) = context.project {
            let callee = summary::callee_of(context, named, &project.context())?;
            return project.index.type_of(project.file, &query(callee));
        }
        let builder = context.summary.as_ref()?;
        // Only where the rules report: not in the own bodies of sync functions.
        let in_sync_function = matches!(
            context.semantic.current_function_kind(),
            Some(ScopeKind::Function(function)) if !function.is_async
        );
        if !in_sync_function && let Some(callee) = summary::callee_of(context, named, builder.context()) {
            builder.ask(query(callee));
        }
        None
    }
}

impl<'a> ProjectTypes<'a> for ProjectTypesOf<'_, 'a> {
    fn returned(&self, call: &ast::ExprCall) -> Option<&'a str> {
        let context = self.0;
        // With the index, the call's literal arguments may decide which `return` runs.
        if let Some(project) = context.project {
            let callee = summary::callee_of(context, &call.func, &project.context())?;
            let spread = summary::spread_keywords(&context.semantic, &call.arguments);
            let arguments = CallArguments::of(&call.arguments, &|_| None, None).with_spread_keywords(spread);
            return project.index.returned_type_for(project.file, &callee, &arguments);
        }
        self.answer(&call.func, TypeQuery::Returned)
    }

    fn object(&self, expr: &Expr) -> Option<&'a str> {
        self.answer(expr, TypeQuery::Object)
    }
}
