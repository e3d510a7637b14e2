//! The scope check every fix passes: a fix must not change which variable a name of
//! the program refers to. Both the original module and the module with the fix applied
//! are analysed the way Python scopes names (function locals, `global`, `nonlocal`,
//! enclosing functions, class bodies, comprehensions, lambdas), and the fix is refused
//! when
//! - a name, read or assigned in some function, now resolves to another scope's variable
//!   (`n += …` moved into a nested function without `nonlocal`; an assignment to a
//!   `global` name moved where it binds a local; a variable no longer assigned where it
//!   is read), or
//! - a function the fix creates reads one of its own locals before any assignment to it
//!   (an `UnboundLocalError` waiting to happen).
//!
//! Scopes are matched by their path of names (`handle/<lambda>`); a scope the fix
//! creates counts as part of the one that holds it, so code moved into a generated
//! helper is compared with where it came from. Names the fix introduces are not compared.

use std::collections::BTreeSet;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextSize};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// The scope analysis of one module.
#[derive(Default)]
pub struct ModuleScopes {
    scopes: Vec<ScopeFacts>,
    uses: Vec<NameUse>,
}

#[derive(Debug)]
struct ScopeFacts {
    /// `f/<locals>/g`-like: the path of names from the module.
    key: String,
    parent: Option<usize>,
    is_class: bool,
    /// Bound in this scope (assigned, imported, defined, a parameter, deleted).
    locals: HashSet<String>,
    globals: HashSet<String>,
    nonlocals: HashSet<String>,
}

#[derive(Debug)]
struct NameUse {
    scope: usize,
    name: String,
    is_load: bool,
    /// Where the use happens, in evaluation order (an assignment stores at its end).
    at: TextSize,
}

/// Where a name resolves: a scope's variable, or the module's globals and builtins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    Scope(usize),
    Global,
}

impl ModuleScopes {
    pub fn analyse(module: &[Stmt]) -> Self {
        let mut builder = Builder { scopes: ModuleScopes::default(), current: 0 };
        builder.scopes.scopes.push(ScopeFacts::new(String::new(), None, false));
        builder.visit_body(module);
        builder.scopes
    }

    fn resolve(&self, scope: usize, name: &str) -> Owner {
        let facts = &self.scopes[scope];
        if facts.globals.contains(name) || scope == 0 {
            return Owner::Global;
        }
        if facts.locals.contains(name) && !facts.nonlocals.contains(name) {
            return Owner::Scope(scope);
        }
        // Enclosing class bodies are not searched (Python skips them too).
        let mut outer = facts.parent;
        while let Some(index) = outer {
            let enclosing = &self.scopes[index];
            if index == 0 {
                return Owner::Global;
            }
            if !enclosing.is_class && enclosing.locals.contains(name) && !enclosing.nonlocals.contains(name) {
                return Owner::Scope(index);
            }
            if enclosing.globals.contains(name) {
                return Owner::Global;
            }
            outer = enclosing.parent;
        }
        Owner::Global
    }
}

/// Why a fix changes what names refer to, if it does.
pub fn changed_bindings(original: &ModuleScopes, fixed: &ModuleScopes) -> Option<String> {
    let known: HashSet<&str> = original.scopes.iter().map(|scope| scope.key.as_str()).collect();
    // A scope the fix created stands for the nearest enclosing scope the original has.
    let mapped = |scopes: &ModuleScopes, mut index: usize| -> String {
        while !known.contains(scopes.scopes[index].key.as_str()) {
            index = scopes.scopes[index].parent.expect("the module scope is in both");
        }
        scopes.scopes[index].key.clone()
    };
    let owner_key = |scopes: &ModuleScopes, owner: Owner| match owner {
        Owner::Global => "<global>".to_owned(),
        Owner::Scope(index) => mapped(scopes, index),
    };
    type Resolutions = HashMap<(String, String, bool), BTreeSet<String>>;
    let resolutions = |scopes: &ModuleScopes| -> Resolutions {
        let mut resolutions: Resolutions = HashMap::default();
        for name_use in &scopes.uses {
            let owner = owner_key(scopes, scopes.resolve(name_use.scope, &name_use.name));
            let key = (mapped(scopes, name_use.scope), name_use.name.clone(), name_use.is_load);
            resolutions.entry(key).or_default().insert(owner);
        }
        resolutions
    };
    let before = resolutions(original);
    let after = resolutions(fixed);
    for (key, owners) in &after {
        if let Some(original_owners) = before.get(key)
            && original_owners != owners
        {
            let (scope, name, _) = key;
            return Some(format!("`{name}` in `{}` would refer to another variable", display_scope(scope)));
        }
    }
    unbound_local_read(fixed, &known)
}

/// A read, in a scope the fix created, of a local of that scope with no assignment
/// before it.
fn unbound_local_read(fixed: &ModuleScopes, known: &HashSet<&str>) -> Option<String> {
    for (index, scope) in fixed.scopes.iter().enumerate() {
        if known.contains(scope.key.as_str()) {
            continue;
        }
        for read in fixed.uses.iter().filter(|name_use| name_use.scope == index && name_use.is_load) {
            if fixed.resolve(index, &read.name) != Owner::Scope(index) {
                continue;
            }
            let assigned_before = fixed
                .uses
                .iter()
                .any(|store| store.scope == index && !store.is_load && store.name == read.name && store.at < read.at);
            if !assigned_before {
                return Some(format!("`{}` would be read before it is assigned", read.name));
            }
        }
    }
    None
}

