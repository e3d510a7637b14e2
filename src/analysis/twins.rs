//! Sync clients with an async twin, learnt from the packages installed in the project's
//! environment (the long tail no catalogue keeps up with): a package that exports a class
//! `X` and a class `AsyncX` (`ollama.Client` and `ollama.AsyncClient`), or `X` in the
//! package and `X` again in its `asyncio`/`aio` submodule, pairs them.
//!
//! The driver reads the files ([`crate::data::environment`] names them); here, the
//! parsed `__init__.py` of each becomes its [`ModuleExports`] (kept in the cache), and
//! [`find_twins`] pairs the exports of a package. A module being checked then knows the
//! clients of the packages it imports ([`ModuleClients`]); the semantic model tracks their
//! objects, and `analysis::blocking` reports their methods.
//!
//! Only what the source says for certain counts: a name is exported as a class when the
//! module defines it with `class`, imports it (a re-export: `from ._client import
//! Client`, also under `if TYPE_CHECKING:` or in a `try`), or lists it in `__all__`; a
//! name the module also binds in any other way (`def`, an assignment, `import x as X`) is
//! not. Nothing is run.

use std::sync::Arc;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::{Deserialize, Serialize};

use crate::data::catalogue::{Entry, LearnedClients};
use crate::data::config::Settings;
use crate::data::environment::ASYNC_SUBMODULES;

/// Where a name a module exports comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Origin {
    /// A class the module defines.
    Class,
    /// A name imported from another module: that module (absolute) and the name there.
    Imported { module: Box<str>, name: Box<str> },
    /// Only listed in `__all__` (a name loaded lazily), or bound by both a class and an
    /// import: not known.
    Unresolved,
}

/// The public names of one module that may be classes, with where each comes from,
/// sorted by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleExports {
    names: Vec<(Box<str>, Origin)>,
}

impl ModuleExports {
    fn get(&self, name: &str) -> Option<&Origin> {
        let at = self.names.binary_search_by(|(known, _)| (**known).cmp(name)).ok()?;
        Some(&self.names[at].1)
    }
}

/// The exports of the module `module` (dotted), whose statements are `body`;
/// `is_package` for a package's `__init__.py`, where relative imports start from the
/// module itself.
pub fn exports(body: &[Stmt], module: &str, is_package: bool) -> ModuleExports {
    let package = if is_package { Some(module) } else { module.rsplit_once('.').map(|(parent, _)| parent) };
    let mut collector = Exports { package, ..Exports::default() };
    collector.body(body);
    let Exports { candidates, listed, other, .. } = collector;
    let mut names: Vec<(Box<str>, Origin)> = candidates
        .into_iter()
        .map(|(name, origin)| (name, origin.unwrap_or(Origin::Unresolved)))
        .chain(listed.into_iter().map(|name| (name, Origin::Unresolved)))
        .filter(|(name, _)| !name.starts_with('_') && !other.contains(name))
        .collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    // A name both listed and bound keeps what binds it (first after the sort is stable).
    names.dedup_by(|later, first| later.0 == first.0);
    ModuleExports { names }
}

/// What the module-level statements of a module bind and list.
#[derive(Default)]
struct Exports<'a> {
    package: Option<&'a str>,
    /// Names bound by `class` or `from … import`; `None` where both bind it.
    candidates: HashMap<Box<str>, Option<Origin>>,
    /// The strings of `__all__`.
    listed: HashSet<Box<str>>,
    /// Names bound any other way.
    other: HashSet<Box<str>>,
}

