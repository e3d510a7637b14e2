//! The summary of one module that the project-wide analysis keeps instead of its AST:
//! its functions and methods (where they are defined, whether they are `async`, the
//! first blocking call each makes directly, and the project functions each calls, as
//! references still to be resolved), its classes (bases, methods, the instances their
//! `__init__` stores in fields) and the names it exports.
//!
//! A summary is built by the analysis walk ([`crate::analysis::walk`]), with the same
//! semantic model; [`callee_of`] turns a call's callee into a [`Callee`] the same way for
//! a summary and for the rules that look a call up in the project.
//!
//! The summary is split by concern:
//! - this file: the summaries of a module and of its functions ([`FileSummary`],
//!   [`FunctionSummary`]), what qualifying names needs ([`ModuleContext`]), the
//!   [`SummaryBuilder`] (whose `finish` collects the module-level names, module objects
//!   and star imports) and the function hooks of the walk;
//! - `exports.rs`: what a module's names refer to ([`Symbol`], [`Referent`], and the
//!   `Resolver` of names), its classes (bases, methods, fields, attribute types) and
//!   the class hooks;
//! - `calls.rs`: what a function calls ([`Callee`], call sites, typed calls, type queries)
//!   and the call hook;
//! - `parameters.rs`: what a function's parameters decide of its calls (guards, arguments);
//! - `decorators.rs`: what a function's decorators do to calling it.

mod calls;
mod decorators;
mod exports;
mod parameters;

use std::cell::RefCell;

use std::path::PathBuf;

use ruff_python_ast as ast;
use ruff_text_size::Ranged;
use rustc_hash::FxHashSet as HashSet;
use serde::{Deserialize, Serialize};

pub use calls::{
    BlockingCallSite, CallSite, Callee, TypeQuery, TypedCall, callee_of, is_iterated_by_for, special_callee_of,
    special_method_use,
};
pub(crate) use calls::{on_call, on_special_method};
pub(crate) use decorators::decorator_name;
use decorators::{is_cache_decorator, is_context_manager_decorator, is_plain_decorator, wrapper_returned};
pub(crate) use exports::qualname_in;
pub use exports::{AttributeType, ClassSummary, Referent, Symbol, attribute_hash};
use exports::{Resolver, init_fields};
pub(crate) use exports::{enter_class, exit_class};
pub use parameters::{
    Argument, CallArguments, CallParameters, Condition, Forwarded, Guard, Literal, ParameterFacts, ParameterSummary,
    spread_keywords,
};
use parameters::{guards_at, innermost_function, parameter_summaries};