fn display_scope(key: &str) -> &str {
    if key.is_empty() { "the module" } else { key }
}

impl ScopeFacts {
    fn new(key: String, parent: Option<usize>, is_class: bool) -> Self {
        ScopeFacts {
            key,
            parent,
            is_class,
            locals: HashSet::default(),
            globals: HashSet::default(),
            nonlocals: HashSet::default(),
        }
    }
}

struct Builder {
    scopes: ModuleScopes,
    current: usize,
}

impl Builder {
    fn record(&mut self, name: &str, is_load: bool, at: TextSize) {
        if !is_load {
            self.scopes.scopes[self.current].locals.insert(name.to_owned());
        }
        self.scopes.uses.push(NameUse { scope: self.current, name: name.to_owned(), is_load, at });
    }

    fn in_scope(&mut self, name: &str, is_class: bool, walk: impl FnOnce(&mut Self)) {
        let key = match &self.scopes.scopes[self.current].key {
            parent if parent.is_empty() => name.to_owned(),
            parent => format!("{parent}/{name}"),
        };
        let outer = self.current;
        self.scopes.scopes.push(ScopeFacts::new(key, Some(outer), is_class));
        self.current = self.scopes.scopes.len() - 1;
        walk(self);
        self.current = outer;
    }

    fn parameters(&mut self, parameters: &ast::Parameters) {
        for parameter in parameters.iter() {
            self.record(parameter.name().as_str(), false, parameters.start());
        }
    }

    /// Defaults and annotations run where the `def` or `lambda` is.
    fn parameter_values(&mut self, parameters: &ast::Parameters) {
        for parameter in parameters.iter() {
            if let Some(default) = parameter.default() {
                self.visit_expr(default);
            }
            if let Some(annotation) = parameter.annotation() {
                self.visit_expr(annotation);
            }
        }
    }

    /// Its targets are stored before its element is evaluated, though written after it.
    fn comprehension(&mut self, start: TextSize, generators: &[ast::Comprehension], elements: &[&Expr]) {
        let Some(first) = generators.first() else { return };
        // The first iterable is evaluated in the enclosing scope.
        self.visit_expr(&first.iter);
        self.in_scope("<comprehension>", false, |builder| {
            for (index, generator) in generators.iter().enumerate() {
                if index > 0 {
                    builder.visit_expr(&generator.iter);
                }
                builder.targets(std::iter::once(&generator.target), start);
                for condition in &generator.ifs {
                    builder.visit_expr(condition);
                }
            }
            for element in elements {
                builder.visit_expr(element);
            }
        });
    }
}

impl<'a> Visitor<'a> for Builder {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(function) => {
                for decorator in &function.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                self.parameter_values(&function.parameters);
                if let Some(returns) = &function.returns {
                    self.visit_expr(returns);
                }
                self.record(function.name.as_str(), false, function.start());
                self.in_scope(function.name.as_str(), false, |builder| {
                    builder.parameters(&function.parameters);
                    builder.visit_body(&function.body);
                });
            }
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
                self.record(class.name.as_str(), false, class.start());
                self.in_scope(class.name.as_str(), true, |builder| builder.visit_body(&class.body));
            }
            Stmt::Global(global) => {
                let names = global.names.iter().map(|name| name.to_string());
                self.scopes.scopes[self.current].globals.extend(names);
            }
            Stmt::Nonlocal(nonlocal) => {
                let names = nonlocal.names.iter().map(|name| name.to_string());
                self.scopes.scopes[self.current].nonlocals.extend(names);
            }
            Stmt::Assign(assign) => {
                self.visit_expr(&assign.value);
                self.targets(assign.targets.iter(), stmt.end());
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    self.visit_expr(value);
                }
                self.visit_expr(&assign.annotation);
                if assign.value.is_some() {
                    self.targets(std::iter::once(&*assign.target), stmt.end());
                }
            }
            Stmt::AugAssign(assign) => {
                // The target is read first, then the value evaluated, then the target stored.
                if let Expr::Name(name) = &*assign.target {
                    self.record(name.id.as_str(), true, name.start());
                }
                self.visit_expr(&assign.value);
                self.targets(std::iter::once(&*assign.target), stmt.end());
            }
            Stmt::Import(ast::StmtImport { names, .. }) | Stmt::ImportFrom(ast::StmtImportFrom { names, .. }) => {
                for alias in names {
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    if bound != "*" {
                        self.record(bound.split('.').next().unwrap_or(bound), false, stmt.start());
                    }
                }
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_except_handler(&mut self, handler: &'a ast::ExceptHandler) {
        let ast::ExceptHandler::ExceptHandler(inner) = handler;
        if let Some(name) = &inner.name {
            self.record(name.as_str(), false, name.start());
        }
        visitor::walk_except_handler(self, handler);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) => self.record(name.id.as_str(), name.ctx == ExprContext::Load, name.start()),
            Expr::Named(named) => {
                self.visit_expr(&named.value);
                // A walrus in a comprehension binds in the enclosing function.
                if let Expr::Name(target) = &*named.target {
                    let mut scope = self.current;
                    while self.scopes.scopes[scope].key.ends_with("<comprehension>") {
                        scope = self.scopes.scopes[scope].parent.expect("a comprehension has a parent");
                    }
                    let inner = std::mem::replace(&mut self.current, scope);
                    self.record(target.id.as_str(), false, named.end());
                    self.current = inner;
                }
            }
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    self.parameter_values(parameters);
                }
                self.in_scope("<lambda>", false, |builder| {
                    if let Some(parameters) = &lambda.parameters {
                        builder.parameters(parameters);
                    }
                    builder.visit_expr(&lambda.body);
                });
            }
            Expr::ListComp(comprehension) => {
                self.comprehension(expr.start(), &comprehension.generators, &[&comprehension.elt])
            }
            Expr::SetComp(comprehension) => {
                self.comprehension(expr.start(), &comprehension.generators, &[&comprehension.elt])
            }
            Expr::Generator(comprehension) => {
                self.comprehension(expr.start(), &comprehension.generators, &[&comprehension.elt])
            }
            Expr::DictComp(comprehension) => {
                let elements: Vec<&Expr> =
                    comprehension.key.iter().map(|key| &**key).chain([&*comprehension.value]).collect();
                self.comprehension(expr.start(), &comprehension.generators, &elements)
            }
            _ => visitor::walk_expr(self, expr),
        }
    }

    fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
        if let Some(name) = pattern_capture(pattern) {
            self.record(name, false, pattern.start());
        }
        visitor::walk_pattern(self, pattern);
    }
}

