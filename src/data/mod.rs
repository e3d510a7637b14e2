//! Layer 1, data: what every other layer reads and nothing here computes about code.
//!
//! The source text and its line index ([`source`]), how files are decoded
//! ([`encoding`]), which files are checked ([`discovery`]), the rule registry
//! ([`registry`]: codes, names, selectors, documentation), the catalogue of blocking calls
//! ([`catalogue`]), the settings ([`config`]), where the project's Python environment and
//! its packages are ([`environment`]), suppression comments ([`noqa`]), what a check
//! produces ([`diagnostic`]), and which release of a library the project uses
//! ([`versions`]).

pub mod catalogue;
pub mod config;
pub mod diagnostic;
pub mod discovery;
pub mod encoding;
pub mod environment;
pub mod noqa;
pub mod registry;
pub mod source;
pub mod suggest;
pub mod versions;
