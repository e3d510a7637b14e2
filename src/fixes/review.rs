//! The review every fix passes before it is offered, whatever rule proposed it:
//!
//! - **Names keep their meaning.** The fix is applied to the module and the result is
//!   analysed again ([`scope_check`]); a fix after which a name would refer to another
//!   variable, or a generated function would read a local before assigning it, is
//!   refused.
//! - **A new await point in a check-then-act is unsafe.** Every fix that writes an
//!   `await` lets other tasks run there. Where the coroutine reads an attribute of
//!   `self` (or a module global) before that point and writes it after, with no `await`
//!   between them before, another task can now change it in between: a safe fix
//!   becomes unsafe.
//!
//! [`scope_check`]: super::scope_check

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};
use ruff_python_parser::parse_module;
use ruff_text_size::{Ranged, TextSize};

use super::engine::apply_edits;
use super::scope_check::{ModuleScopes, changed_bindings};
use crate::data::diagnostic::{Applicability, Fix};
use crate::fixes::Fixer;

/// The fix as it may be offered, or `None` when it must not be.
pub fn review(fixer: &Fixer<'_, '_>, fix: Fix, at: TextSize) -> Option<Fix> {
    let fixed = apply_edits(fixer.source(), fix.edits.iter().collect());
    // A fix whose result does not parse is refused by the engine, which names it.
    if let Ok(parsed) = parse_module(&fixed)
        && let Some(reason) = changed_bindings(fixer.module_scopes(), &ModuleScopes::analyse(&parsed.syntax().body))
    {
        return fixer.no_fix(format!("after the fix, {reason}"));
    }
    if fix.applicability == Applicability::Safe && writes_await(&fix) && interrupts_check_then_act(fixer, at) {
        return Some(fix.into_unsafe());
    }
    Some(fix)
}

fn writes_await(fix: &Fix) -> bool {
    fix.edits.iter().any(|edit| edit.content.split(|c: char| !c.is_alphanumeric() && c != '_').any(|w| w == "await"))
}

/// Whether an `await` at `at`, in the coroutine being checked, falls between a read and
/// a later write of the same `self` attribute or module global that had no `await`
/// between them.
fn interrupts_check_then_act(fixer: &Fixer<'_, '_>, at: TextSize) -> bool {
    let Some(coroutine) = fixer.semantic().enclosing_coroutine() else { return false };
    let receiver = coroutine.parameters.posonlyargs.first().or(coroutine.parameters.args.first());
    let mut events = SharedStateEvents {
        receiver: receiver.map(|parameter| parameter.parameter.name.as_str()),
        globals: declared_globals(&coroutine.body),
        module_names: |name: &str| fixer.semantic().scopes()[0].get(name).is_some(),
        locals: local_names(coroutine),
        reads: Vec::new(),
        writes: Vec::new(),
        awaits: Vec::new(),
    };
    events.visit_body(&coroutine.body);
    events.reads.iter().filter(|(_, read)| *read < at).any(|(state, read)| {
        events.writes.iter().any(|(written, write)| {
            written == state
                && *write >= at
                && !events.awaits.iter().any(|existing| *read < *existing && *existing < *write)
        })
    })
}

fn declared_globals(body: &[Stmt]) -> Vec<&str> {
    body.iter()
        .filter_map(|stmt| match stmt {
            Stmt::Global(global) => Some(global.names.iter().map(|name| name.as_str())),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The coroutine's parameters and the names it assigns (its local variables).
fn local_names(coroutine: &ast::StmtFunctionDef) -> Vec<&str> {
    #[derive(Default)]
    struct Stores<'a>(Vec<&'a str>);
    impl<'a> Visitor<'a> for Stores<'a> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                visitor::walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(name) = expr
                && name.ctx != ExprContext::Load
            {
                self.0.push(name.id.as_str());
            }
            if !matches!(expr, Expr::Lambda(_)) {
                visitor::walk_expr(self, expr);
            }
        }
    }
    let mut stores = Stores::default();
    stores.visit_body(&coroutine.body);
    stores.0.extend(coroutine.parameters.iter().map(|parameter| parameter.name().as_str()));
    stores.0
}

/// Reads and writes of shared state (`self.x`, module globals) and awaits, by position;
/// an assignment writes when its statement ends.
struct SharedStateEvents<'a, F> {
    receiver: Option<&'a str>,
    globals: Vec<&'a str>,
    module_names: F,
    locals: Vec<&'a str>,
    reads: Vec<(String, TextSize)>,
    writes: Vec<(String, TextSize)>,
    awaits: Vec<TextSize>,
}