/// The name a `match` pattern binds itself (`case x`, `case [*rest]`, `case {**rest}`).
pub fn pattern_capture(pattern: &ast::Pattern) -> Option<&str> {
    match pattern {
        ast::Pattern::MatchAs(ast::PatternMatchAs { name: Some(name), .. })
        | ast::Pattern::MatchStar(ast::PatternMatchStar { name: Some(name), .. })
        | ast::Pattern::MatchMapping(ast::PatternMatchMapping { rest: Some(name), .. }) => Some(name.as_str()),
        _ => None,
    }
}

impl Builder {
    /// Assignment targets: names are stored at `at` (after the value is evaluated);
    /// subscripts and attributes read their object.
    fn targets<'a>(&mut self, targets: impl Iterator<Item = &'a Expr>, at: TextSize) {
        for target in targets {
            match target {
                Expr::Name(name) => self.record(name.id.as_str(), false, at),
                Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                    self.targets(elts.iter(), at)
                }
                Expr::Starred(starred) => self.targets(std::iter::once(&*starred.value), at),
                other => self.visit_expr(other),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use ruff_python_parser::parse_module;

    use super::*;

    fn check(original: &str, fixed: &str) -> Option<String> {
        let analyse = |text: &str| ModuleScopes::analyse(&parse_module(text).unwrap().into_syntax().body);
        changed_bindings(&analyse(original), &analyse(fixed))
    }

    #[test]
    fn moving_an_augmented_assignment_into_a_helper_needs_nonlocal() {
        let original = "async def f(ps):\n    n = 0\n    for p in ps:\n        n += len(p)\n    return n\n";
        let without = "async def f(ps):\n    n = 0\n    for p in ps:\n        def h():\n            n += len(p)\n        h()\n    return n\n";
        let with = "async def f(ps):\n    n = 0\n    for p in ps:\n        def h():\n            nonlocal n\n            n += len(p)\n        h()\n    return n\n";
        assert_eq!(check(original, without).as_deref(), Some("`n` would be read before it is assigned"));
        assert_eq!(check(original, with), None);
    }

    #[test]
    fn an_assignment_to_a_global_moved_into_a_helper_binds_a_local() {
        let original = "X = 0\nasync def f():\n    global X\n    X = 1\n";
        let fixed = "X = 0\nasync def f():\n    global X\n    def h():\n        X = 1\n    h()\n";
        assert_eq!(check(original, fixed).as_deref(), Some("`X` in `f` would refer to another variable"));
    }

    #[test]
    fn a_variable_no_longer_assigned_where_it_is_read_is_lost() {
        let original = "async def f():\n    data = 1\n    return data\n";
        let fixed = "async def f():\n    def h():\n        data = 1\n    h()\n    return data\n";
        assert_eq!(check(original, fixed).as_deref(), Some("`data` in `f` would refer to another variable"));
        let returned =
            "async def f():\n    def h():\n        data = 1\n        return data\n    data = h()\n    return data\n";
        assert_eq!(check(original, returned), None);
    }

    #[test]
    fn comprehension_and_lambda_scopes_resolve_like_python() {
        let original = "async def f(p):\n    return [x for x in p]\n";
        let fixed = "async def f(p):\n    return [x for x in await g(lambda: list(p))]\n";
        assert_eq!(check(original, fixed), None);
    }
}
