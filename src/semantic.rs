//! Semantic resolution: what a name or a dotted expression refers to at a point of a
//! module, the way Python resolves it.
//!
//! Scopes are built lazily, one per function when the checker enters it, by scanning
//! that function's own statements (not the bodies of nested functions or classes).
//! Resolution is flow-insensitive and conservative: a name bound in two different ways
//! in one scope resolves to nothing, so it is never reported.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Operator, Stmt};

use crate::catalogue::Catalogue;

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
    /// `with value as x:`.
    WithTarget(&'a Expr),
    /// A parameter, with its annotation.
    Parameter(Option<&'a Expr>),
    /// `def x` / `async def x`.
    Function(&'a ast::StmtFunctionDef),
    Class(&'a ast::StmtClassDef),
    /// `global x` / `nonlocal x`: look in the enclosing scopes.
    Outer,
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
    bindings: HashMap<&'a str, Binding<'a>>,
}

impl<'a> Scope<'a> {
    fn new(kind: ScopeKind<'a>) -> Self {
        Scope { kind, bindings: HashMap::new() }
    }

    fn bind(&mut self, name: &'a str, binding: Binding<'a>) {
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
                *existing = if matches!(binding, Binding::Outer) { Binding::Outer } else { Binding::Unknown };
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&Binding<'a>> {
        self.bindings.get(name)
    }

    pub fn bindings(&self) -> impl Iterator<Item = (&'a str, &Binding<'a>)> {
        self.bindings.iter().map(|(name, binding)| (*name, binding))
    }

    fn bind_parameters(&mut self, parameters: &'a ast::Parameters) {
        for parameter in parameters.iter() {
            let parameter = parameter.as_parameter();
            self.bind(parameter.name.as_str(), Binding::Parameter(parameter.annotation.as_deref()));
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
                        other => self.bind_unknown_targets(other),
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
                self.bind_unknown_targets(&for_stmt.target);
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

    fn bind_unknown_targets(&mut self, target: &'a Expr) {
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

/// What an expression refers to.
#[derive(Clone, Copy, Debug)]
pub enum Resolved<'a> {
    /// A function or object the catalogue may know, by qualified name (in the buffer).
    QualifiedName,
    /// A function or class defined in this module.
    Function(&'a ast::StmtFunctionDef),
    Class(&'a ast::StmtClassDef),
}

/// The scopes around the checker's current position, and the facts of the module.
pub struct SemanticModel<'a> {
    catalogue: &'static Catalogue,
    /// Classes the configuration names methods of: tracked like the catalogue's types.
    configured_types: &'a HashSet<String>,
    scopes: Vec<Scope<'a>>,
    star_imports: Vec<&'a str>,
    module: &'a [Stmt],
    /// Every name bound anywhere in the module; computed only when needed.
    all_bound_names: OnceCell<HashSet<&'a str>>,
}

/// Resolution follows assignments, attributes and calls this many steps at most
/// (`a = b; b = a` would go on forever).
const MAX_RESOLUTION_DEPTH: u8 = 12;

impl<'a> SemanticModel<'a> {
    pub fn new(module: &'a [Stmt], catalogue: &'static Catalogue, configured_types: &'a HashSet<String>) -> Self {
        let mut scope = Scope::new(ScopeKind::Module);
        let mut star_imports = Vec::new();
        scope.bind_statements(module, &mut star_imports);
        // A function that declares a name `global` rebinds the module's name at run time.
        let mut globals = GlobalDeclarations::default();
        globals.visit_body(module);
        for name in globals.names {
            scope.bind(name, Binding::Unknown);
        }
        SemanticModel {
            catalogue,
            configured_types,
            scopes: vec![scope],
            star_imports,
            module,
            all_bound_names: OnceCell::new(),
        }
    }

    pub fn catalogue(&self) -> &'static Catalogue {
        self.catalogue
    }

    pub fn push_function(&mut self, function: &'a ast::StmtFunctionDef) {
        let mut scope = Scope::new(ScopeKind::Function(function));
        scope.bind_parameters(&function.parameters);
        // Star imports inside functions are a syntax error in Python 3; ignore them.
        scope.bind_statements(&function.body, &mut Vec::new());
        self.scopes.push(scope);
    }

    pub fn push_class(&mut self, class: &'a ast::StmtClassDef) {
        let mut scope = Scope::new(ScopeKind::Class(class));
        scope.bind_statements(&class.body, &mut Vec::new());
        self.scopes.push(scope);
    }

    pub fn push_lambda(&mut self, lambda: &'a ast::ExprLambda) {
        let mut scope = Scope::new(ScopeKind::Lambda);
        if let Some(parameters) = &lambda.parameters {
            scope.bind_parameters(parameters);
        }
        self.scopes.push(scope);
    }

    pub fn push_comprehension(&mut self, generators: &'a [ast::Comprehension]) {
        let mut scope = Scope::new(ScopeKind::Comprehension);
        for generator in generators {
            scope.bind_unknown_targets(&generator.target);
        }
        self.scopes.push(scope);
    }

    pub fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    pub fn scopes(&self) -> &[Scope<'a>] {
        &self.scopes
    }

    /// The innermost function, lambda or class scope, if any.
    pub fn current_function_kind(&self) -> Option<ScopeKind<'a>> {
        self.scopes
            .iter()
            .rev()
            .map(|scope| scope.kind)
            .find(|kind| !matches!(kind, ScopeKind::Module | ScopeKind::Comprehension))
    }

    /// The `async def` whose body runs the current position on the event loop, if any.
    pub fn enclosing_coroutine(&self) -> Option<&'a ast::StmtFunctionDef> {
        match self.current_function_kind()? {
            ScopeKind::Function(function) if function.is_async => Some(function),
            _ => None,
        }
    }

    /// The class whose method the current position is in (`self.x()` resolution).
    pub fn enclosing_class(&self) -> Option<&'a ast::StmtClassDef> {
        let mut scopes = self.scopes.iter().rev();
        match scopes.next()?.kind {
            ScopeKind::Function(_) => {}
            _ => return None,
        }
        match scopes.next()?.kind {
            ScopeKind::Class(class) => Some(class),
            _ => None,
        }
    }

    /// Looks `name` up the way Python does: the current scope, enclosing function
    /// scopes (class scopes only when innermost), then the module.
    pub fn lookup(&self, name: &str) -> Option<&Binding<'a>> {
        self.lookup_with_scope(name).map(|(_, binding)| binding)
    }

    /// [`lookup`](Self::lookup), also saying in which scope (an index into
    /// [`scopes`](Self::scopes)) the name is bound.
    pub fn lookup_with_scope(&self, name: &str) -> Option<(usize, &Binding<'a>)> {
        let innermost = self.scopes.len() - 1;
        let mut skip_to_module = false;
        for (index, scope) in self.scopes.iter().enumerate().rev() {
            let is_module = index == 0;
            if skip_to_module && !is_module {
                continue;
            }
            if matches!(scope.kind, ScopeKind::Class(_)) && index != innermost {
                continue;
            }
            match scope.get(name) {
                Some(Binding::Outer) => skip_to_module = true,
                Some(binding) => return Some((index, binding)),
                None => {}
            }
        }
        None
    }

    /// A name visible here that is bound by an import of exactly `qualified`
    /// (`aio` after `import asyncio as aio`; `partial` after `from functools import partial`).
    pub fn name_importing(&self, qualified: &str) -> Option<&'a str> {
        let mut names: Vec<&'a str> = self
            .scopes
            .iter()
            .flat_map(|scope| scope.bindings.iter())
            .filter(|(_, binding)| matches!(binding, Binding::Import(imported) if &**imported == qualified))
            .map(|(name, _)| *name)
            .filter(|name| matches!(self.lookup(name), Some(Binding::Import(imported)) if &**imported == qualified))
            .collect();
        names.sort_unstable();
        let last_component = qualified.rsplit('.').next();
        names.iter().find(|name| Some(**name) == last_component).or(names.first()).copied()
    }

    fn is_bound_anywhere(&self, name: &str) -> bool {
        self.all_bound_names.get_or_init(|| NameCollector::collect(self.module)).contains(name)
    }

    /// Writes the qualified name of a name or dotted expression into `buf`
    /// (`t.sleep` → `time.sleep`) and says what it is. `None`: not something aioguard knows.
    pub fn resolve(&self, expr: &Expr, buf: &mut String) -> Option<Resolved<'a>> {
        self.resolve_at_depth(expr, buf, 0)
    }

    fn resolve_at_depth(&self, expr: &Expr, buf: &mut String, depth: u8) -> Option<Resolved<'a>> {
        buf.clear();
        let mut attributes: [&str; 8] = [""; 8];
        let mut count = 0;
        let mut root = expr;
        while let Expr::Attribute(attribute) = root {
            if count == attributes.len() {
                return None;
            }
            attributes[count] = attribute.attr.as_str();
            count += 1;
            root = &attribute.value;
        }
        let Expr::Name(name) = root else { return None };
        let name = name.id.as_str();
        match self.lookup(name) {
            Some(Binding::Import(qualified)) => buf.push_str(qualified),
            Some(Binding::Function(function)) if count == 0 => return Some(Resolved::Function(function)),
            Some(Binding::Class(class)) if count == 0 => return Some(Resolved::Class(class)),
            Some(Binding::Assigned(value)) if count == 0 && depth < MAX_RESOLUTION_DEPTH => {
                // `sleep = time.sleep` aliases a function.
                return match value {
                    Expr::Name(_) | Expr::Attribute(_) => self.resolve_at_depth(value, buf, depth + 1),
                    _ => None,
                };
            }
            Some(_) => return None,
            None if count == 0 => {
                let star_module = self.star_imports.iter().find(|module| {
                    buf.clear();
                    buf.push_str(module);
                    buf.push('.');
                    buf.push_str(name);
                    self.catalogue.calls.contains_key(buf.as_str())
                        || self.catalogue.constructors.contains_key(buf.as_str())
                });
                if star_module.is_none() {
                    buf.clear();
                    buf.push_str("builtins.");
                    buf.push_str(name);
                }
            }
            None => {
                if !self.catalogue.is_well_known_module(name) || self.is_bound_anywhere(name) {
                    return None;
                }
                buf.push_str(name);
            }
        }
        for attribute in attributes[..count].iter().rev() {
            buf.push('.');
            buf.push_str(attribute);
        }
        Some(Resolved::QualifiedName)
    }

    /// The tracked type of the object an expression evaluates to (`requests.Session`
    /// for `s` after `s = requests.Session()`), if aioguard tracks it.
    pub fn type_of(&self, expr: &Expr, buf: &mut String) -> Option<&'a str> {
        self.type_at_depth(expr, buf, 0)
    }

    fn type_at_depth(&self, expr: &Expr, buf: &mut String, depth: u8) -> Option<&'a str> {
        if depth > MAX_RESOLUTION_DEPTH {
            return None;
        }
        match expr {
            Expr::Call(call) => self.constructed_type(&call.func, buf, depth),
            // `Path(p).parent` is a path again.
            Expr::Attribute(attribute) => self.member_type(attribute, buf, depth),
            // `Path(p) / "name"` is a path again.
            Expr::BinOp(ast::ExprBinOp { left, op: Operator::Div, .. }) => {
                self.type_at_depth(left, buf, depth + 1).filter(|ty| *ty == "pathlib.Path")
            }
            Expr::Name(name) => match self.lookup(name.id.as_str())? {
                Binding::Assigned(value) | Binding::WithTarget(value) => self.type_at_depth(value, buf, depth + 1),
                Binding::Annotated { annotation, value } => self
                    .annotated_type(annotation, buf)
                    .or_else(|| value.and_then(|value| self.type_at_depth(value, buf, depth + 1))),
                Binding::Parameter(Some(annotation)) => self.annotated_type(annotation, buf),
                _ => None,
            },
            _ => None,
        }
    }

    fn constructed_type(&self, func: &Expr, buf: &mut String, depth: u8) -> Option<&'a str> {
        match (self.resolve(func, buf), func) {
            (Some(Resolved::QualifiedName), _) => self.tracked_type(&self.catalogue.constructors, buf),
            // `path.with_suffix(".bak")` returns a path.
            (None, Expr::Attribute(method)) => self.member_type(method, buf, depth),
            _ => None,
        }
    }

    /// The type of a tracked object's method result or property (`pathlib.Path.parent`).
    fn member_type(&self, attribute: &ast::ExprAttribute, buf: &mut String, depth: u8) -> Option<&'a str> {
        let owner = self.type_at_depth(&attribute.value, buf, depth + 1)?;
        buf.clear();
        buf.push_str(owner);
        buf.push('.');
        buf.push_str(attribute.attr.as_str());
        self.tracked_type(&self.catalogue.constructors, buf)
    }

    /// The type a constructor or annotation name declares, in the catalogue's `table` or
    /// among the configured classes.
    fn tracked_type(&self, table: &'static HashMap<String, String>, name: &str) -> Option<&'a str> {
        table.get(name).or_else(|| self.configured_types.get(name)).map(String::as_str)
    }

    /// The tracked type an annotation declares, looking inside `Optional[T]`,
    /// `Union[T, None]` and `T | None`.
    fn annotated_type(&self, annotation: &Expr, buf: &mut String) -> Option<&'a str> {
        match annotation {
            Expr::Name(_) | Expr::Attribute(_) => match self.resolve(annotation, buf)? {
                Resolved::QualifiedName => self.tracked_type(&self.catalogue.annotations, buf),
                _ => None,
            },
            Expr::BinOp(ast::ExprBinOp { left, op: Operator::BitOr, right, .. }) => {
                self.annotated_type(left, buf).or_else(|| self.annotated_type(right, buf))
            }
            Expr::Subscript(subscript) => {
                let Some(Resolved::QualifiedName) = self.resolve(&subscript.value, buf) else { return None };
                match buf.as_str() {
                    "typing.Optional" | "typing.Union" => match &*subscript.slice {
                        Expr::Tuple(tuple) => tuple.elts.iter().find_map(|elt| self.annotated_type(elt, buf)),
                        single => self.annotated_type(single, buf),
                    },
                    // `IO[str]` is still a file object.
                    name => self.tracked_type(&self.catalogue.annotations, name),
                }
            }
            _ => None,
        }
    }
}

/// Collects the names declared `global` in any function of a module, walking
/// statements only.
#[derive(Default)]
struct GlobalDeclarations<'a> {
    names: Vec<&'a str>,
}

impl<'a> Visitor<'a> for GlobalDeclarations<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if let Stmt::Global(global) = stmt {
            self.names.extend(global.names.iter().map(|name| name.as_str()));
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, _expr: &'a Expr) {}
}

/// Collects every name bound anywhere in a module, in any scope.
#[derive(Default)]
struct NameCollector<'a> {
    names: HashSet<&'a str>,
}

impl<'a> NameCollector<'a> {
    fn collect(module: &'a [Stmt]) -> HashSet<&'a str> {
        let mut collector = NameCollector::default();
        collector.visit_body(module);
        collector.names
    }

    fn bound_by_pattern(pattern: &'a ast::Pattern, mut bind: impl FnMut(&'a str)) {
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
