//! AG110 `blocking-via-helper`: a call, in code running on the event loop, to a sync
//! function of the project that blocks, directly or through other project functions.
//!
//! ## What it does
//! Reports a call, in code running on the event loop, to a *sync* function or method of
//! the checked project that blocks: its body makes a blocking call (any call the other
//! AG1 rules report, or one configured in `extend-blocking-calls`), or calls another
//! project function that blocks, to any depth and across modules. The message names the
//! chain down to the costliest blocking call the helper reaches (by the cost classes of
//! `catalogue.yaml`, from `metadata` up to `sleep`: an `open()` and its read rather than
//! an `exists()` check before it), with its place, and how many other blocking calls the
//! helper reaches:
//!
//! ```text
//! `retrying_save()` blocks the event loop in `async def save`: `retrying_save()` → `_backoff()` → `time.sleep()` (app/storage.py:12), and 1 other blocking call
//! ```
//!
//! The finding's cost class is that call's, for `min-cost` and the outputs.
//!
//! Calls are followed when they resolve for certain: functions of the same module; names
//! imported from project modules (`from app.storage import load`, `from app.services
//! import http` then `http.fetch()`, `import app.services.http as h`, relative imports,
//! re-exports through a package `__init__`); `self.method()` and `cls.method()` along the
//! class and its project base classes (in MRO order); methods of a variable bound to an
//! instance of a project class (`c = Cache()`, `c: Cache`) and of a field set in
//! `__init__` (`self.cache = Cache()` then `self.cache.get()`); a class called runs its
//! `__init__`; a method of an object made on the spot (`Helper().run()`); `super().m()`
//! in a method whose class has one line of ancestors; a conditional alias (`method =
//! write_atomic if atomic else write; method()`) when both alternatives block. A call that
//! does not resolve is never assumed to block.
//!
//! A helper whose blocking calls all sit under an `if` on its parameters (`if param:`,
//! `if not param:`, `if param is None:`, `and` of those, and their `else`), or after a
//! guard clause on them in its body (`if run_async: return server`, `if param is None:
//! raise …`: an `if` with no `else` whose block ends in `return` or `raise`), is not
//! reported where the call's literal arguments (or the literal defaults of the parameters
//! it leaves out) make those branches dead: `serve(app, run_async=True)` where `serve`
//! blocks only `if not run_async:`. Where the call still blocks, the message's chain goes
//! through what the literals leave live (a `bind()` before the `if run_async: return`,
//! not the `serve_forever()` after it), and the finding's cost is that chain's. A parameter the helper passes on to another helper
//! is followed there, to any depth, and so is a keyword that reaches it through
//! `**kwargs` (`def serve_with(app, **options): serve(app, **options)`, when `options` is
//! used for nothing else: not read, changed or rebound). A string key of a dict display
//! spread into a call counts as a keyword of the call (`arguments = {**settings,
//! "run_async": True}` then `serve(**arguments)`), when it comes after the display's last
//! `**` entry and the variable, bound once in the function, is only read, tested with
//! `in`, set at other keys, or spread.
//!
//! A helper whose blocking calls, to any depth, are all I/O methods of file objects
//! passed in as parameters (`def load(stream: BinaryIO): return stream.read()`) is not
//! reported where the call gives an in-memory buffer (`io.BytesIO(…)`, `io.StringIO(…)`,
//! a variable bound to one, also by `with … as`, or a parameter annotated as one): as
//! one of its arguments, or of the constructor call that made the object whose method
//! it calls (`FlowReader(io.BytesIO(data)).stream()`, `reader = Reader(buffer)` then
//! `reader.read()`). A reader that also opens or writes a file of its own is reported.
//!
//! Syntax that runs a special method of an instance of a project class (a variable,
//! `self`, or a field, as for method calls) is a call too: `d[k]` (`__getitem__`),
//! `d[k] = v` (`__setitem__`), `del d[k]` (`__delitem__`), `k in d` and `k not in d`
//! (`__contains__`), `len(d)` (`__len__`), `iter(d)` (`__iter__`): a Redis-backed dict
//! blocks where it is indexed, and a sync helper that indexes it blocks. Such a finding
//! has no fix. So is `for x in d` (`__iter__`; not `async for`, nor a comprehension's
//! `for`). Not followed: syntax on a class itself (`Model[int]`).
//!
//! A helper decorated by a decorator of the project (in any module) that wraps it in an
//! inner `def` calling it with the arguments it is given (`return func(*args,
//! **kwargs)`, with or without `functools.wraps`: tracing, timing, logging decorators) is
//! followed as if undecorated. A decorator factory (`@retry(3)`), a wrapper that is an
//! `async def` or calls the function only inside a lambda or inner function (another
//! thread), and any other decorator but the catalogue's `plain-decorators` and
//! `caching-decorators` hide the helper: what calling it does is not known.
//!
//! A helper that blocks only through functions wrapped in `functools.cache`,
//! `functools.lru_cache` or another of the catalogue's `caching-decorators`
//! (`cachetools.cached`, …) is reported with "(blocks on its first call only)": the first
//! call still blocks the loop, later ones with the same arguments do not.
//!
//! A helper's method call on an object whose type only another module tells blocks too:
//! `self.cache.get(k)` where a base class of another module declares `cache: redis.Redis`,
//! `conn.execute(q)` after `from app.db import conn`, `make_client().get(url)` where the
//! imported `make_client` is annotated `-> httpx.Client` (not under an `if` on the
//! helper's parameters).
//!
//! A helper that is a generator (its body yields) blocks where the coroutine iterates
//! it (`for row in rows(path):`), and one that `contextlib.contextmanager` wraps where
//! `with` enters it: the message says so, and no fix is offered, since moving the call
//! to a thread would only make the generator there.
//!
//! Dual sync/async APIs: an object of a project class that is awaitable itself (it, or
//! a base class, defines `__await__`) and whose sync methods return a coroutine when the
//! object is asynchronous but block in a `sync(loop, coro)` helper otherwise (Dask's
//! `Client`, `Scheduler`, `Semaphore`). A call of such a method, or of such a class,
//! whose result the coroutine awaits (`await self.acquire()`, `await
//! LocalCluster(asynchronous=True)`, `async with Client(asynchronous=True) as c:`) is
//! not reported: the awaiting caller uses the object's async face. Awaiting the result
//! of another sync function does not make it not block (it runs before the `await`).
//!
//! A function only *referring* to a blocking function (passing it to `to_thread`,
//! returning it) does not block, and a nested `def` or `lambda` is not part of its body.
//! Calls in the whole project count, also in files that are not being reported: checking
//! one changed file still sees a helper in an unchanged module that blocks.
//!
//! A function named in `allowed-calls` by its qualified name (`app.storage.load`,
//! `app.cache.Cache.get`) is taken not to block, and neither is one whose `def` line says
//! `# noqa: AG110`; a call with `# noqa: AG110` is not reported and, in a helper, not
//! followed.
//!
//! ## Why is this bad?
//! The blocking call runs on the event loop's thread all the same, however many
//! functions lie between it and the coroutine: every other task waits for it. Hidden
//! behind a helper, it is the one a reviewer does not see.
//!
//! ## Example
//! ```python
//! import json
//!
//! def load_settings(path):
//!     with open(path) as f:
//!         return json.load(f)
//!
//! async def handle(request):
//!     settings = load_settings("settings.json")
//!     return settings["greeting"]
//! ```
//! (`load_settings` may as well live in another module of the project.)
//!
//! ## Use instead
//! Run the helper in a worker thread, as the fix does, or make it async, with async I/O
//! all the way down.
//!
//! ## Fix
//! The call runs in a worker thread and is awaited, as for the other offloaded calls:
//! `x = helper("a")` becomes `x = await asyncio.to_thread(helper, "a")` (`trio` and `anyio`
//! modules get their own `to_thread`, Python below 3.9 `run_in_executor`).
//!
//! `aioguard check --fix --unsafe-fixes` turns the example into:
//! ```python
//! import asyncio
//! import json
//!
//! def load_settings(path):
//!     with open(path) as f:
//!         return json.load(f)
//!
//! async def handle(request):
//!     settings = await asyncio.to_thread(load_settings, "settings.json")
//!     return settings["greeting"]
//! ```
//!
//! ## Fix safety
//! The fix is never safe, only offered with `--unsafe-fixes`: the helper's whole body,
//! everything it calls, now runs in another thread, where thread-local state differs and
//! the helper runs at the same time as the loop's other tasks. No fix is offered at all
//! where the helper needs the loop's thread (it is *loop-bound*):
//! - it, or any project function it reaches, calls what must run on the loop's thread
//!   (`asyncio.get_running_loop()`, `create_task`, `loop.call_soon`, anything of
//!   `asyncio`, `trio` or `anyio` but their thread-safe entry points, or a callee named
//!   `async_…`), or calls an `async def` of the project (creating its coroutine);
//! - it is a method called on an object whose class (or a base class) has `async def`
//!   methods (`self.switch_screen()` in an `App` with coroutines): that object's state is
//!   the loop's too;
//! - it is the constructor of such a class (`KNXModule(hass, config)`: its `__init__`);
//! - it, or any project function it reaches, uses an object that may not move to another
//!   thread (a catalogue call without a fix for that reason: `sqlite3`, whose objects
//!   refuse any thread but their creator's, SQLAlchemy sessions, boto3 resources).
//!
//! No fix either where an `await` cannot be written (in a generator expression).

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::analysis::blocking::find_blocking_call;
use crate::analysis::context::Context;
use crate::analysis::project::ProjectView;
use crate::analysis::project::index::{ChainHop, FunctionId, LoopReason};
use crate::analysis::project::summary::{
    CallArguments, Callee, callee_of, is_iterated_by_for, special_callee_of, spread_keywords,
};
use crate::analysis::semantic::Binding;
use crate::data::diagnostic::Hop;
use crate::data::discovery::display_path;
use crate::data::registry::{self, BLOCKING_VIA_HELPER as RULE};
use crate::rules::checker::{Checker, FixRequest};

