//! Scopes and bindings: how each name of a scope is bound, and how a scope is built from
//! a module, class or function body (its statements and walrus targets), with the
//! collectors that serve it: `:=` targets, `global` declarations, every bound name.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// How a name was bound in one scope.
#[derive(Clone, Debug)]
pub enum Binding<'a> {
    /// `import a.b as c`, `from a import b`: the qualified name imported.
    Import(Box<str>),
    /// `from .a import b` (`level` dots): a name of the project's own modules, which
    /// only the project-wide analysis, knowing the module's package, can qualify.
    RelativeImport {
        level: u32,
        module: Option<&'a str>,
        name: &'a str,
    },
    /// `x = value` (also the walrus): resolved lazily from the value.
    Assigned(&'a Expr),
    /// `x: T = value`.
    Annotated {
        annotation: &'a Expr,
        value: Option<&'a Expr>,
    },
    /// Declared more than once and bound no other way: a parameter or `x: T = value`,
    /// then `x: U = value` or `x = value` (`p = Path(p)`; each
    /// [`Annotated`](Self::Annotated), [`Parameter`](Self::Parameter) or
    /// [`Assigned`](Self::Assigned)), in source order. Which one holds at a use of
    /// the name depends on where the use is (see [`declaration_at`]).
    Redeclared(Vec<Binding<'a>>),
    /// `with value as x:`.
    WithTarget(&'a Expr),
    /// An item of the iterable `value`: `for x in value:`, `a, b = value`, and a
    /// comprehension's `for x in value`.
    Element(&'a Expr),
    /// An item of the async iterable `value`: `async for x in value:`, also in a
    /// comprehension.
    AsyncElement(&'a Expr),
    /// A parameter, with its annotation.
    Parameter(Option<&'a Expr>),
    /// `def x` / `async def x`.
    Function(&'a ast::StmtFunctionDef),
    Class(&'a ast::StmtClassDef),
    /// `global x` / `nonlocal x`: look in the enclosing scopes.
    Outer,
    /// A module-level name that functions declare `global` and assign: every value it
    /// is given, at module level and in those functions (each value's names resolve
    /// there as at module level).
    Global(Box<[&'a Expr]>),
    /// Bound some other way (a loop target, an exception name, …), or bound in two
    /// different ways: refers to nothing aioguard knows.
    Unknown,
}

impl Binding<'_> {
    fn same_as(&self, other: &Binding<'_>) -> bool {
        match (self, other) {
            (Binding::Import(a), Binding::Import(b)) => a == b,
            (
                Binding::RelativeImport { level, module, name },
                Binding::RelativeImport { level: other_level, module: other_module, name: other_name },
            ) => level == other_level && module == other_module && name == other_name,
            (Binding::Outer, Binding::Outer) => true,
            _ => false,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub enum ScopeKind<'a> {
    Module,
    Class(&'a ast::StmtClassDef),
    Function(&'a ast::StmtFunctionDef),
    Lambda,
    /// A list, set or dict comprehension or a generator expression: its targets are
    /// its own, but it runs where it is written.
    Comprehension,
}

#[derive(Debug)]
pub struct Scope<'a> {
    pub kind: ScopeKind<'a>,
    pub(super) bindings: HashMap<&'a str, Binding<'a>>,
}

impl<'a> Scope<'a> {
    pub(super) fn new(kind: ScopeKind<'a>) -> Self {
        Scope { kind, bindings: HashMap::default() }
    }

    pub(super) fn bind(&mut self, name: &'a str, binding: Binding<'a>) {
        use std::collections::hash_map::Entry;
        match self.bindings.entry(name) {
            Entry::Vacant(slot) => {
                slot.insert(binding);
            }
            Entry::Occupied(mut slot) => {
                let existing = slot.get_mut();
                if matches!(existing, Binding::Outer) || existing.same_as(&binding) {
                    return;
                }
                // Statements are bound in source order, after the parameters.
                *existing = match (std::mem::replace(existing, Binding::Unknown), binding) {
                    (_, Binding::Outer) => Binding::Outer,
                    (
                        Binding::Redeclared(mut declarations),
                        declaration @ (Binding::Annotated { .. } | Binding::Assigned(_)),
                    ) => {
                        declarations.push(declaration);
                        Binding::Redeclared(declarations)
                    }
                    (
                        first @ (Binding::Annotated { .. } | Binding::Parameter(_)),
                        declaration @ (Binding::Annotated { .. } | Binding::Assigned(_)),
                    ) => Binding::Redeclared(vec![first, declaration]),
                    _ => Binding::Unknown,
                };
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&Binding<'a>> {
        self.bindings.get(name)
    }

    pub fn bindings(&self) -> impl Iterator<Item = (&'a str, &Binding<'a>)> {
        self.bindings.iter().map(|(name, binding)| (*name, binding))
    }

    pub(super) fn bind_parameters(&mut self, parameters: &'a ast::Parameters) {
        for parameter in parameters.iter() {
            let parameter = parameter.as_parameter();
            self.bind(parameter.name.as_str(), Binding::Parameter(parameter.annotation.as_deref()));
        }
    }

    /// Binds the names that a scope's body binds: its statements, and the walrus targets
    /// of its expressions (also inside comprehensions, whose `:=` binds in the scope
    /// around them), without entering nested functions, classes or lambdas.
    pub(super) fn bind_body(&mut self, body: &'a [Stmt], star_imports: &mut Vec<&'a str>) {
        self.bind_statements(body, star_imports);
        let mut walrus = WalrusTargets::default();
        walrus.visit_body(body);
        for (name, value) in walrus.found {
            self.bind(name, Binding::Assigned(value));
        }
    }

    /// Binds the names that `stmts` bind in this scope, without entering nested scopes.
    fn bind_statements(&mut self, stmts: &'a [Stmt], star_imports: &mut Vec<&'a str>) {
        for stmt in stmts {
            self.bind_statement(stmt, star_imports);
        }
    }

    fn bind_statement(&mut self, stmt: &'a Stmt, star_imports: &mut Vec<&'a str>) {
        match stmt {
            Stmt::FunctionDef(function) => self.bind(function.name.as_str(), Binding::Function(function)),
            Stmt::ClassDef(class) => self.bind(class.name.as_str(), Binding::Class(class)),
            Stmt::Import(import) => {
                for alias in &import.names {
                    let module = alias.name.as_str();
                    match &alias.asname {
                        Some(asname) => self.bind(asname.as_str(), Binding::Import(module.into())),
                        None => {
                            let root = module.split('.').next().unwrap_or(module);
                            self.bind(root, Binding::Import(root.into()));
                        }
                    }
                }
            }
            Stmt::ImportFrom(import) => {
                let module = import.module.as_ref().map(|m| m.as_str());
                for alias in &import.names {
                    let name = alias.name.as_str();
                    let bound = alias.asname.as_ref().map_or(name, |asname| asname.as_str());
                    match module {
                        _ if name == "*" => {
                            if let (0, Some(module)) = (import.level, module) {
                                star_imports.push(module);
                            }
                        }
                        Some(module) if import.level == 0 => {
                            self.bind(bound, Binding::Import(format!("{module}.{name}").into()));
                        }
                        _ => self.bind(bound, Binding::RelativeImport { level: import.level, module, name }),
                    }
                }
            }
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    match target {
                        Expr::Name(name) => self.bind(name.id.as_str(), Binding::Assigned(&assign.value)),
                        other => self.bind_elements(other, &assign.value),
                    }
                }
            }
            Stmt::AnnAssign(assign) => match &*assign.target {
                Expr::Name(name) => self.bind(
                    name.id.as_str(),
                    Binding::Annotated { annotation: &assign.annotation, value: assign.value.as_deref() },
                ),
                other => self.bind_unknown_targets(other),
            },
            Stmt::AugAssign(assign) => self.bind_unknown_targets(&assign.target),
            Stmt::TypeAlias(alias) => self.bind_unknown_targets(&alias.name),
            Stmt::For(for_stmt) => {
                match &*for_stmt.target {
                    Expr::Name(name) if for_stmt.is_async => {
                        self.bind(name.id.as_str(), Binding::AsyncElement(&for_stmt.iter));
                    }
                    Expr::Name(name) => self.bind(name.id.as_str(), Binding::Element(&for_stmt.iter)),
                    other => self.bind_unknown_targets(other),
                }
                self.bind_statements(&for_stmt.body, star_imports);
                self.bind_statements(&for_stmt.orelse, star_imports);
            }
            Stmt::While(while_stmt) => {
                self.bind_statements(&while_stmt.body, star_imports);
                self.bind_statements(&while_stmt.orelse, star_imports);
            }
            Stmt::If(if_stmt) => {
                self.bind_statements(&if_stmt.body, star_imports);
                for clause in &if_stmt.elif_else_clauses {
                    self.bind_statements(&clause.body, star_imports);
                }
            }
            Stmt::With(with) => {
                for item in &with.items {
                    match item.optional_vars.as_deref() {
                        Some(Expr::Name(name)) => {
                            self.bind(name.id.as_str(), Binding::WithTarget(&item.context_expr));
                        }
                        Some(other) => self.bind_unknown_targets(other),
                        None => {}
                    }
                }
                self.bind_statements(&with.body, star_imports);
            }
            Stmt::Try(try_stmt) => {
                self.bind_statements(&try_stmt.body, star_imports);
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    if let Some(name) = &handler.name {
                        self.bind(name.as_str(), Binding::Unknown);
                    }
                    self.bind_statements(&handler.body, star_imports);
                }
                self.bind_statements(&try_stmt.orelse, star_imports);
                self.bind_statements(&try_stmt.finalbody, star_imports);
            }
            Stmt::Match(match_stmt) => {
                for case in &match_stmt.cases {
                    NameCollector::bound_by_pattern(&case.pattern, |name| self.bind(name, Binding::Unknown));
                    self.bind_statements(&case.body, star_imports);
                }
            }
            Stmt::Global(ast::StmtGlobal { names, .. }) | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                for name in names {
                    self.bind(name.as_str(), Binding::Outer);
                }
            }
            Stmt::Expr(_)
            | Stmt::Return(_)
            | Stmt::Delete(_)
            | Stmt::Raise(_)
            | Stmt::Assert(_)
            | Stmt::Pass(_)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::IpyEscapeCommand(_) => {}
        }
    }

    /// `a, b = value`: each plain name is an item of `value`; anything else is unknown.
    fn bind_elements(&mut self, target: &'a Expr, value: &'a Expr) {
        match target {
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    match elt {
                        Expr::Name(name) => self.bind(name.id.as_str(), Binding::Element(value)),
                        other => self.bind_unknown_targets(other),
                    }
                }
            }
            other => self.bind_unknown_targets(other),
        }
    }

    pub(super) fn bind_unknown_targets(&mut self, target: &'a Expr) {
        match target {
            Expr::Name(name) => self.bind(name.id.as_str(), Binding::Unknown),
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    self.bind_unknown_targets(elt);
                }
            }
            Expr::Starred(starred) => self.bind_unknown_targets(&starred.value),
            _ => {}
        }
    }
}

/// The declaration of a name a function redeclares ([`Binding::Redeclared`]) that holds
/// at `at`, a position of the function's own code: the last one before `at`, provided
/// every run reaching `at` passes it and then no other declaration of the name. It does
/// when `at` stands after it in its block (`f: int = 7`, `f: TextIOWrapper = ...`, then
/// `f.read()`), and no other declaration stands in a loop around `at` that is not
/// around this one too (a later iteration would pass that one last). A use before
/// every declaration, or outside the block of the last one before it (after an `if`
/// or a `try` that declares the name again), has none.
pub(super) fn declaration_at<'d, 'a>(
    function: &'a ast::StmtFunctionDef,
    declarations: &'d [Binding<'a>],
    at: TextSize,
) -> Option<&'d Binding<'a>> {
    let end = |declaration: &Binding<'a>| match declaration {
        Binding::Annotated { annotation, value } => Some(value.unwrap_or(annotation).end()),
        Binding::Assigned(value) => Some(value.end()),
        // Parameters are bound before the body runs.
        Binding::Parameter(_) => Some(TextSize::default()),
        _ => None,
    };
    let deciding = declarations.iter().rposition(|declaration| end(declaration).is_some_and(|end| end <= at))?;
    // A declaration in the body is known by its annotation, or by its value when it has none.
    let annotation_of = |declaration: &Binding<'a>| match declaration {
        Binding::Annotated { annotation, .. } => Some(*annotation),
        Binding::Assigned(value) => Some(*value),
        _ => None,
    };
    let mut places =
        DeclarationPlaces { deciding: annotation_of(&declarations[deciding]), block_end: None, loops: Vec::new() };
    places.visit_body(&function.body);
    let (start, block_end) = match places.deciding {
        Some(annotation) => (annotation.start(), places.block_end?),
        None => (TextSize::default(), function.end()),
    };
    let is_around = |range: TextRange, position: TextSize| range.contains(position);
    let passed_again = declarations.iter().enumerate().filter(|(index, _)| *index != deciding).any(|(_, other)| {
        let Some(other) = annotation_of(other) else { return false };
        places.loops.iter().any(|&loop_range| {
            is_around(loop_range, at) && is_around(loop_range, other.start()) && !is_around(loop_range, start)
        })
    });
    (at <= block_end && !passed_again).then_some(&declarations[deciding])
}

/// Finds, in a function's own statements, the end of the block holding the declaration
/// whose annotation (or value, for a plain assignment) is `deciding`, and every loop.
struct DeclarationPlaces<'a> {
    deciding: Option<&'a Expr>,
    block_end: Option<TextSize>,
    loops: Vec<TextRange>,
}

impl<'a> Visitor<'a> for DeclarationPlaces<'a> {
    fn visit_body(&mut self, body: &'a [Stmt]) {
        if let Some(deciding) = self.deciding
            && body.iter().any(|stmt| match stmt {
                Stmt::AnnAssign(assign) => std::ptr::eq(&*assign.annotation, deciding),
                Stmt::Assign(assign) => std::ptr::eq(&*assign.value, deciding),
                _ => false,
            })
        {
            self.block_end = body.last().map(Ranged::end);
        }
        visitor::walk_body(self, body);
    }

    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            Stmt::For(_) | Stmt::While(_) => {
                self.loops.push(stmt.range());
                visitor::walk_stmt(self, stmt);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, _expr: &'a Expr) {}
}

/// Collects the `name := value` of a scope's body, outside nested functions, classes and
/// lambdas (and expressions nested deeper than the walk goes).
#[derive(Default)]
struct WalrusTargets<'a> {
    found: Vec<(&'a str, &'a Expr)>,
    depth: u32,
}

