//! AG104 `blocking-open`: opening files, and reading or writing file objects passed in.
//!
//! ## What it does
//! Reports `open()`, `io.open()`, `io.open_code()`, `codecs.open()`, `os.fdopen()`,
//! `gzip.open()`, `bz2.open()`, `lzma.open()`, `zipfile.ZipFile()`, `tarfile.open()` and
//! `tarfile.TarFile()` given a path (they open the file and read its index at once; given
//! anything else, which may be an in-memory buffer, they are not reported: a string, an
//! f-string, a `pathlib.Path`, `os.path.join(...)`, `str(...)`, a parameter annotated `str`,
//! or a variable assigned one of these), and the `tempfile` functions that create files
//! or directories (not `SpooledTemporaryFile`, which stays in memory until it rolls over),
//! in code running on the event loop; and the
//! I/O methods (`read`, `write`, `readline`, …) of file objects passed in (a parameter
//! annotated `io.TextIOWrapper`, `BufferedReader`, `typing.IO`, `TextIO`, …) or opened
//! outside coroutines (`LOG = open(...)` at module level, a file of an enclosing sync
//! function). Inside a
//! `with open(...) as f:` block that is already reported, `f.read()` is not reported again.
//!
//! ## Why is this bad?
//! Disk I/O blocks the thread: on a slow, network or busy disk, for a long time. The event
//! loop cannot run anything else meanwhile.
//!
//! ## Example
//! ```python
//! import json
//!
//! async def load_config(path):
//!     with open(path) as f:
//!         return json.load(f)
//! ```
//!
//! ## Use instead
//! ```python
//! async def load_config(path):
//!     return await asyncio.to_thread(_read_config, path)
//! ```
//! or an async file library (`aiofiles`, `anyio.open_file`).
//!
//! ## Fix
//! A `with open(...) as f:` block whose body neither awaits nor yields is moved into a
//! nested function run by `await asyncio.to_thread(...)`. The coroutine's own variables
//! that the block assigns (`total += len(f.read())`) are declared `nonlocal` in it; the
//! names only the block binds and the code after it uses are returned and re-bound.
//! Unsafe: the block then runs in another thread, which matters if it touches
//! thread-local state. No fix where the block assigns a name the coroutine declares
//! `global` or `nonlocal`, or leaves it with `break`, `continue` or an `await`. A lone `open()` call is
//! wrapped in `await asyncio.to_thread(open, ...)` (safe); `open(p).read()` in one
//! expression has no fix, since offloading the opening alone would leave the reading on
//! the loop.
//!
//! `aioguard check --fix --unsafe-fixes` turns the example into:
//! ```python
//! import asyncio
//! import json
//!
//! async def load_config(path):
//!     def _blocking_io():
//!         with open(path) as f:
//!             return json.load(f)
//!     return await asyncio.to_thread(_blocking_io)
//! ```