pub(crate) fn check<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall) {
    let Some(coroutine) = checker.coroutine_for(&RULE) else { return };
    let Some(project) = checker.project() else { return };
    let Some(callee) = callee_of(checker, &call.func, &project.context()) else { return };
    // The function called, or both functions a conditional alias may be: each must block.
    let helpers: Vec<FunctionId> = match project.index.resolve_callee(project.file, &callee) {
        Some(helper) => vec![helper],
        None => match project.index.resolve_alternatives(project.file, &callee) {
            Some(alternatives) => alternatives.to_vec(),
            None => return,
        },
    };
    let Some(mut chains) =
        helpers.iter().map(|helper| project.index.blocking_chain(*helper)).collect::<Option<Vec<_>>>()
    else {
        return;
    };
    // `helper(flag=True)` where what blocks runs only `if not flag:`.
    if let [helper] = helpers[..] {
        // `await semaphore.acquire()`, `async with Client(asynchronous=True)`: the async
        // face of an object that has a sync one too, whose blocking side runs only
        // outside a coroutine.
        if checker.is_awaited(call.range()) && project.index.is_method_of_awaitable(helper) {
            return;
        }
        let spread = spread_keywords(checker.semantic(), &call.arguments);
        let arguments = CallArguments::of(&call.arguments, &|_| None, None).with_spread_keywords(spread);
        let Some(live) = project.index.blocking_chain_called_with(helper, &callee, &arguments) else { return };
        chains = vec![live];
        // `FlowReader(io.BytesIO(data)).stream()`: the reader reads what it was given.
        if project.index.blocks_only_on_files_passed_in(helper) && gives_in_memory_buffer(checker, call) {
            return;
        }
    }
    // A project function listed in `extend-blocking-calls` is already reported as such.
    if find_blocking_call(checker, call).is_some() {
        return;
    }
    let display = checker.display_source(&call.func);
    let explanation = match &chains[..] {
        [hops] => {
            let chain = match &hops[..] {
                [direct] => format!("it calls `{}()` ({})", direct.name, place(direct)),
                _ => explain(&display, hops),
            };
            with_others(chain, project.index.blocking_calls_reached(helpers[0]))
        }
        alternatives => {
            let names: Vec<&str> = helpers.iter().map(|helper| &*project.index.function(*helper).qualname).collect();
            let branches: Vec<String> =
                names.iter().zip(alternatives).map(|(name, hops)| explain(name, hops)).collect();
            format!("it is `{}()` or `{}()`, and both block: {}", names[0], names[1], branches.join("; "))
        }
    };
    // Calling a generator runs none of its body: iterating it (entering it, for a
    // context manager) does, so moving the call to a thread moves nothing.
    let deferred = helpers.iter().map(|helper| project.index.function(*helper)).find(|function| function.is_generator);
    let cached = if let Some(function) = deferred {
        if function.is_context_manager {
            " (a context manager: entering it blocks)"
        } else {
            " (a generator: iterating it blocks)"
        }
    } else if helpers.iter().all(|helper| project.index.blocks_only_through_caches(*helper)) {
        " (blocks on its first call only)"
    } else {
        ""
    };
    let message = format!(
        "`{display}()` blocks the event loop in {}{cached}: {explanation}",
        Context::loop_function_label(coroutine)
    );
    // Of several alternatives, the first that may not move to a thread says why.
    let refusal = helpers.iter().find_map(|helper| refusal(&project, &callee, *helper, &display));
    let refusal = refusal.or_else(|| {
        deferred.map(|function| match function.is_context_manager {
            true => format!(
                "`{display}()` makes a context manager: its body runs where `with` enters it, not where it is called"
            ),
            false => {
                format!("`{display}()` is a generator: its body runs where it is iterated, not where it is called")
            }
        })
    });
    let start = checker.position(call.start());
    let here = Hop { name: display, filename: String::new(), row: start.row, column: start.column };
    // The JSON chain follows the first of several alternatives.
    let chain = std::iter::once(here).chain(chains[0].iter().map(to_hop)).collect();
    let fix = match refusal {
        None => {
            // The thread the blocking call's library wants, where every alternative agrees.
            let mut runners = chains.iter().map(|hops| hops.last().and_then(|hop| hop.runner));
            let first = runners.next().flatten();
            let runner = runners.all(|runner| runner == first).then_some(first).flatten().map(str::to_owned);
            FixRequest::OffloadHelper { call, runner }
        }
        Some(reason) => FixRequest::Declined(reason.into()),
    };
    // What the helper costs is its costliest call; of alternatives, the costlier.
    let cost = chains.iter().filter_map(|hops| hops.last()?.cost).max().unwrap_or(registry::default_cost(RULE.code));
    checker.report_blocking(&RULE, call.range(), message, cost, chain, fix);
}

