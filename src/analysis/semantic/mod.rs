//! Semantic resolution: what a name or a dotted expression refers to at a point of a
//! module, the way Python resolves it.
//!
//! Scopes are built lazily, one per function when the walk enters it, by scanning
//! that function's own statements (not the bodies of nested functions or classes).
//! Resolution is flow-insensitive and conservative: a name bound in two different ways
//! in one scope resolves to nothing, so it is never reported.
//!
//! This file holds the [`SemanticModel`] itself: its constructor and the stack of scopes
//! the walk pushes and pops. The rest is split by concern:
//! - `scopes`: bindings and scopes, and how a scope is built from a body;
//! - `resolve`: name lookup and resolution of names and dotted expressions;
//! - `types`: the tracked type of an expression, with what the project tells of it;
//! - `attributes`: the tracked types of instance attributes of the module's classes.

mod attributes;
mod resolve;
mod scopes;
mod types;

use std::cell::{OnceCell, RefCell};

use ruff_python_ast::visitor::Visitor;
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::TextSize;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::analysis::twins::ModuleClients;
use crate::data::catalogue::Catalogue;

pub use attributes::OwnAttribute;
pub use resolve::Resolved;
pub use scopes::{Binding, Scope, ScopeKind};
pub use types::{FILE_OBJECT, ProjectTypes, annotated_subject};

use scopes::GlobalDeclarations;
use types::global_stores;

/// The scopes around the walk's current position, and the facts of the module.
pub struct SemanticModel<'a> {
    catalogue: &'static Catalogue,
    /// Classes the configuration names methods of: tracked like the catalogue's types.
    configured_types: &'a HashSet<String>,
    /// The clients learnt from the environment for the packages the module imports:
    /// tracked like the catalogue's types.
    clients: &'a ModuleClients,
    scopes: Vec<Scope<'a>>,
    star_imports: Vec<&'a str>,
    module: &'a [Stmt],
    /// Every name bound anywhere in the module; computed only when needed.
    all_bound_names: OnceCell<HashSet<&'a str>>,
    /// The tracked type of an instance attribute of a class of the module, by the
    /// class's start and the attribute; filled as `self.db`-like expressions are met.
    class_attributes: RefCell<HashMap<(TextSize, String), Option<&'a str>>>,
}

impl<'a> SemanticModel<'a> {
    pub fn new(
        module: &'a [Stmt],
        catalogue: &'static Catalogue,
        configured_types: &'a HashSet<String>,
        clients: &'a ModuleClients,
    ) -> Self {
        let mut scope = Scope::new(ScopeKind::Module);
        let mut star_imports = Vec::new();
        scope.bind_body(module, &mut star_imports);
        // A function that declares a name `global` rebinds the module's name at run time.
        let mut globals = GlobalDeclarations::default();
        globals.visit_body(module);
        let mut values: HashMap<&'a str, Option<Vec<&'a Expr>>> = HashMap::default();
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
            clients,
            scopes: vec![scope],
            star_imports,
            module,
            all_bound_names: OnceCell::new(),
            class_attributes: RefCell::new(HashMap::default()),
        }
    }

    pub fn catalogue(&self) -> &'static Catalogue {
        self.catalogue
    }

    /// The clients learnt from the environment that the module may use.
    pub fn clients(&self) -> &'a ModuleClients {
        self.clients
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
                Expr::Name(name) if generator.is_async => {
                    scope.bind(name.id.as_str(), Binding::AsyncElement(&generator.iter));
                }
                Expr::Name(name) => scope.bind(name.id.as_str(), Binding::Element(&generator.iter)),
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
}