impl<'a, F: Fn(&str) -> bool> SharedStateEvents<'a, F> {
    /// `self.x`, `self.x[k]`, `self.x.y` → `self.x`; a global `G`, `G[k]`, `G.y` → `G`.
    fn shared_state(&self, expr: &Expr) -> Option<String> {
        let mut expr = expr;
        loop {
            match expr {
                Expr::Attribute(attribute) => match &*attribute.value {
                    Expr::Name(name) if Some(name.id.as_str()) == self.receiver => {
                        return Some(format!("self.{}", attribute.attr));
                    }
                    value => expr = value,
                },
                Expr::Subscript(subscript) => expr = &subscript.value,
                Expr::Name(name) => {
                    let name = name.id.as_str();
                    let is_global =
                        self.globals.contains(&name) || (!self.locals.contains(&name) && (self.module_names)(name));
                    return is_global.then(|| name.to_owned());
                }
                _ => return None,
            }
        }
    }

    fn write_targets(&mut self, targets: &[&'a Expr], at: TextSize) {
        for target in targets {
            match target {
                Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                    self.write_targets(&elts.iter().collect::<Vec<_>>(), at)
                }
                Expr::Starred(starred) => self.write_targets(&[&starred.value], at),
                target => {
                    if let Some(state) = self.shared_state(target) {
                        self.writes.push((state, at));
                    }
                    // What a subscript or attribute target evaluates is read first.
                    if let Expr::Subscript(subscript) = target {
                        self.visit_expr(&subscript.value);
                        self.visit_expr(&subscript.slice);
                    } else if let Expr::Attribute(attribute) = target {
                        self.visit_expr(&attribute.value);
                    }
                }
            }
        }
    }
}

impl<'a, F: Fn(&str) -> bool> Visitor<'a> for SharedStateEvents<'a, F> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            Stmt::Assign(assign) => {
                self.visit_expr(&assign.value);
                self.write_targets(&assign.targets.iter().collect::<Vec<_>>(), stmt.end());
            }
            Stmt::AnnAssign(ast::StmtAnnAssign { target, value: Some(value), .. }) => {
                self.visit_expr(value);
                self.write_targets(&[target], stmt.end());
            }
            Stmt::AugAssign(assign) => {
                if let Some(state) = self.shared_state(&assign.target) {
                    self.reads.push((state, assign.target.start()));
                }
                self.visit_expr(&assign.value);
                self.write_targets(&[&assign.target], stmt.end());
            }
            Stmt::Delete(delete) => self.write_targets(&delete.targets.iter().collect::<Vec<_>>(), stmt.end()),
            Stmt::For(ast::StmtFor { is_async: true, .. }) | Stmt::With(ast::StmtWith { is_async: true, .. }) => {
                self.awaits.push(stmt.start());
                visitor::walk_stmt(self, stmt);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Lambda(_) => return,
            Expr::Await(_) => self.awaits.push(expr.start()),
            Expr::Attribute(_) | Expr::Name(_) => {
                if let Some(state) = self.shared_state(expr) {
                    self.reads.push((state, expr.start()));
                }
            }
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use crate::data::config::{Options, Overrides, Settings};
    use crate::data::diagnostic::Applicability;
    use crate::driver::linter;

    fn applicabilities(text: &str) -> Vec<Option<Applicability>> {
        let settings = Settings::new(Options::default(), ".".into(), None, &Overrides::default()).unwrap();
        let diagnostics = linter::check_text(text, &settings, settings.rules, None);
        diagnostics.iter().map(|diagnostic| diagnostic.fix.as_ref().map(|fix| fix.applicability)).collect()
    }

    #[test]
    fn a_new_await_between_reading_and_writing_self_state_is_unsafe() {
        let check_then_act = "import os\n\nclass Cache:\n    async def load(self, key, path):\n        if key not in self.entries:\n            size = os.path.getsize(path)\n            self.entries[key] = size\n";
        assert_eq!(applicabilities(check_then_act), [Some(Applicability::Unsafe)]);
        let already_awaits = "import asyncio, os\n\nclass Cache:\n    async def load(self, key, path):\n        if key not in self.entries:\n            await asyncio.sleep(0)\n            size = os.path.getsize(path)\n            self.entries[key] = size\n";
        assert_eq!(applicabilities(already_awaits), [Some(Applicability::Safe)]);
        let no_shared_state = "import os\n\nasync def size(path):\n    return os.path.getsize(path)\n";
        assert_eq!(applicabilities(no_shared_state), [Some(Applicability::Safe)]);
    }

    #[test]
    fn a_new_await_inside_a_global_counter_update_is_unsafe() {
        let text = "import os\n\nTOTAL = 0\n\nasync def add(path):\n    global TOTAL\n    TOTAL = TOTAL + os.path.getsize(path)\n";
        assert_eq!(applicabilities(text), [Some(Applicability::Unsafe)]);
    }
}