use super::modules::ModuleNames;
use crate::analysis::context::Context;
use crate::analysis::semantic::{FILE_OBJECT, ScopeKind, SemanticModel};
use crate::data::noqa::Suppressions;
use crate::data::registry;
use crate::data::source::{LineIndex, Position};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FunctionSummary {
    pub qualname: Box<str>,
    /// Where its name stands in the `def`.
    pub location: Position,
    pub is_async: bool,
    /// Its own body yields: calling it makes a generator (an async generator, for an
    /// `async def`), not a coroutine, and runs nothing of its body.
    pub is_generator: bool,
    /// A generator that `contextlib.contextmanager` wraps: its body runs up to `yield`
    /// where a `with` enters what calling it makes.
    pub is_context_manager: bool,
    /// Decorated by something else than the catalogue's `plain-decorators` and the
    /// project's functions named in `project_decorators`: what calling it does is unknown.
    pub decorated: bool,
    /// Its decorators that may be functions of the project (`@traced`, `@utils.timed`):
    /// calling it still runs its body when each is a [`Wrapper`] of its kind (see
    /// [`crate::analysis::project::ProjectIndex::hides_body`]). Boxed: most have none.
    pub project_decorators: Option<Box<[Callee]>>,
    /// A decorator that returns an inner function that calls the decorated one with
    /// the arguments it is given: the decorated function still runs its body when called.
    pub wraps: Option<Wrapper>,
    /// `# noqa: AG110` on its `def` line: treated as not blocking.
    pub suppressed: bool,
    /// Wrapped in one of the catalogue's `caching-decorators` (`functools.cache`,
    /// `lru_cache`, …): its body runs on the first call (with given arguments) only.
    pub cached: bool,
    /// The first blocking call of its own body (sync functions only; boxed, as most
    /// functions have none).
    pub blocking_call: Option<Box<BlockingCallSite>>,
    /// A blocking call of its own body runs whatever its parameters are.
    pub unguarded_blocking: bool,
    /// What its parameters decide, when they decide anything (kept apart: most functions
    /// test none).
    pub parameters: Option<Box<ParameterFacts>>,
    /// Why its own body must stay on the event loop's thread, if it must: moved to a
    /// worker thread, it would fail or race with the loop. (Boxed: few functions have one,
    /// and every function of the project is kept.)
    pub loop_bound: Option<Box<LoopBinding>>,
    /// The calls of its own body that may reach project functions (sync functions only).
    pub calls: Vec<CallSite>,
    /// The tracked type it returns, by its annotation or else by its `return` statements
    /// (sync functions with no decorator but the catalogue's `caching-decorators`), for
    /// other modules' `c = make_client()`.
    pub returns: Option<Box<str>>,
    /// Without one such type: what each `return` of its own body gives, when an `if` on
    /// its parameters decides which runs (`if async_mode: return redis.asyncio.Redis()`
    /// then `return redis.Redis()`), for a call whose literal arguments decide it. Boxed:
    /// most functions have none.
    pub guarded_returns: Option<Box<[GuardedReturn]>>,
}

/// A `return` of a function's own body, with what its parameters must be for it to run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GuardedReturn {
    /// The tracked type of the value returned; `None`: unknown.
    pub returned: Option<Box<str>>,
    pub guards: Box<[Guard]>,
}

/// What kind of function a decorator of the project returns in place of the decorated
/// one: `def deco(func)` whose last statement returns an inner function defined in its
/// body (decorated with nothing but `functools.wraps`) that calls `func(*args, **kwargs)`
/// in its own body (not in a lambda or inner function, which may run it elsewhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Wrapper {
    /// A `def` that calls it: a sync function stays one, blocking as it did.
    Sync,
    /// An `async def` that awaits the call: a coroutine function stays one.
    Async,
}

impl FunctionSummary {
    /// An `async def` that does not yield: calling it makes a coroutine.
    pub fn is_coroutine_function(&self) -> bool {
        self.is_async && !self.is_generator
    }
}

/// Why a function's own body must run on the event loop's thread; each names the first
/// call of the body that says so, as written (`loop.call_soon`, `self.db.execute`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoopBinding {
    /// A call of what must run on the loop's thread (the catalogue's `loop-bound`:
    /// `asyncio.get_running_loop`, `create_task`, `loop.call_soon`, an `async_…` callback).
    LoopThread { call: Box<str> },
    /// A call on an object that may not move to another thread (a catalogue call marked
    /// `not-thread-safe`), of this library (`sqlite3`).
    ThreadBound { call: Box<str>, library: Box<str> },
}

