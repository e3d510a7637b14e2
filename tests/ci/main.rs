//! The CI surfaces and the packages checked against the real clients: GitHub's toolkit for
//! workflow commands, Microsoft's SARIF validator, the Actions JSON schemas, actionlint,
//! GitHub's OpenAPI and webhook descriptions for the review, pre-commit, git for
//! `--diff-base`, and maturin, pip and twine for the wheel. The clients come from
//! `tests/tools/install.sh`.

mod action;
mod action_install;
mod annotations;
mod common;
mod diff_base;
mod package;
mod pre_commit;
mod review;
mod sarif;
mod workflows;