impl<'a> Visitor<'a> for WalrusTargets<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            visitor::walk_stmt(self, stmt);
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.depth >= crate::analysis::context::MAX_EXPRESSION_DEPTH {
            return;
        }
        self.depth += 1;
        match expr {
            Expr::Lambda(_) => {}
            Expr::Named(named) => {
                if let Expr::Name(name) = &*named.target {
                    self.found.push((name.id.as_str(), &named.value));
                }
                visitor::walk_expr(self, expr);
            }
            _ => visitor::walk_expr(self, expr),
        }
        self.depth -= 1;
    }
}

/// Collects the names declared `global` anywhere in a module, walking statements only,
/// each with the function declaring it when that is a sync function at module level or
/// a method of a class there (where names resolve as at module level, the class body
/// aside).
#[derive(Default)]
pub(super) struct GlobalDeclarations<'a> {
    pub(super) declarations: Vec<(&'a str, Option<&'a ast::StmtFunctionDef>)>,
    /// The `def` and `class` statements around the position, outermost first.
    around: Vec<&'a Stmt>,
}

impl<'a> Visitor<'a> for GlobalDeclarations<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Global(global) => {
                let function = match self.around[..] {
                    [Stmt::FunctionDef(function)] | [Stmt::ClassDef(_), Stmt::FunctionDef(function)]
                        if !function.is_async =>
                    {
                        Some(function)
                    }
                    _ => None,
                };
                self.declarations.extend(global.names.iter().map(|name| (name.as_str(), function)));
            }
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                self.around.push(stmt);
                visitor::walk_stmt(self, stmt);
                self.around.pop();
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, _expr: &'a Expr) {}
}