/// Everything the project-wide analysis keeps of one module.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FileSummary {
    pub path: PathBuf,
    pub module: ModuleNames,
    pub functions: Vec<FunctionSummary>,
    pub classes: Vec<ClassSummary>,
    /// Module-level names, as other modules import them.
    pub exports: Vec<(Box<str>, Referent)>,
    /// Modules imported with `from m import *`, absolute.
    pub star_imports: Vec<Box<str>>,
    /// The callees of the calls AG110 may report: those outside the own bodies of sync
    /// functions, each once.
    pub loop_calls: Vec<Callee>,
    /// The callees of the calls AG202 may report: those made as statements, or returned
    /// by a coroutine, each once.
    pub statement_calls: Vec<Callee>,
    /// Module-level names bound to objects of a tracked type, sorted by name.
    pub objects: Vec<(Box<str>, Box<str>)>,
    /// The instance attributes a class (an index into `classes`) declares or assigns
    /// itself a tracked type, or what a project function returns.
    pub attribute_types: Vec<(u32, Box<str>, AttributeType)>,
    /// The other attributes a class declares or assigns itself (methods aside), when it
    /// has a base class of the project, as sorted (class, [`attribute_hash`]): they hide
    /// a base class's attribute of the name. Most attributes are such, and a hash takes
    /// a tenth of a name's room; two names that hash alike only hide more.
    pub untyped_attributes: Vec<(u32, u32)>,
    /// The method calls of sync functions' own bodies on objects only the project types,
    /// under no `if` on their parameters, by function. Kept here rather than in each
    /// function's summary: most functions have none.
    pub typed_calls: Vec<TypedCall>,
    /// What the rules asked the project about the types of objects used where they
    /// report: answered, the module is checked again with the index.
    pub type_queries: Vec<TypeQuery>,
}

impl FileSummary {
    /// Gives back the room its vectors grew into: a project's summaries are all kept.
    fn shrink_to_fit(&mut self) {
        for function in &mut self.functions {
            function.calls.shrink_to_fit();
            if let Some(facts) = &mut function.parameters {
                facts.parameters.shrink_to_fit();
                facts.guarded_blocking.shrink_to_fit();
                facts.calls.shrink_to_fit();
            }
        }
        for class in &mut self.classes {
            class.bases.shrink_to_fit();
            class.methods.shrink_to_fit();
            class.fields.shrink_to_fit();
        }
        self.functions.shrink_to_fit();
        self.classes.shrink_to_fit();
        self.exports.shrink_to_fit();
        self.star_imports.shrink_to_fit();
        self.loop_calls.shrink_to_fit();
        self.statement_calls.shrink_to_fit();
        self.objects.shrink_to_fit();
        self.attribute_types.shrink_to_fit();
        self.untyped_attributes.shrink_to_fit();
        self.typed_calls.shrink_to_fit();
        self.type_queries.shrink_to_fit();
    }
}

/// What qualifying a module's names needs to know about the module and the project.
#[derive(Clone, Copy)]
pub struct ModuleContext<'p> {
    /// The package relative imports start from.
    pub package: Option<&'p str>,
    /// The project's top-level module names: other dotted names are not the project's.
    pub top_levels: &'p HashSet<Box<str>>,
}

impl ModuleContext<'_> {
    fn is_project(&self, symbol: &Symbol) -> bool {
        match symbol {
            Symbol::Local(_) => true,
            Symbol::Global(path) => self.is_project_name(path),
        }
    }

    /// Whether a dotted name starts with one of the project's top-level modules.
    pub fn is_project_name(&self, name: &str) -> bool {
        self.top_levels.contains(name.split('.').next().unwrap_or(name))
    }

    /// The package `level` dots refer to: 1 is the module's own package.
    fn package_at(&self, level: u32) -> Option<&str> {
        let mut package = self.package?;
        for _ in 1..level {
            package = package.rsplit_once('.')?.0;
        }
        Some(package)
    }

    /// `from ..a import b` (level 2) in package `p.q` → `p.a`, or `p.a.b` with `name`.
    fn absolute(&self, level: u32, module: Option<&str>, name: Option<&str>) -> Option<Box<str>> {
        let mut absolute = self.package_at(level)?.to_owned();
        for part in [module, name].into_iter().flatten() {
            absolute.push('.');
            absolute.push_str(part);
        }
        Some(absolute.into())
    }
}

