//! Semantic resolution: what a name or a dotted expression refers to at a point of a
//! module, the way Python resolves it.
//!
//! Scopes are built lazily, one per function when the checker enters it, by scanning
//! that function's own statements (not the bodies of nested functions or classes).
//! Resolution is flow-insensitive and conservative: a name bound in two different ways
//! in one scope resolves to nothing, so it is never reported.

use std::cell::{OnceCell, RefCell};
use std::collections::{HashMap, HashSet};

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Operator, Stmt};
use ruff_python_parser::Parsed;
use ruff_text_size::{Ranged, TextSize};

use crate::data::catalogue::Catalogue;

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
    /// An item of the iterable `value`: `for x in value:`, `a, b = value`, and a
    /// comprehension's `for x in value`.
    Element(&'a Expr),
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

    /// Binds the names that a scope's body binds: its statements, and the walrus targets
    /// of its expressions (also inside comprehensions, whose `:=` binds in the scope
    /// around them), without entering nested functions, classes or lambdas.
    fn bind_body(&mut self, body: &'a [Stmt], star_imports: &mut Vec<&'a str>) {
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
                    Expr::Name(name) if !for_stmt.is_async => {
                        self.bind(name.id.as_str(), Binding::Element(&for_stmt.iter));
                    }
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

/// What only the project knows of the objects a module uses: asked about expressions of
/// the current scope whose type the module alone cannot tell.
pub trait ProjectTypes<'a> {
    /// The tracked type the project function called declares it returns (`make_client()`).
    fn returned(&self, call: &ast::ExprCall) -> Option<&'a str>;
    /// The tracked type of an object that other modules give a type: a module-level
    /// object imported from another module (`from app.db import conn`), an attribute of
    /// an instance of a class of another module or with a base class there (`repo.conn`
    /// for `repo: Repository`, `self.db` set by a base class's `__init__`).
    fn object(&self, expr: &Expr) -> Option<&'a str>;
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
    /// The tracked type of an instance attribute of a class of the module, by the
    /// class's start and the attribute; filled as `self.db`-like expressions are met.
    class_attributes: RefCell<HashMap<(TextSize, String), Option<&'a str>>>,
}

/// The type of file objects.
const FILE_OBJECT: &str = "io.IOBase";

/// Types not tracked on instance attributes: a file object kept on an object is as
/// often an in-memory buffer or a spooled file read while it is in memory
/// (`UploadFile.file`), which the class checks before using it.
const NOT_TRACKED_ON_INSTANCES: &[&str] = &[FILE_OBJECT];

/// Resolution follows assignments, attributes and calls this many steps at most
/// (`a = b; b = a` would go on forever).
const MAX_RESOLUTION_DEPTH: u8 = 12;

impl<'a> SemanticModel<'a> {
    pub fn new(module: &'a [Stmt], catalogue: &'static Catalogue, configured_types: &'a HashSet<String>) -> Self {
        let mut scope = Scope::new(ScopeKind::Module);
        let mut star_imports = Vec::new();
        scope.bind_body(module, &mut star_imports);
        // A function that declares a name `global` rebinds the module's name at run time.
        let mut globals = GlobalDeclarations::default();
        globals.visit_body(module);
        let mut values: HashMap<&'a str, Option<Vec<&'a Expr>>> = HashMap::new();
        for (name, function) in globals.declarations {
            let known = values.entry(name).or_insert_with(|| match scope.get(name) {
                None => Some(Vec::new()),
                Some(Binding::Assigned(value)) => Some(vec![*value]),
                Some(_) => None,
            });
            match (known.as_mut(), function.and_then(|function| global_stores(function, name))) {
                (Some(known), Some(stores)) => known.extend(stores),
                _ => *known = None,
            }
        }
        for (name, values) in values {
            let binding = match values {
                Some(values) if !values.is_empty() => Binding::Global(values.into()),
                _ => Binding::Unknown,
            };
            scope.bindings.insert(name, binding);
        }
        SemanticModel {
            catalogue,
            configured_types,
            scopes: vec![scope],
            star_imports,
            module,
            all_bound_names: OnceCell::new(),
            class_attributes: RefCell::new(HashMap::new()),
        }
    }

    pub fn catalogue(&self) -> &'static Catalogue {
        self.catalogue
    }

    pub fn push_function(&mut self, function: &'a ast::StmtFunctionDef) {
        let mut scope = Scope::new(ScopeKind::Function(function));
        scope.bind_parameters(&function.parameters);
        // Star imports inside functions are a syntax error in Python 3; ignore them.
        scope.bind_body(&function.body, &mut Vec::new());
        self.scopes.push(scope);
    }

    pub fn push_class(&mut self, class: &'a ast::StmtClassDef) {
        let mut scope = Scope::new(ScopeKind::Class(class));
        scope.bind_body(&class.body, &mut Vec::new());
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
            match &generator.target {
                Expr::Name(name) if !generator.is_async => {
                    scope.bind(name.id.as_str(), Binding::Element(&generator.iter));
                }
                other => scope.bind_unknown_targets(other),
            }
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
        self.env().lookup(name).map(|(place, binding)| (place.expect("no scope on top"), binding))
    }

    /// The model's own scopes, as names are looked up at the current position.
    fn env(&self) -> Env<'_, 'a> {
        Env { base: &self.scopes, extra: &[], project: None }
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
        self.resolve_at_depth(self.env(), expr, buf, 0)
    }

    fn resolve_at_depth(&self, env: Env<'_, 'a>, expr: &Expr, buf: &mut String, depth: u8) -> Option<Resolved<'a>> {
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
        match env.lookup(name).map(|(_, binding)| binding) {
            Some(Binding::Import(qualified)) => buf.push_str(qualified),
            Some(Binding::Function(function)) if count == 0 => return Some(Resolved::Function(function)),
            Some(Binding::Class(class)) if count == 0 => return Some(Resolved::Class(class)),
            Some(Binding::Assigned(value)) if count == 0 && depth < MAX_RESOLUTION_DEPTH => {
                // `sleep = time.sleep` aliases a function.
                return match value {
                    Expr::Name(_) | Expr::Attribute(_) => self.resolve_at_depth(env, value, buf, depth + 1),
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
        self.type_at_depth(self.env(), expr, buf, 0)
    }

    /// [`type_of`](Self::type_of), asking `project` what this module cannot tell of
    /// the current scope's expressions.
    pub fn type_of_with(&self, expr: &Expr, buf: &mut String, project: &dyn ProjectTypes<'a>) -> Option<&'a str> {
        self.type_at_depth(Env { project: Some(project), ..self.env() }, expr, buf, 0)
    }

    fn type_at_depth(&self, env: Env<'_, 'a>, expr: &Expr, buf: &mut String, depth: u8) -> Option<&'a str> {
        if depth > MAX_RESOLUTION_DEPTH {
            return None;
        }
        match expr {
            // A file opened in a coroutine is reported where it is opened (and the fix of a
            // `with open(...)` block moves the reading along): its object is tracked only
            // through a name bound outside coroutines (`LOG = open(...)` at module level).
            Expr::Call(call) => self
                .constructed_type(env, &call.func, buf, depth)
                .or_else(|| env.project?.returned(call))
                .filter(|ty| depth > 0 || *ty != FILE_OBJECT),
            // `Path(p).parent` is a path again; `self.db` is what the class assigns it.
            Expr::Attribute(attribute) => self
                .attribute_type(env, attribute, buf, depth)
                .or_else(|| self.instance_attribute_type(env, attribute, buf, depth))
                .or_else(|| env.project?.object(expr)),
            // `client["db"]` is a database again.
            Expr::Subscript(subscript) => self.member_type(env, &subscript.value, "__getitem__", buf, depth),
            // `Path(p) / "name"` is a path again.
            Expr::BinOp(ast::ExprBinOp { left, op: Operator::Div, .. }) => {
                self.type_at_depth(env, left, buf, depth + 1).filter(|ty| *ty == "pathlib.Path")
            }
            Expr::Name(name) => {
                let (place, binding) = env.lookup(name.id.as_str())?;
                match binding {
                    Binding::Import(_) | Binding::RelativeImport { .. } => env.project?.object(expr),
                    binding => self.binding_type(env, place, binding, buf, depth),
                }
            }
            _ => None,
        }
    }

    /// The tracked type of what a name bound so, in the scope at `place`, refers to.
    fn binding_type(
        &self,
        env: Env<'_, 'a>,
        place: Option<usize>,
        binding: &Binding<'a>,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let value_env = if env.is_current(place) { env } else { env.without_project() };
        let ty = match binding {
            Binding::Assigned(value) | Binding::WithTarget(value) => {
                self.type_at_depth(value_env, value, buf, depth + 1)?
            }
            Binding::Annotated { annotation, value } => {
                if let Some(declared) = self.annotated_type(env, annotation, buf) {
                    return Some(declared);
                }
                self.type_at_depth(value_env, value.as_ref()?, buf, depth + 1)?
            }
            Binding::Parameter(Some(annotation)) => return self.annotated_type(env, annotation, buf),
            Binding::Element(iterable) => self.element_type(value_env, iterable, buf, depth)?,
            // The one type every value but `None` gives it.
            Binding::Global(values) => {
                let module = env.up_to(Some(0));
                let mut agreed = None;
                for value in values.iter().filter(|value| !is_none(value)) {
                    let ty = self.type_at_depth(module, value, buf, depth + 1)?;
                    if agreed.is_some_and(|agreed| agreed != ty) {
                        return None;
                    }
                    agreed = Some(ty);
                }
                agreed?
            }
            _ => return None,
        };
        let opened_in_coroutine = ty == FILE_OBJECT
            && place.is_some_and(
                |place| matches!(env.base[place].kind, ScopeKind::Function(function) if function.is_async),
            );
        (!opened_in_coroutine).then_some(ty)
    }

    /// The module-level names bound to objects of a tracked type (`conn =
    /// sqlite3.connect(…)`), for the modules that import them. Read once the walk is back
    /// at module level.
    pub fn module_objects(&self) -> Vec<(&'a str, &'a str)> {
        let env = Env { base: &self.scopes[..1], extra: &[], project: None };
        let mut buf = String::new();
        self.scopes[0]
            .bindings()
            .filter_map(|(name, binding)| Some((name, self.binding_type(env, Some(0), binding, &mut buf, 0)?)))
            .collect()
    }

    /// The type of the items of a call's result the catalogue's `elements` lists
    /// (`socket.socketpair()`, `path.iterdir()`).
    fn element_type(&self, env: Env<'_, 'a>, iterable: &Expr, buf: &mut String, depth: u8) -> Option<&'a str> {
        let Expr::Call(call) = iterable else { return None };
        match (self.resolve_at_depth(env, &call.func, buf, 0), &*call.func) {
            (Some(Resolved::QualifiedName), _) => {}
            (None, Expr::Attribute(method)) => {
                let owner = self.type_at_depth(env, &method.value, buf, depth + 1)?;
                buf.clear();
                buf.push_str(owner);
                buf.push('.');
                buf.push_str(method.attr.as_str());
            }
            _ => return None,
        }
        self.catalogue.elements.get(buf.as_str()).map(String::as_str)
    }

    fn constructed_type(&self, env: Env<'_, 'a>, func: &Expr, buf: &mut String, depth: u8) -> Option<&'a str> {
        match (self.resolve_at_depth(env, func, buf, 0), func) {
            (Some(Resolved::QualifiedName), _) => self.tracked_type(&self.catalogue.constructors, buf),
            // `make_client()` where `def make_client() -> httpx.Client`.
            (Some(Resolved::Function(_)), Expr::Name(name)) => self.return_type(env, name.id.as_str(), buf),
            (Some(_), _) => None,
            // `path.with_suffix(".bak")` returns a path.
            (None, Expr::Attribute(method)) => {
                self.member_type(env, &method.value, method.attr.as_str(), buf, depth).or_else(|| {
                    let Expr::Attribute(_) = func else { return None };
                    self.member_type(env, func, "__call__", buf, depth)
                })
            }
            // `Session()` where `Session = sessionmaker(engine)`.
            (None, _) => self.member_type(env, func, "__call__", buf, depth),
        }
    }

    /// The type of a tracked object's method result or property (`pathlib.Path.parent`).
    fn member_type(
        &self,
        env: Env<'_, 'a>,
        owner: &Expr,
        member: &str,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let owner = self.type_at_depth(env, owner, buf, depth + 1)?;
        self.listed_member_type(owner, member, buf)
    }

    /// The type the catalogue lists for `owner.member`.
    fn listed_member_type(&self, owner: &str, member: &str, buf: &mut String) -> Option<&'a str> {
        buf.clear();
        buf.push_str(owner);
        buf.push('.');
        buf.push_str(member);
        self.tracked_type(&self.catalogue.constructors, buf)
    }

    /// The type of a tracked object's attribute: a property the catalogue lists
    /// (`pathlib.Path.parent`), or any public attribute of a type it lists with `.*`.
    fn attribute_type(
        &self,
        env: Env<'_, 'a>,
        attribute: &ast::ExprAttribute,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let owner = self.type_at_depth(env, &attribute.value, buf, depth + 1)?;
        let member = attribute.attr.as_str();
        self.listed_member_type(owner, member, buf)
            .or_else(|| self.catalogue.any_attribute_type(owner).filter(|_| !member.starts_with('_')))
    }

    /// The tracked type a sync, undecorated function declares it returns, its annotation
    /// read in the first `scopes_around` scopes of the model (those around the `def`).
    pub fn declared_return_type(&self, function: &ast::StmtFunctionDef, scopes_around: usize) -> Option<&'a str> {
        if function.is_async || !function.decorator_list.is_empty() {
            return None;
        }
        let env = Env { base: self.scopes.get(..scopes_around)?, extra: &[], project: None };
        self.annotated_type(env, function.returns.as_deref()?, &mut String::new())
    }

    /// The tracked type a plain function of this module declares it returns.
    fn return_type(&self, env: Env<'_, 'a>, name: &str, buf: &mut String) -> Option<&'a str> {
        let (place, Binding::Function(function)) = env.lookup(name)? else { return None };
        // A decorator may return anything; a coroutine function returns a coroutine.
        if function.is_async || !function.decorator_list.is_empty() {
            return None;
        }
        self.annotated_type(env.up_to(place), function.returns.as_deref()?, buf)
    }

    /// The type of `instance.attribute` where the instance is of a class of this module
    /// that gives the attribute one tracked type (see [`ClassAttributes`]).
    fn instance_attribute_type(
        &self,
        env: Env<'_, 'a>,
        attribute: &ast::ExprAttribute,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let (class, defined_in) = self.class_of_instance(env, &attribute.value, buf)?;
        self.class_attribute(class, defined_in, attribute.attr.as_str(), buf, depth)
    }

    /// The class of this module an expression is an instance of, with the scopes its
    /// definition sees: `self` (or `cls`) in a method, a variable annotated with the
    /// class or assigned from its constructor.
    fn class_of_instance<'s>(
        &'s self,
        env: Env<'s, 'a>,
        expr: &Expr,
        buf: &mut String,
    ) -> Option<(&'a ast::StmtClassDef, &'s [Scope<'a>])> {
        let Expr::Name(name) = expr else { return None };
        let (place, binding) = env.lookup(name.id.as_str())?;
        // Only the model's own scopes: not while a class's attributes are worked out.
        let place = place.filter(|_| env.extra.is_empty())?;
        match binding {
            Binding::Parameter(annotation) => {
                if let Some(annotation) = annotation {
                    return self.class_named(env.up_to(Some(place)), annotation, buf);
                }
                let ScopeKind::Function(method) = env.base[place].kind else { return None };
                let ScopeKind::Class(class) = env.base[place.checked_sub(1)?].kind else { return None };
                let receiver = method.parameters.posonlyargs.first().or(method.parameters.args.first())?;
                let is_static = method.decorator_list.iter().any(
                    |decorator| matches!(&decorator.expression, Expr::Name(name) if name.id.as_str() == "staticmethod"),
                );
                (receiver.parameter.name.as_str() == name.id.as_str() && !is_static)
                    .then_some((class, &env.base[..place - 1]))
            }
            Binding::Annotated { annotation, .. } => self.class_named(env.up_to(Some(place)), annotation, buf),
            Binding::Assigned(Expr::Call(call)) | Binding::WithTarget(Expr::Call(call)) => {
                self.class_named(env.up_to(Some(place)), &call.func, buf)
            }
            _ => None,
        }
    }

    /// The class of this module a name (or `Name | None`, `Optional[Name]`) refers to.
    fn class_named<'s>(
        &'s self,
        env: Env<'s, 'a>,
        expr: &Expr,
        buf: &mut String,
    ) -> Option<(&'a ast::StmtClassDef, &'s [Scope<'a>])> {
        match expr {
            Expr::Name(name) => match env.lookup(name.id.as_str())? {
                (Some(place), Binding::Class(class)) => Some((class, &env.base[..=place])),
                _ => None,
            },
            Expr::BinOp(ast::ExprBinOp { left, op: Operator::BitOr, right, .. }) if is_none(right) => {
                self.class_named(env, left, buf)
            }
            Expr::StringLiteral(string) => self.class_named(env, parse_string_annotation(string)?.expr(), buf),
            Expr::Subscript(subscript) => {
                let Some(Resolved::QualifiedName) = self.resolve_at_depth(env, &subscript.value, buf, 0) else {
                    return None;
                };
                (buf == "typing.Optional").then(|| self.class_named(env, &subscript.slice, buf))?
            }
            _ => None,
        }
    }

    /// The tracked type a class of this module (or a base class of the module) gives
    /// `attribute`, computed once per class and attribute.
    fn class_attribute(
        &self,
        class: &'a ast::StmtClassDef,
        defined_in: &[Scope<'a>],
        attribute: &str,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let key = (class.start(), attribute.to_owned());
        if let Some(known) = self.class_attributes.borrow().get(&key) {
            return *known;
        }
        // Unknown while it is worked out: a class whose attributes refer to themselves.
        self.class_attributes.borrow_mut().insert(key.clone(), None);
        let ty = self
            .work_out_class_attribute(class, defined_in, attribute, buf, depth)
            .filter(|ty| !NOT_TRACKED_ON_INSTANCES.contains(ty));
        self.class_attributes.borrow_mut().insert(key, ty);
        ty
    }

    fn work_out_class_attribute(
        &self,
        class: &'a ast::StmtClassDef,
        defined_in: &[Scope<'a>],
        attribute: &str,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let facts = self.class_attribute_facts(class, defined_in, Some(attribute), buf, depth);
        if let Some((_, attributes)) = facts.first() {
            return attributes.tracked_type();
        }
        // Inherited from a base class of this module, if any gives it a type.
        let bases = class.arguments.as_deref().map(|arguments| &arguments.args[..]).unwrap_or_default();
        bases.iter().find_map(|base| {
            let env = Env { base: defined_in, extra: &[], project: None };
            let (base, base_defined_in) = self.class_named(env, base, buf)?;
            self.class_attribute(base, base_defined_in, attribute, buf, depth + 1)
        })
    }

    /// The instance attributes a class itself declares or assigns (not those it only
    /// inherits), each with what it gives it: what other modules' code sees of the
    /// class's instances and subclasses. Methods are left out unless they are
    /// properties of a tracked type. `scopes_around`: the first scopes of the model,
    /// those around the `class` statement.
    pub fn own_instance_attributes(
        &self,
        class: &'a ast::StmtClassDef,
        scopes_around: usize,
    ) -> Vec<(&'a str, OwnAttribute<'a>)> {
        let Some(defined_in) = self.scopes.get(..scopes_around) else { return Vec::new() };
        let methods: HashSet<&str> = class
            .body
            .iter()
            .filter_map(|stmt| match stmt {
                Stmt::FunctionDef(method) => Some(method.name.as_str()),
                _ => None,
            })
            .collect();
        let is_method = |name: &str| methods.contains(name);
        self.class_attribute_facts(class, defined_in, None, &mut String::new(), 0)
            .into_iter()
            .map(|(name, attributes)| {
                let tracked = attributes.tracked_type().filter(|ty| !NOT_TRACKED_ON_INSTANCES.contains(ty));
                let own = match (tracked, attributes.only_call()) {
                    (Some(ty), _) => OwnAttribute::Tracked(ty),
                    (None, Some(call)) => OwnAttribute::Returned(call),
                    (None, None) => OwnAttribute::Untracked,
                };
                (name, own)
            })
            .filter(|(name, own)| !matches!(own, OwnAttribute::Untracked) || !is_method(name))
            .collect()
    }

    /// What the class's body and methods make of its instance attributes: of `only`, or
    /// of every one they touch, in the order first met.
    fn class_attribute_facts(
        &self,
        class: &'a ast::StmtClassDef,
        defined_in: &[Scope<'a>],
        only: Option<&str>,
        buf: &mut String,
        depth: u8,
    ) -> Vec<(&'a str, ClassAttributes<'a>)> {
        let wanted = |name: &str| only.is_none_or(|only| only == name);
        // The stores, with the method (an index into `methods`) that makes each.
        let mut stores: Vec<(&'a str, AttributeStore<'a>, Option<usize>)> = Vec::new();
        let mut methods: Vec<&'a ast::StmtFunctionDef> = Vec::new();
        for stmt in &class.body {
            match stmt {
                Stmt::AnnAssign(assign) => {
                    if let Expr::Name(name) = &*assign.target
                        && wanted(name.id.as_str())
                    {
                        stores.push((name.id.as_str(), AttributeStore::Annotated(&assign.annotation), None));
                    }
                }
                Stmt::Assign(assign) => {
                    for target in &assign.targets {
                        if let Expr::Name(name) = target
                            && wanted(name.id.as_str())
                        {
                            stores.push((name.id.as_str(), AttributeStore::Assigned(&assign.value), None));
                        }
                    }
                }
                Stmt::FunctionDef(method) => {
                    if wanted(method.name.as_str()) {
                        stores.push((method.name.as_str(), AttributeStore::Property(method), None));
                    }
                    let Some(receiver) = method.parameters.posonlyargs.first().or(method.parameters.args.first())
                    else {
                        continue;
                    };
                    let mut found = AttributeStores {
                        receiver: receiver.parameter.name.as_str(),
                        only,
                        nested: 0,
                        found: Vec::new(),
                    };
                    found.visit_body(&method.body);
                    if !found.found.is_empty() {
                        methods.push(method);
                        let index = methods.len() - 1;
                        stores.extend(found.found.into_iter().map(|(name, store)| (name, store, Some(index))));
                    }
                }
                _ => {}
            }
        }
        // Scopes are built only for the values and annotations that name something.
        let class_scope = OnceCell::new();
        let class_scope = || {
            class_scope.get_or_init(|| {
                let mut scope = Scope::new(ScopeKind::Class(class));
                scope.bind_body(&class.body, &mut Vec::new());
                scope
            })
        };
        let method_scopes: Vec<OnceCell<Scope<'a>>> = methods.iter().map(|_| OnceCell::new()).collect();
        let method_scope = |index: usize| {
            method_scopes[index].get_or_init(|| {
                let method = methods[index];
                let mut scope = Scope::new(ScopeKind::Function(method));
                scope.bind_parameters(&method.parameters);
                scope.bind_body(&method.body, &mut Vec::new());
                scope
            })
        };
        let mut facts: Vec<(&'a str, ClassAttributes<'a>)> = Vec::new();
        for (name, store, method) in stores {
            let found = match facts.iter().position(|(known, _)| *known == name) {
                Some(found) => found,
                None => {
                    facts.push((name, ClassAttributes::default()));
                    facts.len() - 1
                }
            };
            let attributes = &mut facts[found].1;
            let names_something = match &store {
                AttributeStore::Assigned(value) => may_have_tracked_type(value),
                AttributeStore::Annotated(_) | AttributeStore::Property(_) => true,
                AttributeStore::Other => false,
            };
            let extra: Vec<&Scope<'a>> = match method {
                _ if !names_something => Vec::new(),
                Some(index) => vec![class_scope(), method_scope(index)],
                None => vec![class_scope()],
            };
            let env = Env { base: defined_in, extra: &extra, project: None };
            match store {
                AttributeStore::Assigned(value) if !names_something => attributes.assign(value, |_| None),
                AttributeStore::Assigned(value) => {
                    attributes.assign(value, |value| self.type_at_depth(env, value, buf, depth + 1));
                    // A call the model cannot type, whose callee is named as around the
                    // class (not by the method's or the class body's own names).
                    if let Expr::Call(call) = value
                        && type_root(&call.func).is_some_and(|root| extra.iter().all(|scope| scope.get(root).is_none()))
                    {
                        attributes.call = Some(call);
                    }
                }
                AttributeStore::Annotated(annotation) => attributes.declare(self.annotated_type(env, annotation, buf)),
                AttributeStore::Property(method) => attributes.declare(self.property_type(env, method, buf)),
                AttributeStore::Other => attributes.assign_unknown(),
            }
        }
        facts
    }

    /// The tracked type a `@property` or `@functools.cached_property` method declares.
    fn property_type(&self, env: Env<'_, 'a>, method: &'a ast::StmtFunctionDef, buf: &mut String) -> Option<&'a str> {
        let is_property = method.decorator_list.iter().any(|decorator| {
            matches!(self.resolve_at_depth(env, &decorator.expression, buf, 0), Some(Resolved::QualifiedName))
                && matches!(buf.as_str(), "builtins.property" | "functools.cached_property")
        });
        if !is_property || method.is_async {
            return None;
        }
        self.annotated_type(env, method.returns.as_deref()?, buf)
    }

    /// The type a constructor or annotation name declares, in the catalogue's `table` or
    /// among the configured classes.
    fn tracked_type(&self, table: &'static HashMap<String, String>, name: &str) -> Option<&'a str> {
        table.get(name).or_else(|| self.configured_types.get(name)).map(String::as_str)
    }

    /// The tracked type an annotation declares, looking inside `Optional[T]`,
    /// `Union[T, None]` and `T | None`.
    fn annotated_type(&self, env: Env<'_, 'a>, annotation: &Expr, buf: &mut String) -> Option<&'a str> {
        match annotation {
            Expr::Name(_) | Expr::Attribute(_) => match self.resolve_at_depth(env, annotation, buf, 0)? {
                Resolved::QualifiedName => self.tracked_type(&self.catalogue.annotations, buf),
                _ => None,
            },
            Expr::BinOp(ast::ExprBinOp { left, op: Operator::BitOr, right, .. }) => {
                self.annotated_type(env, left, buf).or_else(|| self.annotated_type(env, right, buf))
            }
            Expr::StringLiteral(string) => self.annotated_type(env, parse_string_annotation(string)?.expr(), buf),
            Expr::Subscript(subscript) => {
                let Some(Resolved::QualifiedName) = self.resolve_at_depth(env, &subscript.value, buf, 0) else {
                    return None;
                };
                match buf.as_str() {
                    "typing.Optional" | "typing.Union" => match &*subscript.slice {
                        Expr::Tuple(tuple) => tuple.elts.iter().find_map(|elt| self.annotated_type(env, elt, buf)),
                        single => self.annotated_type(env, single, buf),
                    },
                    // `IO[str]` is still a file object.
                    name => self.tracked_type(&self.catalogue.annotations, name),
                }
            }
            _ => None,
        }
    }
}

/// The scopes a name is looked up in: the model's stack up to some depth (`base`), and
/// scopes built for the occasion on top of it (`extra`: a class body and one of its
/// methods, to read what the method assigns to an instance attribute).
#[derive(Clone, Copy)]
struct Env<'s, 'a> {
    base: &'s [Scope<'a>],
    extra: &'s [&'s Scope<'a>],
    /// What the project knows, while the expression looked at is one of the current
    /// scope's: the project resolves names as they are seen at the current position.
    project: Option<&'s dyn ProjectTypes<'a>>,
}

impl<'s, 'a> Env<'s, 'a> {
    /// Looks `name` up the way Python does: the innermost scope, enclosing function
    /// scopes (class scopes only when innermost), then the module. The place is the
    /// index into `base`, or `None` for a scope of `extra`.
    fn lookup(self, name: &str) -> Option<(Option<usize>, &'s Binding<'a>)> {
        let extra = self.extra.iter().rev().map(|scope| (None, *scope));
        let base = self.base.iter().enumerate().rev().map(|(index, scope)| (Some(index), scope));
        let mut skip_to_module = false;
        for (position, (place, scope)) in extra.chain(base).enumerate() {
            let is_module = place == Some(0);
            if skip_to_module && !is_module {
                continue;
            }
            if matches!(scope.kind, ScopeKind::Class(_)) && position != 0 {
                continue;
            }
            match scope.get(name) {
                Some(Binding::Outer) => skip_to_module = true,
                Some(binding) => return Some((place, binding)),
                None => {}
            }
        }
        None
    }

    /// The scopes seen where the scope at `place` is innermost.
    fn up_to(self, place: Option<usize>) -> Env<'s, 'a> {
        match place {
            Some(index) => Env { base: &self.base[..=index], extra: &[], project: None },
            None => self.without_project(),
        }
    }

    /// The same scopes, for an expression written elsewhere than at the current position.
    fn without_project(self) -> Env<'s, 'a> {
        Env { project: None, ..self }
    }

    /// Whether `place` is the current position's own scope.
    fn is_current(self, place: Option<usize>) -> bool {
        self.extra.is_empty() && place.is_some_and(|place| place + 1 == self.base.len())
    }
}

/// The expression a string annotation holds (`"httpx.Client"`), if it parses.
fn parse_string_annotation(string: &ast::ExprStringLiteral) -> Option<Parsed<ast::ModExpression>> {
    ruff_python_parser::parse_expression(string.value.to_str()).ok()
}

fn is_name(expr: &Expr, name: &str) -> bool {
    matches!(expr, Expr::Name(named) if named.id.as_str() == name)
}

/// Whether [`SemanticModel::type_of`] may find a type for the expression: not for a
/// literal, a display, an operation other than `/`, …
fn may_have_tracked_type(expr: &Expr) -> bool {
    matches!(expr, Expr::Name(_) | Expr::Attribute(_) | Expr::Call(_) | Expr::Subscript(_) | Expr::BinOp(_))
}

fn is_none(expr: &Expr) -> bool {
    matches!(expr, Expr::NoneLiteral(_))
}

/// What a class's body and methods make of one instance attribute. It has a tracked
/// type when an annotation declares it (`db: sqlite3.Connection` in the class body, a
/// dataclass field, `self.db: T = …`, a property annotated so) or every assignment
/// gives it that type, and no assignment gives it another. `None` does not count: a
/// method called on the attribute never runs on it.
#[derive(Default)]
struct ClassAttributes<'a> {
    declared: Option<&'a str>,
    assigned: Option<&'a str>,
    /// Declared or assigned two different types, or assigned something unknown.
    conflicting: bool,
    unknown_assignment: bool,
    /// How many declarations and stores (`None` aside) there are.
    stores: u32,
    /// A call assigned, whose type the module does not know.
    call: Option<&'a ast::ExprCall>,
}

/// What a class gives one of its instance attributes, as other modules see it.
pub enum OwnAttribute<'a> {
    Tracked(&'a str),
    /// Only the result of this call, whose callee another module may declare the type
    /// of (`self.http = make_client()` with `make_client` imported): its callee is named
    /// as around the class.
    Returned(&'a ast::ExprCall),
    Untracked,
}

impl<'a> ClassAttributes<'a> {
    fn declare(&mut self, ty: Option<&'a str>) {
        self.stores += 1;
        match (ty, self.declared) {
            (None, _) => self.conflicting = true,
            (Some(ty), Some(declared)) if ty != declared => self.conflicting = true,
            (Some(ty), _) => self.declared = Some(ty),
        }
    }

    fn assign<'e>(&mut self, value: &'e Expr, type_of: impl FnOnce(&'e Expr) -> Option<&'a str>) {
        if is_none(value) {
            return;
        }
        self.stores += 1;
        match (type_of(value), self.assigned) {
            (None, _) => self.unknown_assignment = true,
            (Some(ty), Some(assigned)) if ty != assigned => self.conflicting = true,
            (Some(ty), _) => self.assigned = Some(ty),
        }
    }

    fn assign_unknown(&mut self) {
        self.stores += 1;
        self.unknown_assignment = true;
    }

    /// The call that is the attribute's one value, when the module knows no type of it.
    fn only_call(&self) -> Option<&'a ast::ExprCall> {
        (self.stores == 1 && self.declared.is_none() && self.assigned.is_none()).then_some(self.call?)
    }

    fn tracked_type(&self) -> Option<&'a str> {
        if self.conflicting {
            return None;
        }
        match (self.declared, self.assigned) {
            (Some(declared), Some(assigned)) if declared != assigned => None,
            // A declaration holds over assignments of values aioguard does not know.
            (Some(declared), _) => Some(declared),
            (None, assigned) if !self.unknown_assignment => assigned,
            (None, _) => None,
        }
    }
}