/// Assignments followed to find whether a variable holds an in-memory buffer.
const MAX_BUFFER_ASSIGNMENTS: u8 = 4;

/// Whether the call gives an in-memory buffer (`io.BytesIO`, `io.StringIO`): among its
/// arguments, or those of the call that made the object whose method it calls
/// (`FlowReader(io.BytesIO(data)).stream()`, `reader = Reader(buffer)` then
/// `reader.read()`).
fn gives_in_memory_buffer(cx: &mut Context<'_>, call: &ast::ExprCall) -> bool {
    let mut calls = vec![call];
    if let Expr::Attribute(method) = &*call.func {
        match &*method.value {
            Expr::Call(constructor) => calls.push(constructor),
            Expr::Name(name) => {
                if let Some(Binding::Assigned(Expr::Call(constructor))) = cx.semantic().lookup(name.id.as_str()) {
                    calls.push(constructor);
                }
            }
            _ => {}
        }
    }
    calls.into_iter().any(|call| {
        let keywords = call.arguments.keywords.iter().map(|keyword| &keyword.value);
        call.arguments.args.iter().chain(keywords).any(|argument| is_in_memory_buffer(cx, argument, 0))
    })
}

/// `io.BytesIO(…)`, `io.StringIO(…)`, or a variable assigned one (also by `with … as`), or
/// a parameter annotated as one.
fn is_in_memory_buffer(cx: &mut Context<'_>, expr: &Expr, depth: u8) -> bool {
    let is_buffer_class = |name: Option<&str>| matches!(name, Some("io.BytesIO" | "io.StringIO"));
    match expr {
        Expr::Call(call) => is_buffer_class(cx.resolve_qualified_name(&call.func)),
        Expr::Name(name) if depth < MAX_BUFFER_ASSIGNMENTS => match cx.semantic().lookup(name.id.as_str()) {
            Some(Binding::Assigned(value) | Binding::WithTarget(value)) => {
                let value = *value;
                is_in_memory_buffer(cx, value, depth + 1)
            }
            Some(Binding::Parameter(Some(annotation))) => {
                let annotation = cx.semantic().annotation_subject(annotation);
                is_buffer_class(cx.resolve_qualified_name(annotation))
            }
            _ => false,
        },
        _ => false,
    }
}

