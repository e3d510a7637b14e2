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

use ruff_python_ast::{self as ast, Expr};

use crate::analysis::semantic::Binding;
use crate::rules::checker::Checker;

/// Archive constructors that open the file they are given, with the keyword naming it.
/// Given a buffer (`ZipFile(io.BytesIO(data))`, `tarfile.open(fileobj=buffer)`) they do
/// no I/O of their own.
const ARCHIVE_OPENERS: &[(&str, &str)] =
    &[("zipfile.ZipFile", "file"), ("tarfile.open", "name"), ("tarfile.TarFile", "name")];

/// Assignments followed to find whether a variable holds a path.
const MAX_PATH_ASSIGNMENTS: u8 = 4;

/// Whether `call` opens an archive from something other than a certain path: not reported.
pub fn opens_no_certain_path(checker: &mut Checker<'_>, call: &ast::ExprCall, qualified_name: &str) -> bool {
    let Some((_, keyword)) = ARCHIVE_OPENERS.iter().find(|(name, _)| *name == qualified_name) else { return false };
    if call.arguments.find_keyword("fileobj").is_some() {
        return true;
    }
    let file = call.arguments.args.first().or(call.arguments.find_keyword(keyword).map(|keyword| &keyword.value));
    !file.is_some_and(|file| is_certainly_a_path(checker, file, 0))
}

/// A string or `pathlib.Path` expression, or a variable assigned or annotated one.
fn is_certainly_a_path(checker: &mut Checker<'_>, expr: &Expr, depth: u8) -> bool {
    if checker.type_of(expr) == Some("pathlib.Path") {
        return true;
    }
    match expr {
        Expr::StringLiteral(_) | Expr::FString(_) => true,
        Expr::Call(call) => matches!(
            checker.resolve_qualified_name(&call.func),
            Some("os.path.join" | "os.path.abspath" | "os.fspath" | "builtins.str")
        ),
        Expr::Name(name) if depth < MAX_PATH_ASSIGNMENTS => match checker.semantic().lookup(name.id.as_str()) {
            Some(Binding::Assigned(value)) => {
                let value = *value;
                is_certainly_a_path(checker, value, depth + 1)
            }
            Some(Binding::Parameter(Some(annotation))) => {
                let annotation = *annotation;
                matches!(checker.resolve_qualified_name(annotation), Some("builtins.str" | "os.PathLike"))
            }
            _ => false,
        },
        _ => false,
    }
}