/// Builds a [`FileSummary`] during the walk ([`crate::analysis::walk`]), which calls the hooks of
/// this module and its files.
pub struct SummaryBuilder<'a> {
    summary: FileSummary,
    context: ModuleContext<'a>,
    lines: &'a LineIndex,
    suppressions: &'a Suppressions,
    /// Indexes of the functions and classes being walked, innermost last.
    open_functions: Vec<usize>,
    open_classes: Vec<usize>,
    /// The `return`s (of a value) of the own bodies of the open functions, by function
    /// index: those of the innermost one last.
    open_returns: Vec<(usize, GuardedReturn)>,
    /// See [`FileSummary::type_queries`]; asked through a shared context. The set
    /// keeps the first of each.
    type_queries: RefCell<(Vec<TypeQuery>, HashSet<TypeQuery>)>,
}

impl<'a> SummaryBuilder<'a> {
    pub fn new(
        path: PathBuf,
        module: ModuleNames,
        context: ModuleContext<'a>,
        lines: &'a LineIndex,
        suppressions: &'a Suppressions,
    ) -> Self {
        SummaryBuilder {
            summary: FileSummary { path, module, ..FileSummary::default() },
            context,
            lines,
            suppressions,
            open_functions: Vec::new(),
            open_classes: Vec::new(),
            open_returns: Vec::new(),
            type_queries: RefCell::default(),
        }
    }

    pub fn context(&self) -> &ModuleContext<'a> {
        &self.context
    }

    /// Keeps a question for the index (see [`FileSummary::type_queries`]).
    pub fn ask(&self, query: TypeQuery) {
        let (queries, seen) = &mut *self.type_queries.borrow_mut();
        if self.may_answer(&query) && seen.insert(query.clone()) {
            queries.push(query);
        }
    }

    /// Whether the index may know more than the module of what a question asks: not of
    /// the names of other packages, nor of an attribute of a class of this module none of
    /// whose bases is the project's, unless it holds what a project function returns
    /// (the module sees all else that such a class does).
    fn may_answer(&self, query: &TypeQuery) -> bool {
        let (TypeQuery::Returned(callee) | TypeQuery::Object(callee)) = query;
        if !callee.symbols().all(|symbol| self.context.is_project(symbol)) {
            return false;
        }
        let TypeQuery::Object(Callee::Method { class: Symbol::Local(qualname), method: attribute }) = query else {
            return true;
        };
        let returned = |index: usize| {
            self.summary.attribute_types.iter().any(|(class, name, ty)| {
                *class as usize == index && name == attribute && matches!(ty, AttributeType::Returned(_))
            })
        };
        let mut classes =
            self.summary.classes.iter().enumerate().filter(|(_, class)| class.qualname == *qualname).peekable();
        classes.peek().is_none()
            || classes.any(|(index, class)| class.bases.iter().any(Option::is_some) || returned(index))
    }

    fn suppresses_ag110(&self, offset: ruff_text_size::TextSize) -> bool {
        self.suppressions.suppresses(&registry::BLOCKING_VIA_HELPER, self.lines.line_of(offset))
    }

    /// The module-level names and star imports, once the walk is back at module level.
    pub fn finish(mut self, semantic: &SemanticModel<'_>, module: &ast::ModModule) -> FileSummary {
        let resolver = Resolver { semantic, context: &self.context };
        let mut exports: Vec<(Box<str>, Referent)> = semantic.scopes()[0]
            .bindings()
            .filter_map(|(name, _)| Some((Box::from(name), resolver.referent(name, 0)?)))
            .filter(|(_, referent)| {
                let (Referent::Symbol(symbol) | Referent::Instance(symbol)) = referent;
                self.context.is_project(symbol)
            })
            .collect();
        exports.sort_by(|a, b| a.0.cmp(&b.0));
        self.summary.exports = exports;
        let mut objects: Vec<(Box<str>, Box<str>)> =
            semantic.module_objects().into_iter().map(|(name, ty)| (name.into(), ty.into())).collect();
        objects.sort_unstable();
        self.summary.objects = objects;
        self.summary.type_queries = self.type_queries.take().0;
        // The index asks whether any of them reaches what it reports: a callee called
        // again (half of them, in real code) only takes room.
        keep_first_of_each(&mut self.summary.loop_calls);
        keep_first_of_each(&mut self.summary.statement_calls);
        self.summary.untyped_attributes.sort_unstable();
        self.summary.untyped_attributes.dedup();
        // By function, each function's in the order made.
        self.summary.typed_calls.sort_by_key(|call| call.function);
        for stmt in &module.body {
            if let ast::Stmt::ImportFrom(import) = stmt
                && import.names.iter().any(|alias| alias.name.as_str() == "*")
            {
                let module = import.module.as_ref().map(|module| module.as_str());
                let star = match import.level {
                    0 => module.map(Box::from),
                    level => self.context.absolute(level, module, None),
                };
                self.summary.star_imports.extend(star);
            }
        }
        self.summary.shrink_to_fit();
        self.summary
    }
}

