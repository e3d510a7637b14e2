//! AG104 `blocking-open`: opening files, reading and writing data files through libraries
//! (pandas, numpy, Pillow, torch, joblib, h5py), and reading or writing file objects
//! passed in.
//!
//! ## What it does
//! Reports, in code running on the event loop:
//! - `open()`, `io.open()`, `io.open_code()`, `codecs.open()`, `os.fdopen()`,
//!   `gzip.open()`, `bz2.open()`, `lzma.open()`, and the `tempfile` functions that create
//!   files or directories (not `SpooledTemporaryFile`, which stays in memory until it
//!   rolls over);
//! - the I/O methods (`read`, `write`, `readline`, …) of file objects passed in (a
//!   parameter annotated `io.TextIOWrapper`, `BufferedReader`, `typing.IO`, `TextIO`, …)
//!   or opened outside coroutines (`LOG = open(...)` at module level, a file of an
//!   enclosing sync function). Inside a `with open(...) as f:` block that is already
//!   reported, `f.read()` is not reported again;
//! - the calls below, when the argument naming the file is certainly a path: a string, an
//!   f-string, a `pathlib.Path`, `os.path.join(...)`, `str(...)`, a parameter annotated
//!   `str`, or a variable assigned one of these. Given anything else (an in-memory buffer,
//!   a file object, or what may be one) they do no I/O of their own and are not reported,
//!   nor when given a string literal that holds data (JSON, XML, several lines):
//!   - `zipfile.ZipFile()`, `tarfile.open()`, `tarfile.TarFile()`, which read the
//!     archive's index at once (not with `fileobj=`);
//!   - pandas: `pd.read_csv()`, `read_table()`, `read_json()`, `read_parquet()`,
//!     `read_excel()`, `read_feather()`, `read_pickle()`, `read_hdf()`, …, and the
//!     `to_csv()`, `to_json()`, `to_parquet()`, `to_excel()`, `to_pickle()`, … of a
//!     DataFrame built by `pd.DataFrame(...)`, returned by a reader or annotated
//!     `pd.DataFrame` (`df.to_csv()` without a path returns the text);
//!   - numpy: `np.load()`, `save()`, `savez()`, `savez_compressed()`, `loadtxt()`,
//!     `savetxt()`, `genfromtxt()`, `fromfile()`, and `tofile()` of an array built by
//!     `np.array()`, `np.zeros()`, … or annotated `np.ndarray`;
//!   - Pillow: `Image.open()` (which keeps the file open until the pixels are loaded),
//!     and `save()` of an image from `Image.open()`, `Image.new()`, `Image.fromarray()`
//!     or annotated `Image.Image`;
//!   - `torch.load()`/`torch.save()`, `joblib.load()`/`joblib.dump()`, `h5py.File()`.
//!
//! pandas' SQL readers and `to_sql()` query a database: AG111 reports them.
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
//! the loop; the same holds for `Image.open()` and `h5py.File()`. The data-file calls
//! of pandas, numpy, Pillow, torch and joblib are wrapped likewise,
//! `await asyncio.to_thread(df.to_parquet, path)` (safe: the frame, array or image
//! is read or written whole, the same in a worker thread).
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
