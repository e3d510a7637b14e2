//! The project index: every module's summary under each of its names, and the
//! resolution of the references a summary keeps (a dotted name, a method of a class or
//! of an instance, a method of a field) to the project's functions.
//!
//! Resolution follows imports, re-exports through a package `__init__` (also `import *`),
//! submodules, module-level instances, and methods along a class's MRO (C3, as Python
//! computes it). It is conservative: a name bound twice, a module two files claim, and a
//! method that a base from outside the project could define all resolve to nothing.

use std::cell::Cell;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::graph::{self, Step};
use super::summary::{
    AttributeType, CallArguments, Callee, ClassSummary, FileSummary, Forwarded, FunctionSummary, Guard, Literal,
    LoopBinding, ModuleContext, Referent, Symbol, TypeQuery, TypedCall, Wrapper, attribute_hash,
};
use crate::data::catalogue::{Catalogue, Cost, Threads};
use crate::data::config::Settings;
use crate::data::source::Position;

/// How many functions the dead-branch analysis of one call looks into at most
/// ([`ProjectIndex::blocking_chain_called_with`]).
const MAX_DEAD_BRANCH_CALLS: u32 = 64;

/// Import chains are followed this many times at most (`a` re-exports from `b`, `b` from `a`).
const MAX_IMPORT_DEPTH: u8 = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionId {
    pub file: u32,
    pub index: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ClassId {
    file: u32,
    index: u32,
}

/// A function or class of a module, by its qualified name in the module.
#[derive(Clone, Copy, Debug)]
enum Local {
    Function(u32),
    Class(u32),
    /// Defined twice (conditional definitions, `@overload`): resolves to nothing.
    Ambiguous,
}

/// One entry of a class's method resolution order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MroEntry {
    Class(ClassId),
    /// A base from outside the project (each one distinct): it may define any method.
    Unknown(u32),
}

/// What a dotted name refers to.
#[derive(Clone, Copy, Debug)]
enum Entity {
    Module(u32),
    Function(FunctionId),
    Class(ClassId),
    Instance(ClassId),
}

/// What a module name is in the index.
enum ModuleLookup {
    File(u32),
    /// Two files claim it: it resolves to nothing.
    Ambiguous,
    /// A file not read yet may claim it.
    Missing,
    None,
}

/// The module names that files of the project not read yet may claim.
pub enum Unread {
    /// These names.
    Only(HashSet<Box<str>>),
    /// Every name of the project's top-level modules but these.
    AllBut(HashSet<Box<str>>),
}

impl Unread {
    pub fn none() -> Self {
        Unread::Only(HashSet::default())
    }

    fn may_be_claimed(&self, name: &str, top_levels: &HashSet<Box<str>>) -> bool {
        match self {
            Unread::Only(names) => names.contains(name),
            Unread::AllBut(names) => {
                !names.contains(name) && top_levels.contains(name.split('.').next().unwrap_or(name))
            }
        }
    }
}

/// One step of a chain of calls that ends in a blocking call.
#[derive(Clone, Debug)]
pub struct ChainHop<'i> {
    /// The called function's qualified name, or the blocking call (`time.sleep`).
    pub name: &'i str,
    /// Where the call is made.
    pub path: &'i Path,
    pub location: Position,
    /// At the blocking call: the function its catalogue entry runs it in a thread with,
    /// if not the async library's (`asgiref.sync.sync_to_async`).
    pub runner: Option<&'i str>,
    /// At the blocking call: what it costs.
    pub cost: Option<Cost>,
}

/// A function's blocking call on an object only the project types.
#[derive(Clone, Copy, Debug)]
struct TypedBlock {
    /// The first of the costliest such calls that block, in [`FileSummary::typed_calls`].
    call: u32,
    cost: Cost,
    /// How many such calls block.
    count: u32,
    /// The first such call that blocks and uses an object that may not change threads
    /// (`sqlite3`), in [`FileSummary::typed_calls`].
    binds_to_thread: Option<u32>,
}

