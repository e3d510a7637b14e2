//! AG103 `blocking-subprocess`: running a process and waiting for it on the event loop.
//!
//! ## What it does
//! Reports `subprocess.run/call/check_call/check_output/getoutput/getstatusoutput/Popen`,
//! `os.system`, `os.popen`, `os.posix_spawn*`, `os.spawn*` and `os.wait*` in code running
//! on the event loop, and `communicate()` and `wait()` of a tracked `Popen` object.
//!
//! ## Why is this bad?
//! These calls wait for the child process (or for `fork`/`exec`), which can take any time
//! at all; the event loop waits with them.
//!
//! ## Example
//! ```python
//! import subprocess
//!
//! async def current_commit():
//!     return subprocess.check_output(["git", "rev-parse", "HEAD"], text=True).strip()
//! ```
//!
//! ## Use instead
//! ```python
//! async def current_commit():
//!     process = await asyncio.create_subprocess_exec("git", "rev-parse", "HEAD", stdout=asyncio.subprocess.PIPE)
//!     stdout, _ = await process.communicate()
//!     return stdout.decode().strip()
//! ```
//! or `await asyncio.to_thread(subprocess.check_output, [...], text=True)`.
//!
//! ## Fix
//! Wraps the call in `await asyncio.to_thread(...)`. Safe: the process runs the same way,
//! in a worker thread. `subprocess.Popen` has no fix: the object it returns is used
//! afterwards, and `asyncio.create_subprocess_exec` is the way.
//!
//! `aioguard check --fix` turns the example into:
//! ```python
//! import asyncio
//! import subprocess
//!
//! async def current_commit():
//!     return (await asyncio.to_thread(subprocess.check_output, ["git", "rev-parse", "HEAD"], text=True)).strip()
//! ```
