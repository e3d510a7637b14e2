//! Which of the project's sync functions block, and through which chain of calls.
//!
//! A sync function blocks when its own body makes a blocking call, or calls a project
//! function that blocks. The calls of every function are resolved once (in parallel),
//! then a breadth-first search runs backwards from the functions that block directly, so
//! that each function keeps the shortest chain to a blocking call and cycles end; then
//! each chain is moved to the costliest blocking call the function reaches. A
//! coroutine function does not block its caller (calling it runs nothing); a function
//! that `allowed-calls` names, whose `def` line says `# noqa: AG110`, or whose decorators
//! may change what calling it does (see [`ProjectIndex::hides_body`]), does not block.

use std::collections::VecDeque;

use rayon::prelude::*;

use super::index::{FunctionId, ProjectIndex};
use crate::data::catalogue::Cost;
use crate::data::config::Settings;

/// The next step of a blocking function's chain.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// Its own body makes the blocking call.
    Direct,
    /// Its call number `site` reaches `callee`, which blocks.
    Calls { site: u32, callee: FunctionId },
}

/// What the propagation finds for every function of every file.
pub struct Propagation {
    /// Whether it blocks: the first step of its chain to the costliest blocking call it
    /// reaches (the shortest such chain found first).
    pub blocking: Vec<Vec<Option<Step>>>,
    /// Whether it is loop-bound (see [`propagate`]): the function that makes it so,
    /// itself or one it reaches.
    pub loop_bound: Vec<Vec<Option<FunctionId>>>,
}