/// Why a function needs the event loop's thread (see [`graph::propagate`]): what the
/// function it reaches (itself, or one it calls) that needs it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoopReason<'i> {
    /// A call of what must run on the loop's thread, as written (`loop.call_soon`).
    LoopThread { call: &'i str },
    /// A call on an object that may not move to another thread (`conn.execute`), of
    /// this library (`sqlite3`).
    ThreadBound { call: &'i str, library: &'i str },
    /// It creates the coroutine of this `async def` of the project.
    Coroutine { function: &'i str },
    /// It is, or calls, a method of a class with `async def` methods: this one.
    SharesLoop { method: &'i str },
}

pub struct ProjectIndex {
    files: Vec<FileSummary>,
    /// Module name → file; `None` when two files claim the name.
    modules: HashMap<Box<str>, Option<u32>>,
    by_path: HashMap<PathBuf, u32>,
    top_levels: HashSet<Box<str>>,
    locals: Vec<HashMap<Box<str>, Local>>,
    mros: Vec<Vec<Box<[MroEntry]>>>,
    blocking: Vec<Vec<Option<Step>>>,
    loop_bound: Vec<Vec<Option<FunctionId>>>,
    /// For each function, what its calls on objects only the project types do (see
    /// [`TypedCall`](super::summary::TypedCall)).
    typed_blocking: Vec<Vec<Option<TypedBlock>>>,
    /// For each function, the class it is a method of.
    method_class: Vec<Vec<Option<u32>>>,
    /// The names that files of the project not read yet may claim (see
    /// [`ProjectIndex::demanded_modules`]).
    unread_modules: Unread,
    /// Modules of the project that resolution looked for and the index lacks.
    missing: Mutex<HashSet<Box<str>>>,
}

impl ProjectIndex {
    /// Indexes the summaries, then finds which functions block. `unread_modules` are the
    /// names that the project's files not read yet may claim: looking one up records it
    /// as missing.
    pub fn build(
        files: Vec<FileSummary>,
        top_levels: HashSet<Box<str>>,
        unread_modules: Unread,
        settings: &Settings,
    ) -> Self {
        let mut modules: HashMap<Box<str>, Option<u32>> = HashMap::default();
        for (file, summary) in files.iter().enumerate() {
            let file = file as u32;
            for name in &summary.module.names {
                modules
                    .entry(name.clone())
                    .and_modify(|claimed| *claimed = prefer_source(&files, *claimed, file))
                    .or_insert(Some(file));
            }
        }
        let by_path = files.iter().enumerate().map(|(file, summary)| (summary.path.clone(), file as u32)).collect();
        let locals = files.par_iter().map(locals_of).collect();
        let method_class = files.par_iter().map(method_classes).collect();
        let mut index = ProjectIndex {
            files,
            modules,
            by_path,
            top_levels,
            locals,
            mros: Vec::new(),
            blocking: Vec::new(),
            loop_bound: Vec::new(),
            typed_blocking: Vec::new(),
            method_class,
            unread_modules,
            missing: Mutex::default(),
        };
        index.mros = index.linearize_all();
        // The propagation resolves the calls of every indexed function, most of which no
        // checked module reaches: what those look for is not demanded.
        let bases_missing = std::mem::take(&mut *index.missing.lock().expect("not poisoned"));
        index.typed_blocking =
            (0..index.files.len() as u32).into_par_iter().map(|file| index.typed_blocks(file, settings)).collect();
        let propagation = graph::propagate(&index, settings, |id| {
            index.method_class[id.file as usize][id.index as usize]
                .is_some_and(|class| index.class_shares_loop(ClassId { file: id.file, index: class }))
        });
        index.blocking = propagation.blocking;
        index.loop_bound = propagation.loop_bound;
        *index.missing.lock().expect("not poisoned") = bases_missing;
        index
    }

    /// For each function of the module, the costliest of its calls on objects only the
    /// project types that block.
    fn typed_blocks(&self, file: u32, settings: &Settings) -> Vec<Option<TypedBlock>> {
        let summary = &self.files[file as usize];
        let mut blocks: Vec<Option<TypedBlock>> = vec![None; summary.functions.len()];
        for (index, call) in summary.typed_calls.iter().enumerate() {
            let Some(ty) = self.type_of(file, &call.object) else { continue };
            if call.unblocked_for.iter().any(|unblocked| **unblocked == *ty) {
                continue;
            }
            let name = format!("{ty}.{}", call.method);
            // The summary looked only at the entries listed by name.
            let Some(entry) = settings.listed_blocking_entry(&name).filter(|_| !settings.is_allowed(&name)) else {
                continue;
            };
            let block = blocks[call.function as usize].get_or_insert(TypedBlock {
                call: index as u32,
                cost: entry.cost,
                count: 0,
                binds_to_thread: None,
            });
            block.count += 1;
            if entry.cost > block.cost {
                (block.call, block.cost) = (index as u32, entry.cost);
            }
            if entry.threads == Threads::NotThreadSafe && block.binds_to_thread.is_none() {
                block.binds_to_thread = Some(index as u32);
            }
        }
        blocks
    }

    /// Whether the function's own body makes a blocking call: one the module sees, or a
    /// method of an object only the project types.
    pub fn blocks_directly(&self, id: FunctionId) -> bool {
        self.function(id).blocking_call.is_some() || self.typed_blocking[id.file as usize][id.index as usize].is_some()
    }

    /// What the costliest blocking call of the function's own body costs, if it makes one.
    pub fn direct_cost(&self, id: FunctionId) -> Option<Cost> {
        let typed = self.typed_blocking[id.file as usize][id.index as usize].map(|block| block.cost);
        self.function(id).blocking_call.as_ref().map(|call| call.cost).max(typed)
    }

    /// How many blocking calls the function's own body makes.
    fn direct_count(&self, id: FunctionId) -> usize {
        let typed = self.typed_blocking[id.file as usize][id.index as usize].map_or(0, |block| block.count);
        (self.function(id).blocking_call.as_ref().map_or(0, |call| call.count) + typed) as usize
    }

    /// How many blocking calls the function reaches: its own body's and those of every
    /// project function it calls that blocks, to any depth, each function counted once.
    pub fn blocking_calls_reached(&self, id: FunctionId) -> usize {
        let mut seen = HashSet::default();
        let mut pending = vec![id];
        let mut count = 0;
        while let Some(id) = pending.pop() {
            if !self.blocks(id) || !seen.insert(id) {
                continue;
            }
            count += self.direct_count(id);
            for call in &self.function(id).calls {
                pending.extend(self.resolve_callee(id.file, &call.callee));
                pending.extend(self.resolve_alternatives(id.file, &call.callee).into_iter().flatten());
            }
        }
        count
    }

    /// Whether the function's own body uses an object bound to its thread, or what must
    /// run on the loop's (see [`FunctionSummary::loop_bound`]).
    pub fn binds_to_thread_directly(&self, id: FunctionId) -> bool {
        self.function(id).loop_bound.is_some()
            || self.typed_blocking[id.file as usize][id.index as usize]
                .is_some_and(|block| block.binds_to_thread.is_some())
    }

    /// The function's calls on objects only the project types.
    fn typed_calls(&self, id: FunctionId) -> &[TypedCall] {
        let calls = &self.files[id.file as usize].typed_calls;
        let start = calls.partition_point(|call| call.function < id.index);
        let end = calls.partition_point(|call| call.function <= id.index);
        &calls[start..end]
    }

    /// Why the function needs the event loop's thread, if it does (see
    /// [`graph::propagate`]).
    pub fn loop_reason(&self, id: FunctionId) -> Option<LoopReason<'_>> {
        let origin = self.loop_bound[id.file as usize][id.index as usize]?;
        let function = self.function(origin);
        let typed = self.typed_blocking[origin.file as usize][origin.index as usize];
        Some(match (function.loop_bound.as_deref(), typed.and_then(|block| block.binds_to_thread)) {
            (Some(LoopBinding::LoopThread { call }), _) => LoopReason::LoopThread { call },
            (Some(LoopBinding::ThreadBound { call, library }), _) => LoopReason::ThreadBound { call, library },
            (None, Some(call)) => {
                let call = &self.files[origin.file as usize].typed_calls[call as usize];
                let ty = self.type_of(origin.file, &call.object).unwrap_or_default();
                LoopReason::ThreadBound { call: &call.display, library: ty.split('.').next().unwrap_or(ty) }
            }
            (None, None) if function.is_async => LoopReason::Coroutine { function: &function.qualname },
            (None, None) => LoopReason::SharesLoop { method: &function.qualname },
        })
    }

    /// Whether a method called on an instance of the class that `callee` names (`self.m()`,
    /// `c.m()`, `self.field.m()`) may touch state that the event loop shares: some class
    /// of the instance's MRO has an `async def` method.
    pub fn receiver_shares_loop(&self, file: u32, callee: &Callee) -> bool {
        let class = match callee {
            Callee::Symbol(_) => return false,
            Callee::Conditional { then, orelse } => {
                return self.receiver_shares_loop(file, then) || self.receiver_shares_loop(file, orelse);
            }
            Callee::Method { class, .. } | Callee::SuperMethod { class, .. } => self.resolve_class(file, class),
            Callee::FieldMethod { class, field, .. } => self.field_class(file, class, field),
        };
        class.is_some_and(|class| self.class_shares_loop(class))
    }

    /// Whether some class along the class's MRO (as far as the project knows it) has an
    /// `async def` method.
    fn class_shares_loop(&self, class: ClassId) -> bool {
        let Some(mro) = self.mros.get(class.file as usize).and_then(|mros| mros.get(class.index as usize)) else {
            return false;
        };
        mro.iter().any(|entry| match *entry {
            MroEntry::Class(ancestor) => {
                let functions = &self.files[ancestor.file as usize].functions;
                self.files[ancestor.file as usize].classes[ancestor.index as usize]
                    .methods
                    .iter()
                    .filter_map(|(_, index)| *index)
                    .any(|index| functions[index].is_async)
            }
            MroEntry::Unknown(_) => false,
        })
    }

    pub fn files(&self) -> &[FileSummary] {
        &self.files
    }

    /// The summaries back, to index them again with more.
    pub fn into_files(self) -> Vec<FileSummary> {
        self.files
    }

    /// The modules of the project that the results for the modules `roots` depend on
    /// and that the index lacks: those that resolving the calls the project-wide rules
    /// look up in `roots` (AG110's calls on the loop, AG202's statement calls), the
    /// calls of every function those reach, the receivers' classes and fields, and every
    /// indexed class's bases, looked for and did not find. Once none is missing, every
    /// answer the index gives about `roots` is the one it would give with the whole
    /// project indexed: each lookup that could have gone elsewhere found its module.
    pub fn demanded_modules(&self, roots: &[u32]) -> Vec<Box<str>> {
        let mut seen: HashSet<FunctionId> = HashSet::default();
        let mut pending: Vec<FunctionId> = Vec::new();
        for &file in roots {
            let summary = &self.files[file as usize];
            for callee in summary.loop_calls.iter().chain(&summary.statement_calls) {
                self.receiver_shares_loop(file, callee);
                pending.extend(self.resolve_callee(file, callee));
                pending.extend(self.resolve_alternatives(file, callee).into_iter().flatten());
            }
            for query in &summary.type_queries {
                self.type_of(file, query);
            }
        }
        while let Some(function) = pending.pop() {
            if !seen.insert(function) {
                continue;
            }
            for call in &self.function(function).calls {
                self.receiver_shares_loop(function.file, &call.callee);
                pending.extend(self.resolve_callee(function.file, &call.callee));
                pending.extend(self.resolve_alternatives(function.file, &call.callee).into_iter().flatten());
            }
            for call in self.typed_calls(function) {
                self.type_of(function.file, &call.object);
            }
            self.hides_body(function);
        }
        let mut missing: Vec<Box<str>> = self.missing.lock().expect("not poisoned").drain().collect();
        missing.sort();
        missing
    }
    pub fn file_of(&self, path: &Path) -> Option<u32> {
        self.by_path.get(path).copied()
    }

    pub fn function(&self, id: FunctionId) -> &FunctionSummary {
        &self.files[id.file as usize].functions[id.index as usize]
    }

    /// How the module `file` qualifies its names.
    pub fn context(&self, file: u32) -> ModuleContext<'_> {
        ModuleContext { package: self.files[file as usize].module.package(), top_levels: &self.top_levels }
    }

    /// Whether `allowed-calls` names the function (under any of its module's names).
    pub fn is_allowed(&self, id: FunctionId, settings: &Settings) -> bool {
        let summary = &self.files[id.file as usize];
        let qualname = &self.function(id).qualname;
        summary.module.names.iter().any(|module| settings.is_allowed(&format!("{module}.{qualname}")))
    }

    /// The function a call in module `file` reaches, if it is the project's.
    pub fn resolve_callee(&self, file: u32, callee: &Callee) -> Option<FunctionId> {
        match callee {
            Callee::Symbol(symbol) => match self.resolve_symbol(file, symbol, 0)? {
                Entity::Function(function) => Some(function),
                Entity::Class(class) => self.method(class, "__init__"),
                Entity::Module(_) | Entity::Instance(_) => None,
            },
            Callee::Method { class, method } => self.method(self.resolve_class(file, class)?, method),
            Callee::SuperMethod { class, method } => self.method_after(self.resolve_class(file, class)?, method),
            // Either of two: see [`ProjectIndex::resolve_alternatives`].
            Callee::Conditional { .. } => None,
            Callee::FieldMethod { class, field, method } => self.method(self.field_class(file, class, field)?, method),
        }
    }

    /// The two functions a call through a conditional alias may reach (`f = a if c else
    /// b; f()`), when both are the project's.
    pub fn resolve_alternatives(&self, file: u32, callee: &Callee) -> Option<[FunctionId; 2]> {
        let Callee::Conditional { then, orelse } = callee else { return None };
        Some([self.resolve_callee(file, then)?, self.resolve_callee(file, orelse)?])
    }

    /// Whether calling the function may not run its body as written: it has a decorator
    /// that is not one of the catalogue's plain ones, nor a decorator of the project that
    /// wraps it in a function of its kind (a `def` for a `def`, an `async def` for an
    /// `async def`; see [`Wrapper`]).
    pub fn hides_body(&self, id: FunctionId) -> bool {
        let function = self.function(id);
        let kind = if function.is_async { Wrapper::Async } else { Wrapper::Sync };
        function.decorated
            || function.project_decorators.iter().flatten().any(|decorator| {
                self.resolve_callee(id.file, decorator).is_none_or(|wrapper| self.function(wrapper).wraps != Some(kind))
            })
    }

    /// Whether the function is a method (`__init__` too) of a project class that is
    /// awaitable itself: it, or a class along its MRO, defines `__await__`.
    pub fn is_method_of_awaitable(&self, id: FunctionId) -> bool {
        self.method_class[id.file as usize][id.index as usize]
            .is_some_and(|class| self.method(ClassId { file: id.file, index: class }, "__await__").is_some())
    }

    /// Whether the function blocks (see [`graph::propagate`]).
    pub fn blocks(&self, id: FunctionId) -> bool {
        self.blocking[id.file as usize][id.index as usize].is_some()
    }

    /// The chain the function `callee` resolves to blocks through when called with
    /// `arguments`, if it blocks so: some blocking call of its own body, or call of a
    /// function that blocks so called, is under no `if` that the literal values of its
    /// parameters make dead, to any depth of calls that pass literals, parameters and
    /// `**kwargs` on. The chain is [`blocking_chain`](Self::blocking_chain)'s where that
    /// stays live, else, at each step, the live way to the costliest call.
    pub fn blocking_chain_called_with(
        &self,
        id: FunctionId,
        callee: &Callee,
        arguments: &CallArguments,
    ) -> Option<Vec<ChainHop<'_>>> {
        let budget = Cell::new(MAX_DEAD_BRANCH_CALLS);
        let mut hops = Vec::new();
        let blocks = self.blocks_called_with_budget(
            id,
            callee,
            arguments,
            &|_| None,
            &|_| Forwarded::Passed(None),
            &budget,
            Some(&mut hops),
        );
        blocks.then_some(hops)
    }

    /// `known` gives the literal values of the calling function's parameters the call
    /// passes on, and `forwarded` what the calling function's `**kwargs` holds. With
    /// `chain`, the hops of the way found are pushed on it.
    #[allow(clippy::too_many_arguments)]
    fn blocks_called_with_budget<'s>(
        &'s self,
        id: FunctionId,
        callee: &Callee,
        arguments: &CallArguments,
        known: &dyn Fn(u16) -> Option<Literal>,
        forwarded: &dyn Fn(&str) -> Forwarded,
        budget: &Cell<u32>,
        chain: Option<&mut Vec<ChainHop<'s>>>,
    ) -> bool {
        let Some(step) = self.blocking[id.file as usize][id.index as usize] else { return false };
        // Past the budget, what blocks somewhere blocks, as its own chain says.
        if budget.get() == 0 {
            if let Some(hops) = chain {
                hops.extend(self.blocking_chain(id).into_iter().flatten());
            }
            return true;
        }
        budget.set(budget.get() - 1);
        let function = self.function(id);
        let facts = function.parameters.as_deref();
        let passes_receiver = passes_receiver(function, callee);
        let value_of = |parameter: u16| arguments.literal_for(facts?, passes_receiver, parameter, known, forwarded);
        let kwargs = |name: &str| match facts {
            Some(facts) => arguments.keyword_into_kwargs(facts, name, known, forwarded),
            None => Forwarded::Passed(None),
        };
        let live = |guards: &[Guard]| Guard::leave_live(guards, &value_of);
        // Whether the call at `site` is live and reaches a function that blocks so called
        // (with `hops`: pushing the way there).
        let site_blocks = |site: usize, hops: Option<&mut Vec<ChainHop<'s>>>| {
            let call = &function.calls[site];
            let parameters = facts.and_then(|facts| facts.call(site));
            if !live(parameters.map_or(&[], |parameters| &parameters.guards)) {
                return false;
            }
            let hop = |next: FunctionId| ChainHop {
                name: &self.function(next).qualname,
                path: self.files[id.file as usize].path.as_path(),
                location: call.location,
                runner: None,
                cost: None,
            };
            match self.resolve_callee(id.file, &call.callee) {
                Some(next) => {
                    let mut hops = hops;
                    if let Some(hops) = hops.as_deref_mut() {
                        hops.push(hop(next));
                    }
                    match parameters.and_then(|parameters| parameters.arguments.as_ref()) {
                        Some(arguments) => self.blocks_called_with_budget(
                            next,
                            &call.callee,
                            arguments,
                            &value_of,
                            &kwargs,
                            budget,
                            hops,
                        ),
                        None => {
                            if let Some(hops) = hops {
                                hops.extend(self.blocking_chain(next).into_iter().flatten());
                            }
                            self.blocks(next)
                        }
                    }
                }
                None => {
                    let Some([first, other]) = self.resolve_alternatives(id.file, &call.callee) else { return false };
                    let both = self.blocks(first) && self.blocks(other);
                    if both && let Some(hops) = hops {
                        // The alternative its own chain goes through, if it goes this way.
                        let shown = match step {
                            Step::Calls { site: step_site, callee } if step_site as usize == site => callee,
                            _ => first,
                        };
                        hops.push(hop(shown));
                        hops.extend(self.blocking_chain(shown).into_iter().flatten());
                    }
                    both
                }
            }
        };
        let direct_live = function.unguarded_blocking
            || self.typed_blocking[id.file as usize][id.index as usize].is_some()
            || facts.is_some_and(|facts| facts.guarded_blocking.iter().any(|guards| live(guards)));
        let Some(hops) = chain else {
            return direct_live || (0..function.calls.len()).any(|site| site_blocks(site, None));
        };
        // Its own chain's step where that is live (the costliest way of all); else the
        // costliest of its own blocking call and the live calls that block.
        let depth = hops.len();
        if let Step::Calls { site, .. } = step {
            if site_blocks(site as usize, Some(hops)) {
                return true;
            }
            hops.truncate(depth);
        }
        let tried = match step {
            Step::Calls { site, .. } => Some(site as usize),
            Step::Direct => None,
        };
        let cost = |way: &[ChainHop<'_>]| way.last().and_then(|hop| hop.cost);
        let mut costliest: Option<Vec<ChainHop<'s>>> = direct_live.then(|| vec![self.direct_hop(id)]);
        for site in (0..function.calls.len()).filter(|site| Some(*site) != tried) {
            let mut way = Vec::new();
            if site_blocks(site, Some(&mut way)) && costliest.as_deref().is_none_or(|best| cost(&way) > cost(best)) {
                costliest = Some(way);
            }
        }
        let Some(way) = costliest else { return false };
        hops.extend(way);
        true
    }

    /// Whether the project-wide rules may report anything in the module at `path`:
    /// whether a call it makes on the event loop reaches a project function that blocks,
    /// or a call it makes as a statement (or returns from a coroutine) reaches a coroutine
    /// function. When not, the
    /// module's check needs no project and the findings of its summary pass stand.
    pub fn may_report(&self, path: &Path) -> bool {
        self.file_of(path).is_some_and(|file| self.may_report_in(file))
    }

    fn may_report_in(&self, file: u32) -> bool {
        let summary = &self.files[file as usize];
        let reaches = |callees: &[Callee], reported: &dyn Fn(FunctionId) -> bool| {
            callees.iter().any(|callee| self.resolve_callee(file, callee).is_some_and(reported))
        };
        let alternatives_block = summary.loop_calls.iter().any(|callee| {
            self.resolve_alternatives(file, callee)
                .is_some_and(|alternatives| alternatives.iter().all(|id| self.blocks(*id)))
        });
        // An object whose type the project tells: the rules may find its blocking
        // methods (`c = make_client(); c.get(url)`, `self.db.execute(…)`).
        reaches(&summary.loop_calls, &|id| self.blocks(id))
            || summary.type_queries.iter().any(|query| self.may_answer(file, query))
            || alternatives_block
            || reaches(&summary.statement_calls, &|id| self.function(id).is_coroutine_function())
    }

    /// The project's answer to a question of module `file` about an object's type.
    pub fn type_of(&self, file: u32, query: &TypeQuery) -> Option<&str> {
        match query {
            TypeQuery::Returned(callee) => self.returned_type(file, callee),
            TypeQuery::Object(Callee::Symbol(symbol)) => self.object_type(symbol, 0),
            TypeQuery::Object(Callee::Method { class, method: attribute }) => {
                self.attribute_type(self.resolve_class(file, class)?, attribute)
            }
            TypeQuery::Object(Callee::FieldMethod { class, field, method: attribute }) => {
                self.attribute_type(self.field_class(file, class, field)?, attribute)
            }
            TypeQuery::Object(Callee::SuperMethod { .. } | Callee::Conditional { .. }) => None,
        }
    }

    /// Whether the project knows a type `query` asks of module `file`, for some call at
    /// least: a function whose `return`s of different types its parameters decide answers
    /// only a call whose literal arguments decide it (see
    /// [`returned_type_for`](Self::returned_type_for)).
    fn may_answer(&self, file: u32, query: &TypeQuery) -> bool {
        self.type_of(file, query).is_some()
            || matches!(query, TypeQuery::Returned(callee) if self
                .resolve_callee(file, callee)
                .is_some_and(|id| self.function(id).guarded_returns.is_some()))
    }

    /// The tracked type a call of module `file` gets from the project function it
    /// reaches, given its `arguments`: what the function declares it returns, or, when its
    /// `return`s give different types, the one type of those its literal arguments (and
    /// the literal defaults it leaves in place) leave live (`get_connection(url,
    /// async_mode=False)` where `if async_mode: return redis.asyncio.Redis(…)` comes before
    /// `return redis.Redis(…)`).
    pub fn returned_type_for(&self, file: u32, callee: &Callee, arguments: &CallArguments) -> Option<&str> {
        let Some(id) = self.resolve_callee(file, callee) else { return self.returned_type(file, callee) };
        let function = self.function(id);
        let Some(branches) = function.guarded_returns.as_deref() else { return function.returns.as_deref() };
        let facts = function.parameters.as_deref()?;
        let passes_receiver = passes_receiver(function, callee);
        let value_of = |parameter: u16| {
            arguments.literal_for(facts, passes_receiver, parameter, &|_| None, &|_| Forwarded::Passed(None))
        };
        let mut agreed = None;
        for branch in branches.iter().filter(|branch| Guard::leave_live(&branch.guards, &value_of)) {
            let returned = branch.returned.as_deref()?;
            if agreed.is_some_and(|agreed| agreed != returned) {
                return None;
            }
            agreed = Some(returned);
        }
        agreed
    }

    /// The tracked type the project function a call of module `file` reaches declares
    /// it returns.
    fn returned_type(&self, file: u32, callee: &Callee) -> Option<&str> {
        match self.resolve_callee(file, callee) {
            Some(function) => self.function(function).returns.as_deref(),
            // A method of a typed object (`Article.objects.filter` returns a queryset).
            None => match callee {
                Callee::Symbol(Symbol::Global(path)) => self.member_path_type(path, 0),
                _ => None,
            },
        }
    }

    /// The catalogue type of a dotted path from a typed object of the project through
    /// the type's members: `app.models.Article.objects` (a queryset, `objects` of a
    /// `ModelBase`), `app.models.Article.objects.filter` (what `filter()` returns).
    fn member_path_type(&self, path: &str, depth: u8) -> Option<&str> {
        let catalogue = Catalogue::builtin();
        let mut end = path.len();
        loop {
            end = path[..end].rfind('.')?;
            let Some(ty) = self.object_type_of_path(&path[..end], depth) else { continue };
            let members = path[end..].split('.').filter(|member| !member.is_empty());
            return members.into_iter().try_fold(ty, |ty, member| {
                catalogue.member_type(ty, member).or_else(|| catalogue.attribute_type(ty, member))
            });
        }
    }

    /// The tracked type of the object a dotted name names: a module's object
    /// (`app.db.conn`, also re-exported by another module), an attribute of an instance
    /// a module keeps (`app.services.mailer.smtp`), a class with a catalogue type
    /// (`app.models.Article`, a Django model), or a member of a typed object
    /// (`app.models.Article.objects`).
    fn object_type(&self, symbol: &Symbol, depth: u8) -> Option<&str> {
        // A name of the module itself is the semantic model's to know.
        let Symbol::Global(path) = symbol else { return None };
        self.object_type_of_path(path, depth).or_else(|| self.member_path_type(path, depth))
    }

    /// [`object_type`](Self::object_type) but members of typed objects.
    fn object_type_of_path(&self, path: &str, depth: u8) -> Option<&str> {
        if let Some(Entity::Class(class)) = self.resolve_path(path, depth) {
            return self.class_type(class);
        }
        let (owner, name) = path.rsplit_once('.')?;
        match self.resolve_path(owner, depth)? {
            Entity::Module(module) => {
                let summary = &self.files[module as usize];
                if let Ok(found) = summary.objects.binary_search_by(|(object, _)| (**object).cmp(name)) {
                    return Some(&summary.objects[found].1);
                }
                let found = summary.exports.binary_search_by(|(export, _)| (**export).cmp(name)).ok()?;
                match &summary.exports[found].1 {
                    Referent::Symbol(symbol) if depth < MAX_IMPORT_DEPTH => self.object_type(symbol, depth + 1),
                    _ => None,
                }
            }
            Entity::Instance(class) => self.attribute_type(class, name),
            Entity::Class(_) | Entity::Function(_) => None,
        }
    }

    /// The catalogue type of a class as an object: the first along its MRO that a base
    /// gives one (a model class deriving from a project's abstract model is a `ModelBase`).
    fn class_type(&self, class: ClassId) -> Option<&str> {
        self.along_mro(class, |_, summary| summary.class_type.as_deref().map(Some)).map(|(_, ty)| ty)
    }

    /// The tracked type of an instance attribute, as the first class along the class's
    /// MRO that declares, assigns or defines it gives it.
    fn attribute_type(&self, class: ClassId, name: &str) -> Option<&str> {
        let hash = attribute_hash(name);
        self.along_mro(class, |ancestor, class| {
            let summary = &self.files[ancestor.file as usize];
            let typed = summary
                .attribute_types
                .iter()
                .find(|(class, attribute, _)| *class == ancestor.index && &**attribute == name);
            match typed {
                Some((_, _, AttributeType::Tracked(ty))) => return Some(Some(&**ty)),
                Some((_, _, AttributeType::Returned(callee))) => {
                    return Some(self.returned_type(ancestor.file, callee));
                }
                None => {}
            }
            // Given something else, or a method of that name (not a property of a tracked
            // type); and the untyped attributes of a class without project bases are not
            // kept: it may give this one a value, and hide a class after it (`class C(A, B)`).
            let untyped = summary.untyped_attributes.binary_search(&(ancestor.index, hash)).is_ok()
                || class.methods.iter().any(|(method, _)| &**method == name)
                || !class.bases.iter().any(Option::is_some);
            untyped.then_some(None)
        })
        .map(|(_, ty)| ty)
    }

    /// The chain from a blocking function to its costliest blocking call, when it blocks.
    pub fn blocking_chain(&self, mut id: FunctionId) -> Option<Vec<ChainHop<'_>>> {
        let mut hops = Vec::new();
        loop {
            let step = self.blocking[id.file as usize][id.index as usize]?;
            match step {
                Step::Direct => {
                    hops.push(self.direct_hop(id));
                    return Some(hops);
                }
                Step::Calls { site, callee } => {
                    let location = self.function(id).calls[site as usize].location;
                    let path = self.files[id.file as usize].path.as_path();
                    let name = &self.function(callee).qualname;
                    hops.push(ChainHop { name, path, location, runner: None, cost: None });
                    id = callee;
                }
            }
        }
    }

    /// The costliest blocking call of a function's own body, as a chain's last hop.
    fn direct_hop(&self, id: FunctionId) -> ChainHop<'_> {
        let function = self.function(id);
        let path = self.files[id.file as usize].path.as_path();
        let typed = self.typed_blocking[id.file as usize][id.index as usize];
        match (&function.blocking_call, typed) {
            (Some(call), typed) if typed.is_none_or(|block| block.cost <= call.cost) => ChainHop {
                name: &call.display,
                path,
                location: call.location,
                runner: call.runner.as_deref(),
                cost: Some(call.cost),
            },
            (_, typed) => {
                let block = typed.expect("a function that blocks directly has a blocking call");
                let call = &self.files[id.file as usize].typed_calls[block.call as usize];
                let runner = self.type_of(id.file, &call.object).and_then(|ty| {
                    let entry = Catalogue::builtin().calls.get(&format!("{ty}.{}", call.method))?;
                    entry.runner.as_deref()
                });
                let (name, location, cost) = (&*call.display, call.location, Some(block.cost));
                ChainHop { name, path, location, runner, cost }
            }
        }
    }

    /// Whether every way the function blocks passes through a function wrapped in a
    /// cache (`id` itself too): it blocks on its first call only.
    pub fn blocks_only_through_caches(&self, id: FunctionId) -> bool {
        self.blocks_only_where(id, &|function| function.cached, &|_| false)
    }

    /// Whether every blocking call the function reaches is an I/O method of a file object
    /// a function on the way was given (see
    /// [`BlockingCallSite::only_files_passed_in`](super::summary::BlockingCallSite::only_files_passed_in)):
    /// given only in-memory buffers, it does no I/O.
    pub fn blocks_only_on_files_passed_in(&self, id: FunctionId) -> bool {
        let on_files_passed_in = |id: FunctionId| {
            self.typed_blocking[id.file as usize][id.index as usize].is_none()
                && self.function(id).blocking_call.as_ref().is_none_or(|call| call.only_files_passed_in)
        };
        self.blocks_only_where(id, &|_| false, &on_files_passed_in)
    }

    /// Whether every function that blocks on the way from `id` (`id` too) is one that
    /// `stops` (not followed further), or blocks in its own body only as `direct_allows`.
    fn blocks_only_where(
        &self,
        id: FunctionId,
        stops: &dyn Fn(&FunctionSummary) -> bool,
        direct_allows: &dyn Fn(FunctionId) -> bool,
    ) -> bool {
        let mut seen = HashSet::default();
        let mut pending = vec![id];
        while let Some(id) = pending.pop() {
            let function = self.function(id);
            if !self.blocks(id) || stops(function) || !seen.insert(id) {
                continue;
            }
            if self.blocks_directly(id) && !direct_allows(id) {
                return false;
            }
            for call in &function.calls {
                pending.extend(self.resolve_callee(id.file, &call.callee));
                pending.extend(self.resolve_alternatives(id.file, &call.callee).into_iter().flatten());
            }
        }
        true
    }

    fn resolve_class(&self, file: u32, symbol: &Symbol) -> Option<ClassId> {
        match self.resolve_symbol(file, symbol, 0)? {
            Entity::Class(class) => Some(class),
            _ => None,
        }
    }

    fn resolve_symbol(&self, file: u32, symbol: &Symbol, depth: u8) -> Option<Entity> {
        match symbol {
            Symbol::Local(qualname) => self.resolve_local(file, qualname),
            Symbol::Global(path) => self.resolve_path(path, depth),
        }
    }

    /// `Cache.get`: a function or class of the module, or a method inherited by its class.
    fn resolve_local(&self, file: u32, qualname: &str) -> Option<Entity> {
        let locals = &self.locals[file as usize];
        match locals.get(qualname) {
            Some(Local::Function(index)) => Some(Entity::Function(FunctionId { file, index: *index })),
            Some(Local::Class(index)) => Some(Entity::Class(ClassId { file, index: *index })),
            Some(Local::Ambiguous) => None,
            None => {
                let (class, method) = qualname.rsplit_once('.')?;
                match locals.get(class)? {
                    Local::Class(index) => self.method(ClassId { file, index: *index }, method).map(Entity::Function),
                    _ => None,
                }
            }
        }
    }

    /// `app.storage.load_settings`: the longest prefix that names a module, then its members.
    fn resolve_path(&self, path: &str, depth: u8) -> Option<Entity> {
        if depth > MAX_IMPORT_DEPTH {
            return None;
        }
        let mut end = path.len();
        let file = loop {
            match self.module(&path[..end]) {
                ModuleLookup::File(file) => break file,
                // A shorter prefix would resolve differently from the whole project's.
                ModuleLookup::Ambiguous | ModuleLookup::Missing => return None,
                ModuleLookup::None => end = path[..end].rfind('.')?,
            }
        };
        let mut entity = Entity::Module(file);
        for member in path[end..].split('.').filter(|member| !member.is_empty()) {
            entity = self.member(entity, member, depth)?;
        }
        Some(entity)
    }

    fn member(&self, entity: Entity, name: &str, depth: u8) -> Option<Entity> {
        match entity {
            Entity::Module(file) => self.module_member(file, name, depth),
            Entity::Class(class) => {
                let qualname = &self.files[class.file as usize].classes[class.index as usize].qualname;
                match self.locals[class.file as usize].get(format!("{qualname}.{name}").as_str()) {
                    Some(Local::Class(nested)) => Some(Entity::Class(ClassId { file: class.file, index: *nested })),
                    _ => self.method(class, name).map(Entity::Function),
                }
            }
            Entity::Instance(class) => self.method(class, name).map(Entity::Function),
            Entity::Function(_) => None,
        }
    }

    /// A module's member: a name it exports, or its submodule, or else a member of a
    /// module it imports with `from m import *`. Those are searched depth first in
    /// import order, each module once (modules that import each other's `*` would
    /// otherwise be searched again and again, exponentially).
    fn module_member(&self, file: u32, name: &str, depth: u8) -> Option<Entity> {
        let mut searched = vec![file];
        let mut pending = vec![file];
        while let Some(module) = pending.pop() {
            let summary = &self.files[module as usize];
            if let Ok(found) = summary.exports.binary_search_by(|(export, _)| (**export).cmp(name)) {
                return match &summary.exports[found].1 {
                    Referent::Symbol(symbol) => self.resolve_symbol(module, symbol, depth + 1),
                    Referent::Instance(class) => match self.resolve_symbol(module, class, depth + 1)? {
                        Entity::Class(class) => Some(Entity::Instance(class)),
                        _ => None,
                    },
                };
            }
            let submodule = summary.module.names.first().map(|module| self.module(&format!("{module}.{name}")));
            match submodule {
                Some(ModuleLookup::File(submodule)) => return Some(Entity::Module(submodule)),
                Some(ModuleLookup::Missing) => return None,
                _ => {}
            }
            for star in summary.star_imports.iter().rev() {
                if let Some(Entity::Module(starred)) = self.resolve_path(star, depth + 1)
                    && !searched.contains(&starred)
                {
                    searched.push(starred);
                    pending.push(starred);
                }
            }
        }
        None
    }

    /// The module named `name`. A name that a file of the project not yet read may
    /// claim is recorded as missing: what it resolves to is not known yet.
    fn module(&self, name: &str) -> ModuleLookup {
        if self.unread_modules.may_be_claimed(name, &self.top_levels) {
            self.missing.lock().expect("not poisoned").insert(name.into());
            return ModuleLookup::Missing;
        }
        match self.modules.get(name) {
            Some(Some(file)) => ModuleLookup::File(*file),
            Some(None) => ModuleLookup::Ambiguous,
            None => ModuleLookup::None,
        }
    }

    /// The first definition of `name` along the class's MRO.
    fn method(&self, class: ClassId, name: &str) -> Option<FunctionId> {
        self.along_mro(class, |_, summary| {
            summary.methods.iter().find(|(method, _)| &**method == name).map(|(_, index)| *index)
        })
        .map(|(file, index)| FunctionId { file, index: index as u32 })
    }

    /// The first definition of `name` along the class's MRO after the class itself (what
    /// `super().name` in its methods finds).
    fn method_after(&self, class: ClassId, name: &str) -> Option<FunctionId> {
        let mro = self.mros.get(class.file as usize)?.get(class.index as usize)?;
        let MroEntry::Class(next) = *mro.get(1)? else { return None };
        // The rest of the class's MRO is not always the rest of its next class's: only
        // a class with one line of ancestors is followed.
        if mro.len() - 1 != self.mros[next.file as usize][next.index as usize].len() {
            return None;
        }
        self.method(next, name)
    }

    /// The class of the instance that `__init__` of the class `class` (named in module
    /// `file`) stores in `field`.
    fn field_class(&self, file: u32, class: &Symbol, field: &str) -> Option<ClassId> {
        let (holder, field_class) = self.field(self.resolve_class(file, class)?, field)?;
        self.resolve_class(holder, field_class)
    }

    /// The class of the instance that `__init__` stores in a field, and the file its
    /// symbol is written in.
    fn field(&self, class: ClassId, name: &str) -> Option<(u32, &Symbol)> {
        self.along_mro(class, |_, summary| {
            summary.fields.iter().find(|(field, _)| &**field == name).map(|(_, class)| class.as_ref())
        })
    }

    /// The first class along the MRO for which `find` says something: what it found (or
    /// nothing, when that is "ambiguous"), with the class's file. Nothing past a base
    /// from outside the project.
    fn along_mro<'s, T>(
        &'s self,
        class: ClassId,
        find: impl Fn(ClassId, &'s ClassSummary) -> Option<Option<T>>,
    ) -> Option<(u32, T)> {
        // While the MROs are being computed (bases named through a class), there are none yet.
        let mro = self.mros.get(class.file as usize)?.get(class.index as usize)?;
        for entry in mro.iter() {
            let MroEntry::Class(ancestor) = *entry else { return None };
            let summary = &self.files[ancestor.file as usize].classes[ancestor.index as usize];
            if let Some(found) = find(ancestor, summary) {
                return found.map(|found| (ancestor.file, found));
            }
        }
        None
    }

    fn linearize_all(&self) -> Vec<Vec<Box<[MroEntry]>>> {
        let mut linearizer = Linearizer {
            index: self,
            done: self.files.iter().map(|file| vec![None; file.classes.len()]).collect(),
            next_unknown: 0,
        };
        for (file, summary) in self.files.iter().enumerate() {
            for index in 0..summary.classes.len() {
                linearizer.mro(ClassId { file: file as u32, index: index as u32 });
            }
        }
        linearizer
            .done
            .into_iter()
            .map(|classes| classes.into_iter().map(|mro| mro.unwrap_or_default()).collect())
            .collect()
    }
}

