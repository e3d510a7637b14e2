//! Fixes: the rules propose edits ([`crate::data::diagnostic::Fix`]); this module generates
//! the code they insert and applies them.
//!
//! [`review`] is the last word on every fix a rule proposes (names keep their meaning,
//! via [`scope_check`]; a new await point inside a check-then-act is unsafe);
//! [`engine`] applies the fixes of a text pass after pass; [`codegen`] writes awaited
//! calls and calls run in a worker thread ([`codegen::offload_call`] is the entry point
//! for any rule that moves a call off the event loop); [`with_block`] moves a whole
//! `with` block into a thread; [`collect_iterator`] collects a lazy iterator there
//! where a list is equivalent; [`imports`] adds the imports generated code needs, and
//! removes those the fixes leave unused; [`style`] keeps the file's line endings and
//! indentation; [`write`] replaces a file atomically and [`diff`] shows the change
//! instead.
//!
//! A fix function that gives up says why: it returns `checker.no_fix(reason)` instead
//! of `None` ([`crate::rules::checker::Checker::no_fix`]), and the finding carries the reason
//! ("the `with` body contains `await`") to the output.

pub mod codegen;
pub mod collect_iterator;
pub mod diff;
pub mod engine;
pub mod imports;
pub mod review;
pub mod scope_check;
pub mod style;
pub mod with_block;
pub mod write;

pub use codegen::offload_call;
