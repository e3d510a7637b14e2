//! The CI surfaces checked against the real clients: GitHub's toolkit for workflow
//! commands, Microsoft's SARIF validator, the Actions JSON schema, GitHub's OpenAPI and
//! webhook descriptions for the review, pre-commit, and git for `--diff-base`. The
//! clients come from `tests/tools/install.sh`.

mod action;
mod annotations;
mod common;
mod diff_base;
mod pre_commit;
mod review;
mod sarif;
