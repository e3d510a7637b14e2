//! Layer 4, fixes: the fix each kind of finding takes, built when a rule asks for it
//! ([`FixRequest`]), reviewed, and applied.
//!
//! One file per kind of fix: [`blocking_call`] (a catalogue entry's fix: a call or a
//! whole `with` block run in a worker thread, [`collect_iterator`] for a lazy iterator,
//! or the async library's own twin, [`async_twin`], or the called library's,
//! [`library_twin`], which also iterates a Django queryset asynchronously),
//! [`task_reference`] (a dropped
//! task), [`await_coroutine`] (`await` instead of a nested loop or a dropped coroutine)
//! and [`running_loop`]. [`codegen`] writes awaited calls and calls run in a worker
//! thread ([`codegen::offload_call`] is the entry point for any fix that moves a call
//! off the event loop); [`imports`] adds the imports generated code needs and removes
//! those the fixes leave unused; [`style`] keeps the file's line endings and
//! indentation.
//!
//! [`review`] is the last word on every fix (names keep their meaning, via
//! [`scope_check`]; a new await point inside a check-then-act is unsafe); [`engine`]
//! applies the fixes of a text pass after pass and [`diff`] shows the change instead.
//!
//! A fix function that gives up says why: it returns `fixer.no_fix(reason)` instead of
//! `None` ([`Checker::no_fix`]), and the finding carries the reason ("the `with` body
//! contains `await`") to the output.

pub mod async_twin;
pub mod await_coroutine;
pub mod blocking_call;
pub mod codegen;
pub mod collect_iterator;
pub mod diff;
pub mod engine;
pub mod imports;
pub mod library_twin;
pub mod review;
pub mod running_loop;
pub mod scope_check;
pub mod style;
pub mod task_reference;
pub mod with_block;

use std::cell::OnceCell;
use std::ops::Deref;

use ruff_python_ast as ast;
use ruff_text_size::TextSize;

use crate::data::diagnostic::Fix;
use crate::rules::checker::{Checker, FixRequest, ProposeFix};
use imports::Importer;
use scope_check::ModuleScopes;
use style::Stylist;

/// What the fixes of one module share, computed on the first fix that needs it.
pub struct ModuleFixes<'a> {
    module: &'a ast::ModModule,
    source: &'a str,
    stylist: Stylist,
    /// Where imports go and which the module has.
    importer: OnceCell<Importer>,
    /// What the module's names refer to, which fixes are reviewed against.
    module_scopes: OnceCell<ModuleScopes>,
}

impl<'a> ModuleFixes<'a> {
    pub fn new(module: &'a ast::ModModule, source: &'a str) -> Self {
        ModuleFixes {
            module,
            source,
            stylist: Stylist::detect(source),
            importer: OnceCell::new(),
            module_scopes: OnceCell::new(),
        }
    }
}

impl ProposeFix for ModuleFixes<'_> {
    fn propose<'a>(&self, checker: &Checker<'a>, request: FixRequest<'a>) -> Option<Fix> {
        let fixer = Fixer { checker, module: self };
        match request {
            FixRequest::Declined(reason) => fixer.no_fix(reason),
            FixRequest::BlockingCall { call, entry, unsafe_offload } => {
                let fix = blocking_call::fix(&fixer, call, &entry);
                if unsafe_offload { fix.map(Fix::into_unsafe) } else { fix }
            }
            FixRequest::OffloadHelper { call, runner: None } => {
                codegen::offload_call(&fixer, call).map(Fix::into_unsafe)
            }
            FixRequest::OffloadHelper { call, runner: Some(runner) } => library_twin::run_with(&fixer, call, &runner),
            FixRequest::KeepTask { call, statement, creator } => {
                task_reference::keep_task(&fixer, statement, call, &creator)
            }
            FixRequest::InsertAwait { call } => await_coroutine::insert_await(&fixer, call),
            FixRequest::AwaitCoroutine { call } => await_coroutine::instead_of_nested_loop(&fixer, call),
            FixRequest::GetRunningLoop { call } => running_loop::get_running_loop(&fixer, call),
            FixRequest::AsyncEvaluation { form, entry } => library_twin::evaluation(&fixer, &form, &entry),
        }
    }

    fn review(&self, checker: &Checker<'_>, fix: Fix, at: TextSize) -> Option<Fix> {
        review::review(&Fixer { checker, module: self }, fix, at)
    }
}

/// What a fix function works with: the checker at the finding's position (it
/// dereferences to it, and so to the analysis context) and the module's fix facts.
pub struct Fixer<'c, 'a> {
    checker: &'c Checker<'a>,
    module: &'c ModuleFixes<'c>,
}

impl<'a> Deref for Fixer<'_, 'a> {
    type Target = Checker<'a>;

    fn deref(&self) -> &Checker<'a> {
        self.checker
    }
}

impl Fixer<'_, '_> {
    pub fn stylist(&self) -> &Stylist {
        &self.module.stylist
    }

    /// The scope analysis of the module as it is, which fixes are reviewed against.
    pub fn module_scopes(&self) -> &ModuleScopes {
        self.module.module_scopes.get_or_init(|| ModuleScopes::analyse(&self.module.module.body))
    }

    pub fn importer(&self) -> &Importer {
        self.module.importer.get_or_init(|| {
            // The project's own top-level modules sort as first party, as isort finds them.
            let project_modules = self.project().into_iter().flat_map(|project| project.context().top_levels);
            let first_party: Vec<String> = self
                .settings()
                .known_first_party
                .iter()
                .cloned()
                .chain(project_modules.map(|name| name.to_string()))
                .collect();
            Importer::new(self.module.module, self.module.source, &self.module.stylist, &first_party)
        })
    }
}