/// Which functions block, and which are *loop-bound*: they need the event loop's thread,
/// because their own body calls what must run there ([`FunctionSummary::loop_bound`]),
/// they are methods of a class whose state the loop shares (`shares_loop`), they create
/// a coroutine of the project (calling an `async def` only works with a loop to run it),
/// or they call a loop-bound function. Running one in a worker thread breaks it.
///
/// [`FunctionSummary::loop_bound`]: super::summary::FunctionSummary::loop_bound
pub fn propagate(index: &ProjectIndex, settings: &Settings, shares_loop: impl Fn(FunctionId) -> bool) -> Propagation {
    let can_block = |id: FunctionId| {
        let function = index.function(id);
        !function.is_async && !index.hides_body(id) && !function.suppressed && !index.is_allowed(id, settings)
    };
    // (callee, caller, site), sorted by callee: the callers of a function are one run.
    let mut edges: Vec<(FunctionId, FunctionId, u32)> = index
        .files()
        .par_iter()
        .enumerate()
        .flat_map_iter(|(file, summary)| {
            let file = file as u32;
            summary.functions.iter().enumerate().flat_map(move |(function, summary)| {
                let caller = FunctionId { file, index: function as u32 };
                summary.calls.iter().enumerate().filter_map(move |(site, call)| {
                    let callee = index.resolve_callee(file, &call.callee)?;
                    Some((callee, caller, site as u32))
                })
            })
        })
        .collect();
    edges.par_sort_unstable();
    let callers_of = |callee: FunctionId| {
        let start = edges.partition_point(|(edge_callee, _, _)| *edge_callee < callee);
        edges[start..].iter().take_while(move |(edge_callee, _, _)| *edge_callee == callee)
    };
    // Calls through a conditional alias (`f = a if c else b; f()`): (alternative, the
    // other alternative, caller, site), sorted by the first. The caller blocks once both do.
    let mut alternative_edges: Vec<(FunctionId, FunctionId, FunctionId, u32)> = Vec::new();
    for (file, summary) in index.files().iter().enumerate() {
        let file = file as u32;
        for (function, summary) in summary.functions.iter().enumerate() {
            let caller = FunctionId { file, index: function as u32 };
            for (site, call) in summary.calls.iter().enumerate() {
                if let Some([then, orelse]) = index.resolve_alternatives(file, &call.callee) {
                    alternative_edges.push((then, orelse, caller, site as u32));
                    alternative_edges.push((orelse, then, caller, site as u32));
                }
            }
        }
    }
    alternative_edges.sort_unstable();
    let alternative_callers_of = |callee: FunctionId| {
        let start = alternative_edges.partition_point(|(edge_callee, ..)| *edge_callee < callee);
        alternative_edges[start..].iter().take_while(move |(edge_callee, ..)| *edge_callee == callee)
    };

    let mut blocking: Vec<Vec<Option<Step>>> =
        index.files().iter().map(|summary| vec![None; summary.functions.len()]).collect();
    let mut loop_bound: Vec<Vec<Option<FunctionId>>> =
        index.files().iter().map(|summary| vec![None; summary.functions.len()]).collect();
    let mut blocking_queue = VecDeque::new();
    let mut loop_bound_queue = VecDeque::new();
    for (file, summary) in index.files().iter().enumerate() {
        for (function, summary) in summary.functions.iter().enumerate() {
            let id = FunctionId { file: file as u32, index: function as u32 };
            if index.blocks_directly(id) && can_block(id) {
                blocking[file][function] = Some(Step::Direct);
                blocking_queue.push_back(id);
            }
            if index.binds_to_thread_directly(id) || summary.is_async || shares_loop(id) {
                loop_bound[file][function] = Some(id);
                loop_bound_queue.push_back(id);
            }
        }
    }
    while let Some(callee) = blocking_queue.pop_front() {
        let both_block = alternative_callers_of(callee)
            .filter(|(_, other, ..)| blocking[other.file as usize][other.index as usize].is_some())
            .map(|&(_, _, caller, site)| (callee, caller, site));
        let callers: Vec<(FunctionId, FunctionId, u32)> = callers_of(callee).copied().chain(both_block).collect();
        for (_, caller, site) in callers {
            let slot = &mut blocking[caller.file as usize][caller.index as usize];
            if slot.is_none() && can_block(caller) {
                *slot = Some(Step::Calls { site, callee });
                blocking_queue.push_back(caller);
            }
        }
    }
    // Each blocking function's chain then leads to the costliest call it reaches: a
    // function takes a callee's cost (and the step to it) when that is higher than what
    // it has. Costs only rise, through seven classes, so the search ends; and a step
    // always leads to a function that had its cost first, so chains never loop.
    let mut costs: Vec<Vec<Option<Cost>>> = index
        .files()
        .iter()
        .enumerate()
        .map(|(file, summary)| {
            let direct = |function| index.direct_cost(FunctionId { file: file as u32, index: function as u32 });
            (0..summary.functions.len())
                .map(|function| match blocking[file][function] {
                    Some(Step::Direct) => direct(function),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let mut cost_queue: VecDeque<FunctionId> = index
        .files()
        .iter()
        .enumerate()
        .flat_map(|(file, summary)| {
            (0..summary.functions.len() as u32).map(move |function| FunctionId { file: file as u32, index: function })
        })
        .filter(|id| costs[id.file as usize][id.index as usize].is_some())
        .collect();
    while let Some(callee) = cost_queue.pop_front() {
        let cost = costs[callee.file as usize][callee.index as usize];
        let alternatives = alternative_callers_of(callee).map(|&(_, _, caller, site)| (callee, caller, site));
        let callers: Vec<(FunctionId, FunctionId, u32)> = callers_of(callee).copied().chain(alternatives).collect();
        for (_, caller, site) in callers {
            let (file, function) = (caller.file as usize, caller.index as usize);
            if blocking[file][function].is_some() && costs[file][function] < cost {
                costs[file][function] = cost;
                blocking[file][function] = Some(Step::Calls { site, callee });
                cost_queue.push_back(caller);
            }
        }
    }
    // An `async def` is loop-bound in this sense too: its callers create its coroutine.
    // A call through a conditional alias is loop-bound when either alternative is.
    while let Some(callee) = loop_bound_queue.pop_front() {
        let either = alternative_callers_of(callee).map(|&(_, _, caller, site)| (callee, caller, site));
        let callers: Vec<(FunctionId, FunctionId, u32)> = callers_of(callee).copied().chain(either).collect();
        let origin = loop_bound[callee.file as usize][callee.index as usize];
        for (_, caller, _) in callers {
            let slot = &mut loop_bound[caller.file as usize][caller.index as usize];
            if slot.is_none() {
                *slot = origin;
                loop_bound_queue.push_back(caller);
            }
        }
    }
    Propagation { blocking, loop_bound }
}