/// Computes MROs with the C3 linearization, memoized; a class whose bases loop back to
/// it, or that Python would reject, gets an MRO that stops after itself.
struct Linearizer<'i> {
    index: &'i ProjectIndex,
    /// `Some(empty)` while a class is being linearized.
    done: Vec<Vec<Option<Box<[MroEntry]>>>>,
    next_unknown: u32,
}

impl Linearizer<'_> {
    fn unknown(&mut self) -> MroEntry {
        self.next_unknown += 1;
        MroEntry::Unknown(self.next_unknown)
    }

    fn mro(&mut self, class: ClassId) -> Box<[MroEntry]> {
        if let Some(mro) = &self.done[class.file as usize][class.index as usize] {
            return if mro.is_empty() { Box::new([self.unknown()]) } else { mro.clone() };
        }
        self.done[class.file as usize][class.index as usize] = Some(Box::default());
        let summary = &self.index.files[class.file as usize].classes[class.index as usize];
        let mut heads = Vec::new();
        for base in &summary.bases {
            let resolved = base.as_ref().and_then(|base| self.index.resolve_class(class.file, base));
            heads.push(match resolved {
                Some(base) => MroEntry::Class(base),
                None => self.unknown(),
            });
        }
        let mut sequences: Vec<Vec<MroEntry>> = heads
            .iter()
            .map(|head| match head {
                MroEntry::Class(base) => self.mro(*base).into_vec(),
                unknown => vec![*unknown],
            })
            .collect();
        sequences.push(heads);
        let mro =
            c3_merge(MroEntry::Class(class), sequences).unwrap_or_else(|| vec![MroEntry::Class(class), self.unknown()]);
        let mro: Box<[MroEntry]> = mro.into();
        self.done[class.file as usize][class.index as usize] = Some(mro.clone());
        mro
    }
}