/// `d[k]`, `k in d`, `len(d)` on an instance of a project class whose special method
/// (`__getitem__`, `__contains__`, `__len__`, …) blocks. No fix: syntax has no call to
/// move to a thread.
pub(crate) fn check_special<'a>(checker: &mut Checker<'a>, expr: &'a ast::Expr) {
    let Some(coroutine) = checker.coroutine_for(&RULE) else { return };
    let Some(project) = checker.project() else { return };
    let Some(callee) = special_callee_of(checker, expr, &project.context()) else { return };
    let Some(helper) = project.index.resolve_callee(project.file, &callee) else { return };
    let Some(hops) = project.index.blocking_chain(helper) else { return };
    let method = &*project.index.function(helper).qualname;
    let explanation = with_others(explain(method, &hops), project.index.blocking_calls_reached(helper));
    let display = match is_iterated_by_for(checker, expr) {
        true => format!("for … in {}", checker.display_source(expr)),
        false => checker.display_source(expr),
    };
    let message =
        format!("`{display}` blocks the event loop in {}: {explanation}", Context::loop_function_label(coroutine));
    let start = checker.position(expr.start());
    let here = Hop { name: display, filename: String::new(), row: start.row, column: start.column };
    let chain = std::iter::once(here).chain(hops.iter().map(to_hop)).collect();
    let cost = hops.last().and_then(|hop| hop.cost).unwrap_or(registry::default_cost(RULE.code));
    let fix =
        FixRequest::Declined(format!("`{method}()` runs through syntax: there is no call to move to a thread").into());
    checker.report_blocking(&RULE, expr.range(), message, cost, chain, fix);
}