impl Exports<'_> {
    fn body(&mut self, body: &[Stmt]) {
        for stmt in body {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::ClassDef(class) => self.candidate(class.name.as_str(), Origin::Class),
            Stmt::ImportFrom(import) => {
                let module = self.absolute(import.level, import.module.as_ref().map(|module| module.as_str()));
                for alias in &import.names {
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    let origin = match &module {
                        Some(module) => {
                            Origin::Imported { module: module.as_str().into(), name: alias.name.as_str().into() }
                        }
                        None => Origin::Unresolved,
                    };
                    if bound != "*" {
                        self.candidate(bound, origin);
                    }
                }
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let bound = alias.asname.as_ref().map_or_else(
                        || alias.name.as_str().split('.').next().unwrap_or_default(),
                        |name| name.as_str(),
                    );
                    self.other.insert(bound.into());
                }
            }
            Stmt::FunctionDef(function) => {
                self.other.insert(function.name.as_str().into());
            }
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    if is_all(target) {
                        self.list(&assign.value);
                    } else {
                        self.bind_target(target);
                    }
                }
            }
            Stmt::AugAssign(assign) if is_all(&assign.target) => self.list(&assign.value),
            Stmt::AugAssign(ast::StmtAugAssign { target, .. }) => self.bind_target(target),
            Stmt::AnnAssign(assign) if is_all(&assign.target) => {
                if let Some(value) = &assign.value {
                    self.list(value);
                }
            }
            Stmt::AnnAssign(ast::StmtAnnAssign { target, value: Some(_), .. }) => self.bind_target(target),
            // `__all__.extend([...])`, `__all__.append("X")`.
            Stmt::Expr(ast::StmtExpr { value, .. }) => {
                if let Expr::Call(call) = &**value
                    && let Expr::Attribute(method) = &*call.func
                    && is_all(&method.value)
                    && matches!(method.attr.as_str(), "extend" | "append")
                {
                    for argument in &call.arguments.args {
                        self.list(argument);
                    }
                }
            }
            Stmt::For(for_) => {
                self.bind_target(&for_.target);
                self.body(&for_.body);
                self.body(&for_.orelse);
            }
            Stmt::With(with) => {
                for item in &with.items {
                    if let Some(target) = &item.optional_vars {
                        self.bind_target(target);
                    }
                }
                self.body(&with.body);
            }
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    self.bind_target(target);
                }
            }
            Stmt::If(if_) => {
                self.body(&if_.body);
                for clause in &if_.elif_else_clauses {
                    self.body(&clause.body);
                }
            }
            Stmt::Try(try_) => {
                self.body(&try_.body);
                for handler in &try_.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    if let Some(name) = &handler.name {
                        self.other.insert(name.as_str().into());
                    }
                    self.body(&handler.body);
                }
                self.body(&try_.orelse);
                self.body(&try_.finalbody);
            }
            Stmt::While(while_) => {
                self.body(&while_.body);
                self.body(&while_.orelse);
            }
            // Anything else that binds a module-level name makes it unknown.
            Stmt::Match(_) | Stmt::TypeAlias(_) | Stmt::Global(_) => {
                let mut names = Vec::new();
                collect_bound_names(stmt, &mut names);
                self.other.extend(names);
            }
            _ => {}
        }
    }

    fn candidate(&mut self, name: &str, origin: Origin) {
        self.candidates
            .entry(name.into())
            .and_modify(|known| {
                if known.as_ref() != Some(&origin) {
                    *known = None;
                }
            })
            .or_insert(Some(origin));
    }

    fn bind_target(&mut self, target: &Expr) {
        match target {
            Expr::Name(name) => {
                self.other.insert(name.id.as_str().into());
            }
            Expr::Tuple(tuple) => tuple.elts.iter().for_each(|elt| self.bind_target(elt)),
            Expr::List(list) => list.elts.iter().for_each(|elt| self.bind_target(elt)),
            Expr::Starred(starred) => self.bind_target(&starred.value),
            _ => {}
        }
    }

    /// The string literals of a list or tuple given to `__all__`.
    fn list(&mut self, value: &Expr) {
        let elts = match value {
            Expr::List(list) => &list.elts,
            Expr::Tuple(tuple) => &tuple.elts,
            Expr::StringLiteral(string) => {
                self.listed.insert(string.value.to_str().into());
                return;
            }
            _ => return,
        };
        for elt in elts {
            if let Expr::StringLiteral(string) = elt {
                self.listed.insert(string.value.to_str().into());
            }
        }
    }

    /// The absolute name of the module `from <level dots><module> import …` names.
    fn absolute(&self, level: u32, module: Option<&str>) -> Option<String> {
        if level == 0 {
            return module.map(str::to_owned);
        }
        let mut base = self.package?;
        for _ in 1..level {
            base = base.rsplit_once('.')?.0;
        }
        Some(match module {
            Some(module) => format!("{base}.{module}"),
            None => base.to_owned(),
        })
    }
}

fn is_all(expr: &Expr) -> bool {
    matches!(expr, Expr::Name(name) if name.id.as_str() == "__all__")
}

