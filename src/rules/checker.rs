//! The checker: walks a module once ([`walk_module`]) and hands each call, expression
//! statement and `with` statement to the rules, which read the analysis [`Context`]
//! (the checker dereferences to it) and report findings here.
//!
//! A rule does not build its fix: it says which fix its finding takes ([`FixRequest`]),
//! and the fixes layer, given to the checker as a [`ProposeFix`], builds and reviews it
//! while the walk is at the finding's position. The rules that report only code on
//! the event loop find the coroutine they are in with [`Checker::coroutine_for`].

use std::borrow::Cow;
use std::cell::Cell;

use std::ops::{Deref, DerefMut};

use ruff_python_ast::{self as ast, Expr};
use ruff_python_parser::Parsed;
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::analysis::context::{Context, MAX_EXPRESSION_DEPTH};
use crate::analysis::project::ProjectView;
use crate::analysis::project::summary::{FileSummary, SummaryBuilder};
use crate::analysis::startup::StartupCode;
use crate::analysis::twins::ModuleClients;
use crate::analysis::walk::{Walk, walk_module};
use crate::data::catalogue::{Cost, Entry};
use crate::data::config::{RuleSet, Settings, StartupFindings};
use crate::data::diagnostic::{Diagnostic, Fix, Hop};
use crate::data::registry::{self, RuleInfo};
use crate::rules;