/// A chain followed by how many other blocking calls the helper reaches (`reached`, the
/// chain's own among them).
fn with_others(chain: String, reached: usize) -> String {
    match reached.saturating_sub(1) {
        0 => chain,
        1 => format!("{chain}, and 1 other blocking call"),
        others => format!("{chain}, and {others} other blocking calls"),
    }
}

/// A chain of calls from `name` down to the blocking call, with where that is:
/// "`save()` → `_write()` → `open()` (app/store.py:12)", or "`save()` calls `open()` (…)".
fn explain(name: &str, hops: &[ChainHop<'_>]) -> String {
    let last = hops.last().expect("a chain ends in a blocking call");
    match hops {
        [direct] => format!("`{name}()` calls `{}()` ({})", direct.name, place(last)),
        longer => {
            let names: Vec<String> = longer.iter().map(|hop| format!("`{}()`", hop.name)).collect();
            format!("`{name}()` → {} ({})", names.join(" → "), place(last))
        }
    }
}

/// Where a hop is: `path:row`, or `line row` for a module checked on its own (no path).
fn place(hop: &ChainHop<'_>) -> String {
    match display_path(hop.path) {
        path if path.is_empty() => format!("line {}", hop.location.row),
        path => format!("{path}:{}", hop.location.row),
    }
}

/// Why the helper `display` calls may not move to a worker thread (see "Fix safety"
/// above), naming the one thing that keeps it on the loop's thread; `None` when it may,
/// with `--unsafe-fixes`.
fn refusal(project: &ProjectView<'_>, callee: &Callee, helper: FunctionId, display: &str) -> Option<String> {
    let qualname = &*project.index.function(helper).qualname;
    // A receiver whose class has coroutines shares its state with the loop.
    let why = if project.index.receiver_shares_loop(project.file, callee) {
        format!(
            "`{display}()` is called on an object whose class has `async def` methods, so the event loop shares its state"
        )
    } else {
        match project.index.loop_reason(helper)? {
            LoopReason::LoopThread { call } => {
                format!("the helper reaches `{call}()`, which must run on the event loop's thread")
            }
            LoopReason::ThreadBound { call, library } => {
                format!("the helper reaches `{call}()`, and `{library}` objects may not be used from another thread")
            }
            LoopReason::Coroutine { function } => {
                format!("the helper calls `async def {function}`, whose coroutine needs the event loop")
            }
            LoopReason::SharesLoop { method } if method == qualname && qualname.ends_with(".__init__") => {
                format!(
                    "`{display}()` makes an object whose class has `async def` methods, so the event loop shares its state"
                )
            }
            LoopReason::SharesLoop { method } if method == qualname => {
                format!(
                    "`{display}()` is a method of a class with `async def` methods, so the event loop shares its state"
                )
            }
            LoopReason::SharesLoop { method } => format!(
                "the helper reaches `{method}()`, a method of a class with `async def` methods, so the event loop shares its state"
            ),
        }
    };
    Some(format!("{why}: it stays on the loop's thread"))
}

fn to_hop(hop: &ChainHop<'_>) -> Hop {
    Hop {
        name: hop.name.to_owned(),
        filename: display_path(hop.path),
        row: hop.location.row,
        column: hop.location.column,
    }
}
