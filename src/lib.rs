//! aioguard finds the calls that block the asyncio event loop in Python code and
//! rewrites them so that they stop blocking it.
//!
//! The modules are layers; each uses only those listed before it (a test,
//! `tests/layers.rs`, keeps it so):
//!
//! 1. [`data`]: source text, encodings, file discovery, the rule registry, the catalogue
//!    of blocking calls, the settings, suppressions, and the findings' types;
//! 2. [`analysis`]: the semantic model, the walk over a module, which calls block, and the
//!    project-wide summaries, index and call graph;
//! 3. [`rules`]: the checker and one file per rule;
//! 4. [`fixes`]: the fix of each kind of finding, the review every fix passes, and the
//!    engine that applies them;
//! 5. [`outputs`]: one file per output format;
//! 6. [`driver`] (the run: what to read, check, cache and fix) and [`cli`] on top.

pub mod analysis;
pub mod cli;
pub mod data;
pub mod driver;
pub mod fixes;
pub mod outputs;
pub mod rules;