/// The fix a rule asks for a finding; the fixes layer builds it.
pub enum FixRequest<'a> {
    /// No fix, for this reason (the `full` output prints it).
    Declined(Cow<'static, str>),
    /// The fix a blocking call's catalogue entry names (AG101–AG109, AG111–AG116):
    /// `unsafe_offload` when running it in a worker thread may change behaviour.
    BlockingCall { call: &'a ast::ExprCall, entry: Cow<'a, Entry>, unsafe_offload: bool },
    /// Run a call to a project helper that blocks in a worker thread (AG110), with
    /// `runner` where its blocking call's entry names one (Django's ORM thread); unsafe:
    /// the helper's body runs in another thread.
    OffloadHelper { call: &'a ast::ExprCall, runner: Option<String> },
    /// Keep a reference to the task a dropped `create_task` call makes (AG201), when the
    /// call is the whole statement.
    KeepTask { call: &'a ast::ExprCall, statement: &'a ast::StmtExpr, creator: String },
    /// Write `await` before a coroutine function's call (AG202).
    InsertAwait { call: &'a ast::ExprCall },
    /// Await the coroutine instead of starting a nested event loop for it (AG203).
    AwaitCoroutine { call: &'a ast::ExprCall },
    /// `asyncio.get_event_loop()` → `asyncio.get_running_loop()` (AG204).
    GetRunningLoop { call: &'a ast::ExprCall },
    /// Evaluate an object asynchronously where its type's special method blocks (a
    /// queryset iterated: AG116), as `entry` (its catalogue entry) allows.
    AsyncEvaluation { form: Evaluation<'a>, entry: Cow<'a, Entry> },
}

/// How code evaluates an object whose evaluation blocks (a Django queryset).
pub enum Evaluation<'a> {
    /// `for x in qs:`.
    ForLoop(&'a ast::StmtFor),
    /// `[x for x in qs]` (a list, set or dict comprehension); `first`: the comprehension's
    /// first generator, whose iterable is evaluated outside it.
    Comprehension { comprehension: &'a Expr, generator: &'a ast::Comprehension, first: bool },
    /// `list(qs)`, `len(qs)`: a builtin that iterates its only argument.
    Collect { call: &'a ast::ExprCall, argument: &'a Expr },
    /// A form no fix rewrites (indexing, a truth test, a generator expression), and why.
    Unfixable(&'static str),
}

/// The nearest call that makes the object `call` is called on (`conn.execute(…)` in
/// `conn.execute(…).fetchone()`, `client()` in `client()["db"].find()`).
fn receiver_call(call: &ast::ExprCall) -> Option<&ast::ExprCall> {
    let mut node: &Expr = &call.func;
    loop {
        match node {
            Expr::Attribute(attribute) => node = &attribute.value,
            Expr::Subscript(subscript) => node = &subscript.value,
            Expr::Call(receiver) => return Some(receiver),
            _ => return None,
        }
    }
}

/// Builds and reviews the fixes rules ask for: the fixes layer's side of the checker.
pub trait ProposeFix {
    /// The fix `request` asks for at the checker's position, or `None`, having said why
    /// with [`Checker::no_fix`].
    fn propose<'a>(&self, checker: &Checker<'a>, request: FixRequest<'a>) -> Option<Fix>;

    /// The fix as it may be offered, or `None` when it must not be.
    fn review(&self, checker: &Checker<'_>, fix: Fix, at: TextSize) -> Option<Fix>;
}

pub struct Checker<'a> {
    context: Context<'a>,
    enabled: RuleSet,
    fixes: &'a dyn ProposeFix,
    /// Why the fix being computed is not offered, as [`Checker::no_fix`] records it.
    no_fix_reason: Cell<Option<String>>,
    diagnostics: Vec<Diagnostic>,
    /// For each diagnostic of a blocking call, the `def` of the coroutine it is in.
    coroutines: Vec<Option<TextRange>>,
    /// Each call whose receiver is made by another call (`conn.execute(…).fetchone()`,
    /// `make_client().get(…)`): the outer call's range → the inner call's.
    receiver_calls: HashMap<TextRange, TextRange>,
}

/// Runs every enabled rule over one parsed module.
pub fn check_module<'a>(
    source: &'a str,
    parsed: &'a Parsed<ast::ModModule>,
    settings: &'a Settings,
    enabled: RuleSet,
    project: Option<ProjectView<'a>>,
    fixes: &'a dyn ProposeFix,
) -> Vec<Diagnostic> {
    let clients = ModuleClients::of(settings, &parsed.syntax().body);
    let mut checker = Checker::new(Context::new(source, parsed, settings, &clients, project, None), enabled, fixes);
    walk_module(&mut checker, &parsed.syntax().body);
    checker.finish()
}

/// Builds a module's summary for the project-wide analysis and runs the `enabled` rules
/// in the same walk. The summary is `None` when the walk stopped at
/// [`MAX_EXPRESSION_DEPTH`]: such a module is left out of the project.
pub fn check_and_summarize<'a>(
    source: &'a str,
    parsed: &'a Parsed<ast::ModModule>,
    settings: &'a Settings,
    enabled: RuleSet,
    builder: SummaryBuilder<'a>,
    fixes: &'a dyn ProposeFix,
) -> (Option<FileSummary>, Vec<Diagnostic>) {
    let clients = ModuleClients::of(settings, &parsed.syntax().body);
    let context = Context::new(source, parsed, settings, &clients, None, Some(builder));
    let mut checker = Checker::new(context, enabled, fixes);
    walk_module(&mut checker, &parsed.syntax().body);
    let diagnostics = checker.finish();
    (checker.context.finish_summary(), diagnostics)
}

impl<'a> Deref for Checker<'a> {
    type Target = Context<'a>;

    fn deref(&self) -> &Context<'a> {
        &self.context
    }
}

impl<'a> DerefMut for Checker<'a> {
    fn deref_mut(&mut self) -> &mut Context<'a> {
        &mut self.context
    }
}

impl<'a> Walk<'a> for Checker<'a> {
    fn context(&mut self) -> &mut Context<'a> {
        &mut self.context
    }

    fn on_call(&mut self, call: &'a ast::ExprCall) {
        if self.enabled != RuleSet::EMPTY {
            if let Some(receiver) = receiver_call(call) {
                self.receiver_calls.insert(call.range(), receiver.range());
            }
            rules::on_call(self, call);
        }
    }

    fn on_expr_stmt(&mut self, stmt: &'a ast::StmtExpr) {
        rules::on_expr_stmt(self, stmt);
    }

    fn on_with(&mut self, with: &'a ast::StmtWith) {
        rules::on_with(self, with);
    }

    fn on_stmt(&mut self, stmt: &'a ast::Stmt) {
        if self.enabled != RuleSet::EMPTY {
            rules::on_stmt(self, stmt);
        }
    }

    fn on_expr(&mut self, expr: &'a Expr) {
        if self.enabled != RuleSet::EMPTY {
            rules::on_expr(self, expr);
        }
    }

    fn on_too_deep(&mut self, expr: &'a Expr) {
        let message = format!(
            "expression nested more than {MAX_EXPRESSION_DEPTH} levels deep: CPython cannot compile it, and aioguard checks nothing deeper"
        );
        self.report(&registry::SYNTAX_ERROR, expr.range(), message);
    }
}

impl<'a> Checker<'a> {
    fn new(context: Context<'a>, enabled: RuleSet, fixes: &'a dyn ProposeFix) -> Self {
        Checker {
            context,
            enabled,
            fixes,
            no_fix_reason: Cell::new(None),
            diagnostics: Vec::new(),
            coroutines: Vec::new(),
            receiver_calls: HashMap::default(),
        }
    }

