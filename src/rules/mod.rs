//! Layer 3, the rules: one file per rule, opening with the documentation that
//! `aioguard rule CODE` prints (the registry, `data/registry.rs`, holds each rule's
//! code, name and summary).
//!
//! Rules do not walk the tree: the [`checker`] walks each module once and calls the
//! `on_*` hooks below with the node at hand; a rule reads the analysis context and
//! reports through the checker, naming the fix its finding takes
//! ([`checker::FixRequest`]), which the fixes layer builds. The blocking-call family
//! shares [`blocking_call`]: which calls block is the catalogue's data, resolved by
//! `analysis/blocking`.

use ruff_python_ast as ast;

use crate::rules::checker::Checker;

pub mod blocking_call;
pub mod blocking_configured;
pub mod blocking_cpu;
pub mod blocking_database;
pub mod blocking_filesystem;
pub mod blocking_http;
pub mod blocking_input;
pub mod blocking_lock;
pub mod blocking_network_client;
pub mod blocking_open;
pub mod blocking_orm;
pub mod blocking_sdk_client;
pub mod blocking_sleep;
pub mod blocking_socket;
pub mod blocking_subprocess;
pub mod blocking_via_helper;
pub mod blocking_wait;
pub mod checker;
pub mod dangling_task;
pub mod get_event_loop_in_coroutine;
pub mod nested_event_loop;
pub mod syntax_error;
pub mod unawaited_coroutine;
pub mod unused_noqa;

pub(crate) fn on_call<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall) {
    blocking_call::check(checker, call);
    blocking_via_helper::check(checker, call);
    nested_event_loop::check(checker, call);
    get_event_loop_in_coroutine::check(checker, call);
    dangling_task::check_call(checker, call);
}

pub(crate) fn on_expr_stmt<'a>(checker: &mut Checker<'a>, stmt: &'a ast::StmtExpr) {
    dangling_task::check(checker, stmt);
    unawaited_coroutine::check(checker, stmt);
}

pub(crate) fn on_with<'a>(checker: &mut Checker<'a>, with: &'a ast::StmtWith) {
    blocking_lock::check_with(checker, with);
}

pub(crate) fn on_stmt<'a>(checker: &mut Checker<'a>, stmt: &'a ast::Stmt) {
    match stmt {
        ast::Stmt::For(for_stmt) => blocking_orm::check_for(checker, for_stmt),
        ast::Stmt::Return(return_stmt) => unawaited_coroutine::check_return(checker, return_stmt),
        _ => blocking_orm::check_stmt(checker, stmt),
    }
}

pub(crate) fn on_expr<'a>(checker: &mut Checker<'a>, expr: &'a ast::Expr) {
    blocking_orm::check_expr(checker, expr);
    blocking_via_helper::check_special(checker, expr);
}
