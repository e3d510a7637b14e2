//! Layer 2, analysis: what the code means, for the rules to read.
//!
//! The [`semantic`] model resolves names and tracks the types of objects; [`walk`] visits
//! a module once, keeping that model in step with the position being visited;
//! [`blocking`] tells whether a call is one the catalogue lists as blocking; the
//! [`project`] summarizes modules, indexes them across the project and finds the
//! functions that block through other functions; [`twins`] learns the sync clients with
//! an async twin from the packages of the project's environment.

pub mod blocking;
pub mod context;
pub mod project;
pub mod semantic;
pub mod startup;
pub mod twins;
pub mod walk;