/// How a class body or a method stores an instance attribute (`db: T`, `self.db = …`).
enum AttributeStore<'a> {
    Assigned(&'a Expr),
    Annotated(&'a Expr),
    /// A method of the name: a property declares its type, another method none.
    Property(&'a ast::StmtFunctionDef),
    /// Any other store (augmented, unpacked, in a nested function, a `for` target, …).
    Other,
}

/// Collects a method's stores to attributes of its receiver (to `only`, if given).
struct AttributeStores<'n, 'a> {
    receiver: &'n str,
    only: Option<&'n str>,
    /// How many nested functions or classes enclose the position.
    nested: u32,
    found: Vec<(&'a str, AttributeStore<'a>)>,
}

impl<'a> AttributeStores<'_, 'a> {
    /// The attribute `expr` stores, when it is one of those collected.
    fn target(&self, expr: &'a Expr) -> Option<&'a str> {
        let Expr::Attribute(attribute) = expr else { return None };
        let name = attribute.attr.as_str();
        (is_name(&attribute.value, self.receiver) && self.only.is_none_or(|only| only == name)).then_some(name)
    }
}

impl<'a> Visitor<'a> for AttributeStores<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Assign(assign)
                if self.nested == 0 && assign.targets.iter().any(|target| self.target(target).is_some()) =>
            {
                for target in &assign.targets {
                    match self.target(target) {
                        Some(name) => self.found.push((name, AttributeStore::Assigned(&assign.value))),
                        None => self.visit_expr(target),
                    }
                }
                self.visit_expr(&assign.value);
            }
            Stmt::AnnAssign(assign) if self.nested == 0 && self.target(&assign.target).is_some() => {
                let name = self.target(&assign.target).expect("matched");
                self.found.push((name, AttributeStore::Annotated(&assign.annotation)));
                if let Some(value) = &assign.value {
                    self.visit_expr(value);
                }
            }
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                self.nested += 1;
                visitor::walk_stmt(self, stmt);
                self.nested -= 1;
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Attribute(attribute) if attribute.ctx.is_store() && self.target(expr).is_some() => {
                self.found.push((attribute.attr.as_str(), AttributeStore::Other));
            }
            // An attribute is stored by a statement's target, unpacked or not; no other
            // expression stores one (but a comprehension's `for self.x in …`, which real
            // code does not write), so the rest of an expression is not walked.
            Expr::Tuple(_) | Expr::List(_) | Expr::Starred(_) => visitor::walk_expr(self, expr),
            _ => {}
        }
    }
}