/// The names a statement binds (for the rare statements [`Exports`] does not read).
fn collect_bound_names(stmt: &Stmt, names: &mut Vec<Box<str>>) {
    struct Bound<'n>(&'n mut Vec<Box<str>>);
    impl<'a> Visitor<'a> for Bound<'_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Global(global) => self.0.extend(global.names.iter().map(|name| name.as_str().into())),
                Stmt::TypeAlias(alias) => {
                    if let Expr::Name(name) = &*alias.name {
                        self.0.push(name.id.as_str().into());
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
                self.0.push(name.id.as_str().into());
            }
            visitor::walk_expr(self, expr);
        }

        fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
            match pattern {
                ast::Pattern::MatchAs(ast::PatternMatchAs { name: Some(name), .. })
                | ast::Pattern::MatchStar(ast::PatternMatchStar { name: Some(name), .. })
                | ast::Pattern::MatchMapping(ast::PatternMatchMapping { rest: Some(name), .. }) => {
                    self.0.push(name.as_str().into());
                }
                _ => {}
            }
            visitor::walk_pattern(self, pattern);
        }
    }
    Bound(names).visit_stmt(stmt);
}

/// The twin clients of the installed package `package`, from the exports of its modules
/// (`package` itself and its `asyncio`/`aio` submodules, by dotted name), as (sync class,
/// async class) pairs, both qualified.
///
/// - `X` and `AsyncX` exported by the package, neither imported from an async module
///   (for `X`) nor from the same place (one class under two names);
/// - `X` exported by the package and by `package.asyncio`/`package.aio`, where the
///   submodule defines it or imports it from an async module of its own (`from
///   ._async.client import Client`), and the package's `X` is a class it defines or
///   imports from elsewhere. A class the submodule merely re-exports (an exception, a
///   model shared by both clients) is not a twin.
///
/// Both names must look like classes (`CapWords`), and exceptions are left out.
pub fn find_twins(package: &str, modules: &[(String, ModuleExports)]) -> Vec<(String, String)> {
    let Some((_, root)) = modules.iter().find(|(name, _)| name == package) else { return Vec::new() };
    let mut twins = Vec::new();
    for (name, origin) in &root.names {
        let Some(sync) = name.strip_prefix("Async") else { continue };
        let Some(sync_origin) = root.get(sync) else { continue };
        if is_client_class_name(sync) && !is_from_async_module(sync_origin) && !is_same_import(origin, sync_origin) {
            twins.push((format!("{package}.{sync}"), format!("{package}.{name}")));
        }
    }
    for submodule in ASYNC_SUBMODULES {
        let module = format!("{package}.{submodule}");
        let Some((_, exports)) = modules.iter().find(|(name, _)| *name == module) else { continue };
        for (name, origin) in &exports.names {
            let Some(sync_origin) = root.get(name) else { continue };
            let is_async_class = match origin {
                Origin::Class => true,
                Origin::Imported { module: from, .. } => {
                    is_async_module(from) && from.strip_prefix(package).is_some_and(|rest| rest.starts_with('.'))
                }
                Origin::Unresolved => false,
            };
            let is_sync_class = match sync_origin {
                Origin::Class => true,
                Origin::Imported { .. } => !is_from_async_module(sync_origin),
                Origin::Unresolved => false,
            };
            if is_client_class_name(name) && is_async_class && is_sync_class && !is_same_import(origin, sync_origin) {
                twins.push((format!("{package}.{name}"), format!("{module}.{name}")));
            }
        }
    }
    twins
}

/// Whether a name reads as a class that may be a client: `CapWords`, not an exception.
fn is_client_class_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.contains(|c: char| c.is_ascii_lowercase())
        && !name.starts_with("Async")
        && !["Error", "Exception", "Warning"].iter().any(|suffix| name.ends_with(suffix))
}

/// Whether two exports import the same name from the same module: one class.
fn is_same_import(a: &Origin, b: &Origin) -> bool {
    matches!(a, Origin::Imported { .. }) && a == b
}

fn is_from_async_module(origin: &Origin) -> bool {
    matches!(origin, Origin::Imported { module, .. } if is_async_module(module))
}

/// Whether a module's dotted name says it is async: a part `aio`, or one with `async`
/// in it (`asyncio`, `_async`, `client_async`).
fn is_async_module(module: &str) -> bool {
    module
        .split('.')
        .map(|part| part.trim_start_matches('_'))
        .any(|part| part == "aio" || part.starts_with("aio_") || part.ends_with("_aio") || part.contains("async"))
}