/// Collects every name bound anywhere in a module, in any scope.
#[derive(Default)]
pub(super) struct NameCollector<'a> {
    names: HashSet<&'a str>,
}

impl<'a> NameCollector<'a> {
    pub(super) fn collect(module: &'a [Stmt]) -> HashSet<&'a str> {
        let mut collector = NameCollector::default();
        collector.visit_body(module);
        collector.names
    }

    pub(super) fn bound_by_pattern(pattern: &'a ast::Pattern, mut bind: impl FnMut(&'a str)) {
        struct PatternNames<'a, F: FnMut(&'a str)>(F, std::marker::PhantomData<&'a ()>);
        impl<'a, F: FnMut(&'a str)> Visitor<'a> for PatternNames<'a, F> {
            fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
                match pattern {
                    ast::Pattern::MatchAs(ast::PatternMatchAs { name: Some(name), .. })
                    | ast::Pattern::MatchStar(ast::PatternMatchStar { name: Some(name), .. }) => {
                        (self.0)(name.as_str())
                    }
                    ast::Pattern::MatchMapping(ast::PatternMatchMapping { rest: Some(name), .. }) => {
                        (self.0)(name.as_str())
                    }
                    _ => {}
                }
                visitor::walk_pattern(self, pattern);
            }
        }
        PatternNames(&mut bind, std::marker::PhantomData).visit_pattern(pattern);
    }
}

impl<'a> Visitor<'a> for NameCollector<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(function) => {
                self.names.insert(function.name.as_str());
            }
            Stmt::ClassDef(class) => {
                self.names.insert(class.name.as_str());
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let bound = alias.asname.as_ref().map_or(alias.name.as_str(), |asname| asname.as_str());
                    self.names.insert(bound.split('.').next().unwrap_or(bound));
                }
            }
            Stmt::ImportFrom(import) => {
                for alias in &import.names {
                    self.names.insert(alias.asname.as_ref().map_or(alias.name.as_str(), |asname| asname.as_str()));
                }
            }
            Stmt::Try(try_stmt) => {
                for ast::ExceptHandler::ExceptHandler(handler) in &try_stmt.handlers {
                    if let Some(name) = &handler.name {
                        self.names.insert(name.as_str());
                    }
                }
            }
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(name) = expr
            && name.ctx.is_store()
        {
            self.names.insert(name.id.as_str());
        }
        visitor::walk_expr(self, expr);
    }

    fn visit_parameter(&mut self, parameter: &'a ast::Parameter) {
        self.names.insert(parameter.name.as_str());
        visitor::walk_parameter(self, parameter);
    }
}