/// Collects the `name := value` of a scope's body, outside nested functions, classes and
/// lambdas (and expressions nested deeper than the checker walks).
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
struct GlobalDeclarations<'a> {
    declarations: Vec<(&'a str, Option<&'a ast::StmtFunctionDef>)>,
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

/// The values `function` assigns to `name`, a name it declares `global`, with plain
/// `name = value` statements; `None` when it binds the name any other way, or a value's
/// type would depend on one of the function's own names.
fn global_stores<'a>(function: &'a ast::StmtFunctionDef, name: &'a str) -> Option<Vec<&'a Expr>> {
    let mut stores = GlobalStores { name, values: Vec::new(), other: false };
    stores.visit_body(&function.body);
    if stores.other {
        return None;
    }
    let mut own = Scope::new(ScopeKind::Function(function));
    own.bind_parameters(&function.parameters);
    own.bind_body(&function.body, &mut Vec::new());
    let resolves_as_at_module = |value: &&Expr| type_root(value).is_none_or(|root| own.get(root).is_none());
    stores.values.iter().all(resolves_as_at_module).then_some(stores.values)
}

/// The name the type of an expression is worked out from (`httpx` of
/// `httpx.Client(timeout=t)`), if any.
fn type_root(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(ast::ExprAttribute { value, .. })
        | Expr::Call(ast::ExprCall { func: value, .. })
        | Expr::Subscript(ast::ExprSubscript { value, .. })
        | Expr::BinOp(ast::ExprBinOp { left: value, .. }) => type_root(value),
        _ => None,
    }
}