    /// The findings of the walk, one per chain of calls that block: a call whose
    /// receiver is made by a call that blocks (`conn.execute(…).fetchone()`) is reported
    /// at that call, which blocks first, and not again for itself.
    fn finish(&mut self) -> Vec<Diagnostic> {
        let mut diagnostics = std::mem::take(&mut self.diagnostics);
        self.mark_startup(&mut diagnostics);
        if self.receiver_calls.is_empty() {
            return diagnostics;
        }
        let blocking: HashSet<TextRange> = diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.rule.reports_blocking())
            .map(|diagnostic| diagnostic.range)
            .collect();
        let blocks_before = |mut range: TextRange| {
            while let Some(&receiver) = self.receiver_calls.get(&range) {
                if blocking.contains(&receiver) {
                    return true;
                }
                range = receiver;
            }
            false
        };
        diagnostics.retain(|diagnostic| !(diagnostic.rule.reports_blocking() && blocks_before(diagnostic.range)));
        diagnostics
    }

    /// Tags the blocking calls in start-up and shutdown code, or leaves them out as the
    /// configuration says.
    fn mark_startup(&mut self, diagnostics: &mut Vec<Diagnostic>) {
        let coroutines = std::mem::take(&mut self.coroutines);
        if coroutines.iter().all(Option::is_none) {
            return;
        }
        let body = &self.context.module().body;
        let startup = StartupCode::of(&mut self.context, body);
        for (diagnostic, coroutine) in diagnostics.iter_mut().zip(coroutines) {
            diagnostic.startup = coroutine.is_some_and(|def| startup.contains(def, diagnostic.range.start()));
        }
        if self.settings().startup_findings == StartupFindings::Hide {
            diagnostics.retain(|diagnostic| !diagnostic.startup);
        }
    }

    pub fn is_enabled(&self, rule: &RuleInfo) -> bool {
        self.enabled.contains(rule)
    }

    /// The function running the current position on the event loop (an `async def`, or
    /// a sync function `loop-entry-points` names), when `rule` is enabled: the guard of
    /// every rule that reports only code on the loop.
    pub fn coroutine_for(&self, rule: &RuleInfo) -> Option<&'a ast::StmtFunctionDef> {
        if self.is_enabled(rule) { self.loop_function() } else { None }
    }

    /// Reports a finding without a fix.
    pub fn report(&mut self, rule: &'static RuleInfo, range: TextRange, message: String) {
        self.report_with_chain(rule, range, message, Vec::new(), None);
    }

    /// Reports a finding with the fix `fix` asks for; the fix is built only when the
    /// rule is enabled.
    pub fn report_with_fix(&mut self, rule: &'static RuleInfo, range: TextRange, message: String, fix: FixRequest<'a>) {
        self.report_with_chain(rule, range, message, Vec::new(), Some(fix));
    }

    /// Reports a finding that a chain of calls explains, with the fix `fix` asks for.
    pub fn report_with_chain(
        &mut self,
        rule: &'static RuleInfo,
        range: TextRange,
        message: String,
        chain: Vec<Hop>,
        fix: Option<FixRequest<'a>>,
    ) {
        self.push(rule, range, message, chain, None, fix);
    }

    /// Reports a blocking call that costs `cost` (for AG110, the costliest call its chain
    /// reaches), unless `min-cost` leaves such calls unreported for the rule.
    pub fn report_blocking(
        &mut self,
        rule: &'static RuleInfo,
        range: TextRange,
        message: String,
        cost: Cost,
        chain: Vec<Hop>,
        fix: FixRequest<'a>,
    ) {
        if self.settings().min_costs.reports(rule, cost) {
            self.push(rule, range, message, chain, Some(cost), Some(fix));
        }
    }

    fn push(
        &mut self,
        rule: &'static RuleInfo,
        range: TextRange,
        message: String,
        chain: Vec<Hop>,
        cost: Option<Cost>,
        fix: Option<FixRequest<'a>>,
    ) {
        if self.is_enabled(rule) {
            self.no_fix_reason.set(None);
            let proposed = match fix {
                None => None,
                Some(FixRequest::Declined(reason)) => self.no_fix(reason),
                Some(request) => self.fixes.propose(self, request),
            };
            if proposed.is_some() {
                // A reason an alternative that was given up on left is not the fix's.
                self.no_fix_reason.set(None);
            }
            let fix = proposed.and_then(|fix| self.fixes.review(self, fix, range.start()));
            let no_fix_reason = self.no_fix_reason.take().filter(|_| fix.is_none());
            let coroutine = self.semantic().enclosing_coroutine().filter(|_| cost.is_some()).map(Ranged::range);
            self.coroutines.push(coroutine);
            let startup = false;
            self.diagnostics.push(Diagnostic { rule, range, message, fix, no_fix_reason, chain, cost, startup });
        }
    }

    /// Declines the fix being computed, saying why (`"the `with` body contains `await`"`):
    /// a fix function returns `checker.no_fix(reason)` where it gives up, and the finding
    /// carries the reason. The first reason recorded for a finding is kept.
    pub fn no_fix<T>(&self, reason: impl Into<String>) -> Option<T> {
        let recorded = self.no_fix_reason.take();
        self.no_fix_reason.set(recorded.or_else(|| Some(reason.into())));
        None
    }
}
