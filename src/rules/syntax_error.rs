//! AG001 `syntax-error`: a file that does not parse.
//!
//! ## What it does
//! Reports the first syntax error of a file that does not parse, at its location. The
//! file is not checked further; the other files are. It cannot be suppressed with `# noqa`.
//!
//! ## Why is this bad?
//! Python cannot run the file, and aioguard cannot tell what it calls.
//!
//! ## Example
//! ```python
//! async def f(:
//!     pass
//! ```