/// Collects the plain assignments to one name in a function's own body, and whether
/// anything else binds it there (an import, a loop target, `del`, a nested `def` of
/// the name, a walrus, …).
struct GlobalStores<'a> {
    name: &'a str,
    values: Vec<&'a Expr>,
    other: bool,
}

impl<'a> Visitor<'a> for GlobalStores<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(ast::StmtFunctionDef { name, .. }) | Stmt::ClassDef(ast::StmtClassDef { name, .. }) => {
                self.other |= name.as_str() == self.name;
            }
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    if is_name(target, self.name) {
                        self.values.push(&assign.value);
                    } else {
                        self.visit_expr(target);
                    }
                }
                self.visit_expr(&assign.value);
            }
            Stmt::Import(ast::StmtImport { names, .. }) | Stmt::ImportFrom(ast::StmtImportFrom { names, .. }) => {
                self.other |= names.iter().any(|alias| {
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    bound.split('.').next() == Some(self.name)
                });
            }
            Stmt::Delete(delete) => self.other |= delete.targets.iter().any(|target| is_name(target, self.name)),
            Stmt::Try(try_stmt) => {
                self.other |= try_stmt.handlers.iter().any(|ast::ExceptHandler::ExceptHandler(handler)| {
                    handler.name.as_ref().is_some_and(|bound| bound.as_str() == self.name)
                });
                visitor::walk_stmt(self, stmt);
            }
            Stmt::Match(match_stmt) => {
                for case in &match_stmt.cases {
                    NameCollector::bound_by_pattern(&case.pattern, |bound| self.other |= bound == self.name);
                }
                visitor::walk_stmt(self, stmt);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) if name.ctx.is_store() && name.id.as_str() == self.name => self.other = true,
            Expr::Lambda(_) => {}
            _ => visitor::walk_expr(self, expr),
        }
    }
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
