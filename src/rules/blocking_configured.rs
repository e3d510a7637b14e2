//! AG109 `blocking-configured`: calls the project lists as blocking in
//! `extend-blocking-calls`.
//!
//! ## What it does
//! Reports calls, in code running on the event loop, to the functions a project lists
//! under `extend-blocking-calls` in its configuration (qualified name → message):
//!
//! ```yaml
//! extend-blocking-calls:
//!   legacy_db.query: "`legacy_db.aquery()`"
//!   mylib.Client.fetch: {message: "`mylib.AsyncClient`", fix: offload}
//! ```
//!
//! A method of a class (a capitalised name before the method, as in `mylib.Client.fetch`)
//! is reported on objects built from that class (`client = mylib.Client()`) in the same
//! function or at module level, and on parameters annotated with it.
//!
//! ## Why is this bad?
//! A project knows its own slow synchronous APIs (a database driver, a vendor SDK) better
//! than any catalogue; calling them from a coroutine blocks the event loop like any other
//! blocking call.
//!
//! ## Example
//! ```python
//! import legacy_db
//!
//! async def handle(request):
//!     rows = legacy_db.query("SELECT 1")
//! ```
//!
//! ## Use instead
//! The alternative the message names, or `await asyncio.to_thread(legacy_db.query, ...)`.
//!
//! ## Fix
//! Wraps the call in `await asyncio.to_thread(...)` unless the entry says `fix: none` or
//! `threads: not-thread-safe` (its objects may not be used from another thread).
//! Unsafe, whatever rule the entry names: the configuration says that a call blocks, not
//! that it may run in another thread (it may need the loop's thread, or share state with
//! the loop).
//!
//! `aioguard check --fix --unsafe-fixes` turns the example into:
//! ```python
//! import asyncio
//!
//! import legacy_db
//!
//! async def handle(request):
//!     rows = await asyncio.to_thread(legacy_db.query, "SELECT 1")
//! ```