/// Removes the repeats of callees, keeping the first of each in its place.
fn keep_first_of_each(callees: &mut Vec<Callee>) {
    let mut seen: HashSet<&Callee> = HashSet::default();
    let first: Vec<bool> = callees.iter().map(|callee| seen.insert(callee)).collect();
    let mut first = first.into_iter();
    callees.retain(|_| first.next().unwrap_or(true));
}

/// A function is entered, after its scope is pushed.
pub(crate) fn enter_function<'a>(cx: &mut Context<'a>, function: &'a ast::StmtFunctionDef) {
    let Some(builder) = cx.summary() else { return };
    let scopes = cx.semantic().scopes();
    let qualname = qualname_in(&scopes[..scopes.len() - 1], function.name.as_str());
    let in_class = matches!(scopes[scopes.len() - 2].kind, ScopeKind::Class(_));
    let fields = if in_class && function.name.as_str() == "__init__" {
        let resolver = Resolver { semantic: cx.semantic(), context: &builder.context };
        init_fields(&resolver, function)
    } else {
        Vec::new()
    };
    let decorators: Vec<&ast::Decorator> =
        function.decorator_list.iter().filter(|decorator| !is_plain_decorator(cx.semantic(), decorator)).collect();
    let project_decorators: Vec<Callee> = decorators
        .iter()
        .filter(|decorator| !decorator.expression.is_call_expr())
        .filter_map(|decorator| callee_of(cx, &decorator.expression, &builder.context))
        .collect();
    let summary = FunctionSummary {
        parameters: None,
        unguarded_blocking: false,
        qualname,
        location: builder.lines.position(function.name.start(), cx.source()),
        is_async: function.is_async,
        is_generator: false,
        is_context_manager: false,
        decorated: decorators.len() > project_decorators.len(),
        project_decorators: (!project_decorators.is_empty()).then(|| project_decorators.into()),
        wraps: if in_class { None } else { wrapper_returned(cx.semantic(), function) },
        cached: function.decorator_list.iter().any(|decorator| is_cache_decorator(cx.semantic(), decorator)),
        suppressed: builder.suppresses_ag110(function.name.start()),
        blocking_call: None,
        loop_bound: None,
        calls: Vec::new(),
        returns: cx.semantic().declared_return_type(function, scopes.len() - 1).map(Box::from),
        guarded_returns: None,
    };
    let builder = cx.summary_mut().expect("summarizing");
    let index = builder.summary.functions.len();
    builder.summary.functions.push(summary);
    builder.open_functions.push(index);
    if in_class && let Some(&class) = builder.open_classes.last() {
        let class = &mut builder.summary.classes[class];
        let name = function.name.as_str();
        match class.methods.iter_mut().find(|(method, _)| &**method == name) {
            Some((_, slot)) => *slot = None,
            None => class.methods.push((name.into(), Some(index))),
        }
        if name == "__init__" {
            class.fields = fields;
        }
    }
}