/// Whether calling `function` as `callee` names passes its receiver among the arguments:
/// `Class.method(obj, …)` does; `Class(…)` and `obj.method(…)` do not.
fn passes_receiver(function: &FunctionSummary, callee: &Callee) -> bool {
    function.parameters.as_deref().is_some_and(|facts| facts.has_receiver)
        && matches!(callee, Callee::Symbol(_))
        && !function.qualname.ends_with(".__init__")
}

fn c3_merge(head: MroEntry, mut sequences: Vec<Vec<MroEntry>>) -> Option<Vec<MroEntry>> {
    let mut merged = vec![head];
    loop {
        sequences.retain(|sequence| !sequence.is_empty());
        if sequences.is_empty() {
            return Some(merged);
        }
        let next = sequences
            .iter()
            .map(|sequence| sequence[0])
            .find(|candidate| !sequences.iter().any(|sequence| sequence[1..].contains(candidate)))?;
        merged.push(next);
        for sequence in &mut sequences {
            if sequence[0] == next {
                sequence.remove(0);
            }
        }
    }
}

/// Of two files claiming a module name, a `.py` wins over a `.pyi` stub; otherwise
/// neither.
fn prefer_source(files: &[FileSummary], claimed: Option<u32>, other: u32) -> Option<u32> {
    let is_stub = |file: u32| files[file as usize].path.extension().is_some_and(|extension| extension == "pyi");
    match claimed {
        Some(claimed) if is_stub(claimed) && !is_stub(other) => Some(other),
        Some(claimed) if is_stub(other) && !is_stub(claimed) => Some(claimed),
        _ => None,
    }
}

/// For each function of the module, the index of the class it is a method of.
fn method_classes(summary: &FileSummary) -> Vec<Option<u32>> {
    let mut classes = vec![None; summary.functions.len()];
    for (class, class_summary) in summary.classes.iter().enumerate() {
        for index in class_summary.methods.iter().filter_map(|(_, index)| *index) {
            classes[index] = Some(class as u32);
        }
    }
    classes
}

fn locals_of(summary: &FileSummary) -> HashMap<Box<str>, Local> {
    let mut locals: HashMap<Box<str>, Local> = HashMap::default();
    let functions = summary.functions.iter().enumerate().map(|(index, f)| (&f.qualname, Local::Function(index as u32)));
    let classes = summary.classes.iter().enumerate().map(|(index, c)| (&c.qualname, Local::Class(index as u32)));
    for (qualname, local) in functions.chain(classes) {
        locals.entry(qualname.clone()).and_modify(|existing| *existing = Local::Ambiguous).or_insert(local);
    }
    locals
}