/// The top-level packages a module imports anywhere (`import a.b`, `from a.b import c`;
/// not relative imports), sorted.
pub fn imported_packages(body: &[Stmt]) -> Vec<&str> {
    #[derive(Default)]
    struct Imports<'a>(Vec<&'a str>);
    impl<'a> Visitor<'a> for Imports<'a> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Import(import) => {
                    self.0.extend(import.names.iter().filter_map(|alias| alias.name.as_str().split('.').next()));
                }
                Stmt::ImportFrom(import) if import.level == 0 => {
                    self.0.extend(import.module.as_ref().and_then(|module| module.as_str().split('.').next()));
                }
                _ => visitor::walk_stmt(self, stmt),
            }
        }

        // Imports are statements: expressions hold none worth the walk.
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    let mut imports = Imports::default();
    imports.visit_body(body);
    imports.0.sort_unstable();
    imports.0.dedup();
    imports.0
}

/// The clients learnt from the environment that one module may use: those of the
/// packages it imports.
#[derive(Default)]
pub struct ModuleClients {
    packages: Vec<Arc<LearnedClients>>,
}

impl ModuleClients {
    /// The clients of the packages the module of statements `body` imports, as the
    /// settings learnt them (none without an environment).
    pub fn of(settings: &Settings, body: &[Stmt]) -> Self {
        if settings.client_source.is_none() {
            return ModuleClients::default();
        }
        let packages = imported_packages(body).into_iter().filter_map(|name| settings.learned_clients(name)).collect();
        ModuleClients { packages }
    }

    /// The learnt sync client class of this qualified name, if it is one.
    pub fn class(&self, name: &str) -> Option<&str> {
        self.packages
            .iter()
            .flat_map(|package| package.iter())
            .find(|(class, _)| *class == name)
            .map(|(class, _)| class)
    }