/// A `yield` or `yield from`: the innermost function is a generator (or, wrapped by
/// `contextlib.contextmanager`, a context manager).
pub(crate) fn on_yield(cx: &mut Context<'_>) {
    let Some(ScopeKind::Function(function)) = cx.semantic().scopes().last().map(|scope| scope.kind) else { return };
    let context_manager =
        function.decorator_list.iter().any(|decorator| is_context_manager_decorator(cx.semantic(), decorator));
    if let Some(builder) = cx.summary_mut()
        && let Some(&index) = builder.open_functions.last()
    {
        let summary = &mut builder.summary.functions[index];
        summary.is_generator = true;
        summary.is_context_manager = context_manager;
    }
}

/// A `return` of a value in the own body of a sync function: what it returns, and
/// under which guards on the function's parameters.
pub(crate) fn on_return(cx: &mut Context<'_>, stmt: &ast::StmtReturn) {
    let Some(value) = stmt.value.as_deref() else { return };
    let Some(ScopeKind::Function(function)) = cx.semantic().scopes().last().map(|scope| scope.kind) else { return };
    if function.is_async || value.is_none_literal_expr() || function.returns.is_some() {
        return;
    }
    let Some(builder) = cx.summary() else { return };
    let Some(&index) = builder.open_functions.last() else { return };
    // One type already known of all its `return`s, or decorators that may change what
    // calling it gives: no `return` of it is kept (see `guarded_returns`).
    let summary = &builder.summary.functions[index];
    if summary.returns.is_some() || summary.decorated || summary.project_decorators.is_some() {
        return;
    }
    // A file object is not a type a caller's calls are followed by (see
    // `SemanticModel::annotated_or_returned_type`).
    let returned = cx.type_of(value).filter(|ty| *ty != FILE_OBJECT).map(Box::from);
    let guards = guards_at(cx, stmt.range());
    let builder = cx.summary_mut().expect("summarizing");
    builder.open_returns.push((index, GuardedReturn { returned, guards }));
}

/// What a sync function's `return`s give, when its parameters decide which runs and they
/// give different types (one type is [`FunctionSummary::returns`]).
fn guarded_returns(function: &FunctionSummary, returns: Vec<GuardedReturn>) -> Option<Box<[GuardedReturn]>> {
    let hides_result = function.decorated || function.project_decorators.is_some();
    if function.is_async || function.is_generator || hides_result || function.returns.is_some() {
        return None;
    }
    let first = returns.iter().find_map(|branch| branch.returned.as_deref())?;
    let differ = returns.iter().any(|branch| branch.returned.as_deref() != Some(first));
    let guarded = returns.iter().any(|branch| !branch.guards.is_empty());
    (differ && guarded).then(|| returns.into())
}

/// A function is left, before its scope is popped.
pub(crate) fn exit_function(cx: &mut Context<'_>) {
    let Some((def, has_receiver)) = innermost_function(cx.semantic()) else { return };
    if let Some(builder) = cx.summary_mut()
        && let Some(index) = builder.open_functions.pop()
    {
        // The inner functions' returns were taken when they were left.
        let first_own = builder.open_returns.iter().position(|(function, _)| *function == index);
        let returns: Vec<GuardedReturn> = match first_own {
            Some(first) => builder.open_returns.drain(first..).map(|(_, branch)| branch).collect(),
            None => Vec::new(),
        };
        let function = &mut builder.summary.functions[index];
        function.guarded_returns = guarded_returns(function, returns);
        // The parameters matter only where a guard tests one or a call passes one on.
        let tests_parameters = function.guarded_returns.is_some()
            || function.parameters.as_ref().is_some_and(|facts| {
                !facts.guarded_blocking.is_empty()
                    || facts.calls.iter().any(|call| {
                        !call.guards.is_empty() || call.arguments.as_ref().is_some_and(CallArguments::passes_parameters)
                    })
            });
        if tests_parameters {
            let facts = function.parameters.get_or_insert_default();
            facts.has_receiver = has_receiver;
            facts.parameters = parameter_summaries(&def.parameters, has_receiver);
        }
    }
}
