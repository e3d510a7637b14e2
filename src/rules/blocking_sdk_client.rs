//! AG114 `blocking-sdk-client`: a sync SDK client called on the event loop.
//!
//! The calls are resolved by the blocking-call family (`blocking_call.rs`) against the
//! catalogue and against the clients learnt from the project's environment
//! (`analysis/twins.rs`); this file holds the rule's documentation.
//!
//! ## What it does
//! **Clients learnt from the environment.** When a module imports a package installed in
//! the project's Python environment (`VIRTUAL_ENV`, `.venv` or `venv` at the project root,
//! or the configuration's `python`), aioguard reads that package's `__init__.py` (and those
//! of its `asyncio` and `aio` submodules, never running them) and learns its sync/async twin
//! clients: a class `X` exported beside a class `AsyncX` (`qdrant_client.QdrantClient` and
//! `qdrant_client.AsyncQdrantClient`, `ollama.Client` and `ollama.AsyncClient`), or `X`
//! exported again by `pkg.asyncio`/`pkg.aio` from an async module of its own. A call of any
//! public method on an object built from the sync class (`client = pkg.X(...)`, then
//! `client.search(...)` or `client.a.b.c(...)`) is then reported, with the twin to use
//! instead. A package the catalogue or the configuration names anything of is not learnt
//! from: what of it blocks is said there. An awaited call, and the async twin's calls, are
//! not reported. `learn-from-environment: false` turns the learning off.
//!
//! ## Why is this bad?
//! Each call of a sync SDK client is a network round trip (often several: retries,
//! pagination, a token refresh), and the event loop waits for all of it: no other task
//! runs meanwhile.
//!
//! ## Example
//! ```python
//! import qdrant_client
//!
//! client = qdrant_client.QdrantClient(url="http://localhost:6333")
//!
//! async def search(vector):
//!     return client.query_points("docs", query=vector)
//! ```
//!
//! ## Use instead
//! The async twin the message names, awaited (`client = qdrant_client.AsyncQdrantClient(...)`,
//! then `await client.query_points(...)`), or a worker thread.
//!
//! ## Fix
//! The call runs in a worker thread, `await asyncio.to_thread(client.method, ...)`.
//!
//! `aioguard check --fix --unsafe-fixes` turns the example into:
//! ```python
//! import asyncio
//!
//! import qdrant_client
//!
//! client = qdrant_client.QdrantClient(url="http://localhost:6333")
//!
//! async def search(vector):
//!     return await asyncio.to_thread(client.query_points, "docs", query=vector)
//! ```
//!
//! ## Fix safety
//! Unsafe: the client is shared, and in a thread the call may now run at the same time as
//! another task's use of it. Switching to the async twin is left to you: its calls must be
//! awaited, and it is built and closed differently.