    /// The entry of a call of `class.method`, where `class` is a learnt client class: any
    /// public method blocks.
    pub fn entry(&self, class: &str, method: &str) -> Option<&Entry> {
        if method.starts_with('_') {
            return None;
        }
        self.packages
            .iter()
            .flat_map(|package| package.iter())
            .find(|(known, _)| *known == class)
            .map(|(_, entry)| entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exports_of(source: &str, module: &str, is_package: bool) -> ModuleExports {
        let parsed = ruff_python_parser::parse_module(source).unwrap();
        exports(&parsed.syntax().body, module, is_package)
    }

    fn names(exports: &ModuleExports) -> Vec<(&str, Origin)> {
        exports.names.iter().map(|(name, origin)| (&**name, origin.clone())).collect()
    }

    fn imported(module: &str, name: &str) -> Origin {
        Origin::Imported { module: module.into(), name: name.into() }
    }

    #[test]
    fn exports_are_classes_re_exports_and_all_but_names_bound_otherwise() {
        let source = r#"
from typing import TYPE_CHECKING
from ._client import Client, AsyncClient as AsyncClient
from .. import Shared
from .helpers import make_client, Config
import json as Json

class Session:
    pass

def Factory():
    pass

Alias = Client
try:
    from ._speedups import Fast
except ImportError:
    Fast = None
if TYPE_CHECKING:
    from .inference import InferenceClient
__all__ = ["Lazy", "Session"]
__all__ += ("Later",)
__all__.append("_Private")
"#;
        let exports = exports_of(source, "sdk.sub", true);
        assert_eq!(
            names(&exports),
            [
                ("AsyncClient", imported("sdk.sub._client", "AsyncClient")),
                ("Client", imported("sdk.sub._client", "Client")),
                ("Config", imported("sdk.sub.helpers", "Config")),
                ("InferenceClient", imported("sdk.sub.inference", "InferenceClient")),
                ("Later", Origin::Unresolved),
                ("Lazy", Origin::Unresolved),
                ("Session", Origin::Class),
                ("Shared", imported("sdk", "Shared")),
                ("TYPE_CHECKING", imported("typing", "TYPE_CHECKING")),
                ("make_client", imported("sdk.sub.helpers", "make_client")),
            ]
        );
        // In a plain module, one dot is its package; above the top-level package is nowhere.
        let exports = exports_of("from ._client import Client\nfrom .. import Up\n", "sdk.sub", false);
        assert_eq!(names(&exports), [("Client", imported("sdk._client", "Client")), ("Up", Origin::Unresolved)]);
    }

    fn twins(modules: &[(&str, &str)]) -> Vec<(String, String)> {
        let modules: Vec<(String, ModuleExports)> = modules
            .iter()
            .map(|(module, source)| {
                let is_package = !module.ends_with(".single");
                (module.to_string(), exports_of(source, module, is_package))
            })
            .collect();
        find_twins(&modules[0].0, &modules)
    }

    fn pair(sync: &str, twin: &str) -> (String, String) {
        (sync.to_owned(), twin.to_owned())
    }

    #[test]
    fn a_class_and_its_async_namesake_are_twins() {
        let found = twins(&[(
            "sdk",
            "from ._client import Client, AsyncClient, OpenAI, AsyncOpenAI, Stream, AsyncStream\n\
             from ._sync.search import Search\nfrom ._async.search import AsyncSearch\n\
             class Pool: ...\nclass AsyncPool: ...\n__all__ = ['Lazy', 'AsyncLazy']\n\
             from ._errors import TimeoutError, AsyncTimeoutError\n\
             from ._client import Same, Same as AsyncSame\nCONSTANT = 1\nASYNC_CONSTANT = 2\n\
             from ._async.base import Base, AsyncBase\n\
             def Helper(): ...\nclass AsyncHelper: ...\n",
        )]);
        assert_eq!(
            found,
            [
                pair("sdk.Client", "sdk.AsyncClient"),
                pair("sdk.Lazy", "sdk.AsyncLazy"),
                pair("sdk.OpenAI", "sdk.AsyncOpenAI"),
                pair("sdk.Pool", "sdk.AsyncPool"),
                pair("sdk.Search", "sdk.AsyncSearch"),
                pair("sdk.Stream", "sdk.AsyncStream"),
            ]
        );
    }

    #[test]
    fn a_class_defined_again_in_an_async_submodule_is_a_twin() {
        let found = twins(&[
            (
                "sdk",
                "from ._client import Client\nfrom .errors import Failed\nfrom .models import Point\nclass Pool: ...\n",
            ),
            (
                "sdk.aio",
                "from ._client_async import Client\nfrom ..errors import Failed\nfrom ..models import Point\n\
                 from .. import Pool\nclass Other: ...\n",
            ),
        ]);
        assert_eq!(found, [pair("sdk.Client", "sdk.aio.Client")]);
        let found = twins(&[("sdk", "class Client: ...\n"), ("sdk.asyncio", "class Client: ...\n")]);
        assert_eq!(found, [pair("sdk.Client", "sdk.asyncio.Client")]);
        // Imported from a module of another package, or only listed: not known to be a twin.
        let found = twins(&[
            ("sdk", "class Client: ...\nclass Lazy: ...\n"),
            ("sdk.aio", "from aiosdk import Client\n__all__ = ['Lazy']\n"),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_module_imports_the_top_level_packages_of_its_absolute_imports() {
        let source = "import a.b, c as d\nfrom e.f import g\nfrom . import h\nfrom .i import j\n\
                      def f():\n    import k\n    if x:\n        from l import m\n";
        let parsed = ruff_python_parser::parse_module(source).unwrap();
        assert_eq!(imported_packages(&parsed.syntax().body), ["a", "c", "e", "k", "l"]);
    }

    #[test]
    fn a_module_knows_the_clients_of_the_packages_it_imports() {
        struct Source;
        impl crate::data::catalogue::ClientSource for Source {
            fn clients(&self, name: &str) -> Option<Arc<LearnedClients>> {
                let pairs = [(format!("{name}.Client"), format!("{name}.AsyncClient"))];
                Some(Arc::new(LearnedClients::new(pairs)))
            }
        }
        let options = crate::data::config::Options::default();
        let overrides = crate::data::config::Overrides::default();
        let mut settings = Settings::new(options, ".".into(), None, &overrides).unwrap();
        let parsed = ruff_python_parser::parse_module("import sdk\nimport httpx\n").unwrap();
        assert!(ModuleClients::of(&settings, &parsed.syntax().body).class("sdk.Client").is_none(), "no environment");
        settings.client_source = Some(Arc::new(Source));
        let clients = ModuleClients::of(&settings, &parsed.syntax().body);
        assert_eq!(clients.class("sdk.Client"), Some("sdk.Client"));
        assert!(clients.class("other.Client").is_none(), "not imported");
        assert!(clients.class("httpx.Client").is_none(), "the catalogue's");
        let entry = clients.entry("sdk.Client", "search").unwrap();
        assert_eq!((entry.rule, entry.message.as_deref()), ("AG114", Some("`sdk.AsyncClient`")));
        assert!(clients.entry("sdk.Client", "_send").is_none());
    }
}
