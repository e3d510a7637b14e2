//! AG101 `blocking-sleep`: `time.sleep()` in code running on the event loop.
//!
//! ## What it does
//! Reports `time.sleep()` (under any alias: `import time as t`, `from time import sleep`)
//! called in code that runs on the event loop: the body of an `async def`, outside nested
//! `def`s and `lambda`s.
//!
//! ## Why is this bad?
//! `time.sleep()` suspends the thread, and the event loop runs on that thread: while it
//! sleeps no other task runs, no timeout fires and no connection is served.
//!
//! ## Example
//! ```python
//! import time
//!
//! async def poll(client):
//!     while not await client.ready():
//!         time.sleep(0.5)
//! ```
//!
//! ## Use instead
//! ```python
//! import asyncio
//!
//! async def poll(client):
//!     while not await client.ready():
//!         await asyncio.sleep(0.5)
//! ```
//! In a trio or anyio module, `await trio.sleep()` / `await anyio.sleep()`.
//!
//! ## Fix
//! `time.sleep(x)` becomes `await asyncio.sleep(x)` (`trio.sleep`, `anyio.sleep` in modules
//! that use those), adding `import asyncio` if the module lacks it. Safe: the coroutine
//! waits the same time, and only lets other tasks run meanwhile. Like every fix that adds
//! an `await`, none is offered inside a generator expression, which the `await` would
//! turn into an asynchronous generator.
//!
//! `aioguard check --fix` turns the example into:
//! ```python
//! import asyncio
//!
//! async def poll(client):
//!     while not await client.ready():
//!         await asyncio.sleep(0.5)
//! ```
