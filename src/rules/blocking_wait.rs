//! AG113 `blocking-wait`: waiting, on the event loop, for another thread or process:
//! `Thread.join`, `concurrent.futures` results and waits, `multiprocessing` joins and
//! pool calls, `select`.
//!
//! ## What it does
//! Reports, in code running on the event loop, waits for another thread or process:
//! `join()` of a tracked `threading.Thread` or `multiprocessing.Process`; `result()` and
//! `exception()` of a `concurrent.futures.Future` (from `executor.submit()`,
//! `asyncio.run_coroutine_threadsafe()`, or annotated so); `concurrent.futures.wait()`
//! and `as_completed()`; a `multiprocessing` pool's `map()`, `starmap()`, `apply()`,
//! `join()`, and `get()`/`wait()` of its `AsyncResult`; `select.select()` and a
//! `select.poll()` object's `poll()`; an executor's `shutdown()` (it waits for the
//! pending work unless given `wait=False`). A wait with a zero timeout (`join(0)`,
//! `result(timeout=0)`, `select.select(r, w, x, 0)`) returns at once and is not reported.
//!
//! ## Why is this bad?
//! The loop's thread sleeps until the other side finishes. When the other side needs the
//! loop (a coroutine submitted with `run_coroutine_threadsafe`, a thread calling
//! `call_soon_threadsafe`), it never finishes: a deadlock.
//!
//! ## Example
//! ```python
//! from concurrent.futures import ThreadPoolExecutor
//!
//! executor = ThreadPoolExecutor()
//!
//! async def render(report):
//!     future = executor.submit(report.render)
//!     return future.result()
//! ```
//!
//! ## Use instead
//! `await asyncio.wrap_future(future)` for a `concurrent.futures.Future`,
//! `await loop.run_in_executor(executor, fn)` instead of `submit()`, and the wait in a
//! thread for joins.
//!
//! ## Fix
//! The wait runs in a worker thread: `future.result()` becomes
//! `await asyncio.to_thread(future.result)`. Safe: waiting from another thread waits for
//! the same thing, and returns or raises the same. `as_completed()` (an iterator consumed
//! as results arrive) and `select` (usually polling the loop's own sockets) get no fix.
//!
//! `aioguard check --fix` turns the example into:
//! ```python
//! import asyncio
//! from concurrent.futures import ThreadPoolExecutor
//!
//! executor = ThreadPoolExecutor()
//!
//! async def render(report):
//!     future = executor.submit(report.render)
//!     return await asyncio.to_thread(future.result)
//! ```
