//! aioguard finds the calls that block the asyncio event loop in Python code and
//! rewrites them so that they stop blocking it.
//!
//! The pipeline: [`cli`] reads the command line and [`config`] and hands the run to
//! [`driver`], which decides what to read, parse, summarize and check; [`discovery`]
//! finds the files; [`linter`] reads (decoding as [`encoding`] says), parses and checks each file in parallel, with [`checker`]
//! walking the AST once, [`semantic`] resolving names and [`rules`] reporting against
//! the [`catalogue`]; [`noqa`] applies suppressions; [`changes`] narrows a run to what
//! changed since a git base; [`output`] prints the findings. When a project-wide rule is
//! on, [`project`] first summarizes and indexes the modules of the checked files'
//! project that their results depend on. The [`cache`] keeps each file's summary and
//! findings between runs, so that only the files that changed are read again.

pub mod cache;
pub mod catalogue;
pub mod changes;
pub mod checker;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discovery;
pub mod driver;
pub mod encoding;
pub mod fix;
pub mod linter;
pub mod noqa;
pub mod output;
pub mod project;
pub mod rules;
pub mod semantic;
pub mod source;
pub mod suggest;
