//! Which of the project's sync functions block, and through which chain of calls.
//!
//! A sync function blocks when its own body makes a blocking call, or calls a project
//! function that blocks. The calls of every function are resolved once (in parallel),
//! then a breadth-first search runs backwards from the functions that block directly, so
//! that each function keeps the shortest chain to a blocking call and cycles end. A
//! coroutine function does not block its caller (calling it runs nothing); a function
//! that `allowed-calls` names, whose `def` line says `# noqa: AG110`, or whose decorators
//! may change what calling it does (see [`FunctionSummary::decorated`]), does not block.
//!
//! [`FunctionSummary::decorated`]: super::summary::FunctionSummary::decorated

use std::collections::VecDeque;

use rayon::prelude::*;

use super::index::{FunctionId, ProjectIndex};
use crate::config::Settings;

/// The next step of a blocking function's shortest chain.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// Its own body makes the blocking call.
    Direct,
    /// Its call number `site` reaches `callee`, which blocks.
    Calls { site: u32, callee: FunctionId },
}

/// For every function of every file, whether it blocks: the first step of its shortest chain.
pub fn propagate(index: &ProjectIndex, settings: &Settings) -> Vec<Vec<Option<Step>>> {
    let can_block = |id: FunctionId| {
        let function = index.function(id);
        !function.is_async && !function.decorated && !function.suppressed && !index.is_allowed(id, settings)
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
        .filter(|(callee, caller, _)| can_block(*callee) && can_block(*caller))
        .collect();
    edges.par_sort_unstable();

    let mut blocking: Vec<Vec<Option<Step>>> =
        index.files().iter().map(|summary| vec![None; summary.functions.len()]).collect();
    let mut queue = VecDeque::new();
    for (file, summary) in index.files().iter().enumerate() {
        for (function, summary) in summary.functions.iter().enumerate() {
            let id = FunctionId { file: file as u32, index: function as u32 };
            if summary.blocking_call.is_some() && can_block(id) {
                blocking[file][function] = Some(Step::Direct);
                queue.push_back(id);
            }
        }
    }
    while let Some(callee) = queue.pop_front() {
        let start = edges.partition_point(|(edge_callee, _, _)| *edge_callee < callee);
        for &(_, caller, site) in edges[start..].iter().take_while(|(edge_callee, _, _)| *edge_callee == callee) {
            let slot = &mut blocking[caller.file as usize][caller.index as usize];
            if slot.is_none() {
                *slot = Some(Step::Calls { site, callee });
                queue.push_back(caller);
            }
        }
    }
    blocking
}
