//! AG105 `blocking-filesystem`: `os`, `os.path`, `shutil` and `pathlib.Path` calls that
//! touch the disk.
//!
//! ## What it does
//! Reports file-system calls in code running on the event loop: `os.path` functions that
//! touch the disk (`exists`, `isfile`, `isdir`, `getsize`, `realpath`, …; not the pure ones
//! such as `join`, `basename`, `dirname`, `splitext`), `os` file calls (`listdir`,
//! `scandir`, `remove`, `rename`, `makedirs`, `stat`, `walk`, `access`, and the
//! file-descriptor calls `open`, `read`, `write`, `fsync`, `fchmod`, …), `glob.glob()`
//! and `glob.iglob()`, `shutil` copies, moves and removals and `shutil.which()`, and
//! `pathlib.Path` I/O methods (`read_text`, `write_bytes`, `exists`,
//! `mkdir`, `unlink`, `iterdir`, `glob`, `stat`, `resolve`, …) on `Path(...)` expressions
//! and on variables bound to them.
//!
//! ## Why is this bad?
//! Each call waits for the disk; `shutil.rmtree` or `os.walk` on a large tree can take
//! seconds, during which the event loop serves nothing.
//!
//! ## Example
//! ```python
//! from pathlib import Path
//!
//! async def save_upload(directory, name, data):
//!     Path(directory).mkdir(parents=True, exist_ok=True)
//!     (Path(directory) / name).write_bytes(data)
//! ```
//!
//! ## Use instead
//! ```python
//! async def save_upload(directory, name, data):
//!     await asyncio.to_thread(Path(directory).mkdir, parents=True, exist_ok=True)
//!     await asyncio.to_thread((Path(directory) / name).write_bytes, data)
//! ```
//!
//! ## Fix
//! Wraps the call in `await asyncio.to_thread(...)`, offloading the bound method for
//! `Path` methods. Safe: the same call runs with the same arguments in a worker thread.
//! `os.walk`, `os.scandir`, `Path.iterdir`, `glob`, `rglob` and `walk` return lazy
//! iterators that read the disk while they are consumed: they are collected in the thread,
//! `await asyncio.to_thread(lambda: list(root.iterdir()))`. Unsafe: the iteration ends
//! before the code consuming it runs. Offered only where a list cannot be told from the
//! iterator: the call is consumed at once, as a plain iterable (a `for` loop, a
//! comprehension, `list()`, `sorted()`, `set()`, `frozenset()`, `tuple()`, `len()`, `in`).
//! No fix where the iterator is kept, passed on or given to `next()` (a list is not an
//! iterator), nor where the loop changes what the iteration handed it (`dirs[:] = …`
//! prunes an `os.walk` only while it runs).
//!
//! `aioguard check --fix` turns the example into:
//! ```python
//! import asyncio
//! from pathlib import Path
//!
//! async def save_upload(directory, name, data):
//!     await asyncio.to_thread(Path(directory).mkdir, parents=True, exist_ok=True)
//!     await asyncio.to_thread((Path(directory) / name).write_bytes, data)
//! ```
