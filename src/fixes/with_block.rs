//! Moving a whole `with` block off the event loop. `with open(p) as f: data = f.read()`
//! cannot be fixed call by call (the file object is used throughout the block), so the
//! block becomes a nested synchronous function run in a worker thread:
//!
//! ```python
//! def _blocking_io():
//!     with open(p) as f:
//!         data = f.read()
//!     return data
//! data = await asyncio.to_thread(_blocking_io)
//! ```
//!
//! Names keep their bindings. A name the block assigns that the coroutine binds too
//! (`n = 0` before `n += len(f.read())`, a parameter, a loop variable) is declared
//! `nonlocal` in the helper, so the block reads and assigns the coroutine's variable as
//! before. A name only the block binds and the rest of the coroutine reads is returned
//! and re-bound; a block that ends in `return` returns the helper's result. A block is
//! left alone when moving it could change what it does: it awaits, yields or uses an
//! `async` construct, `break`s or `continue`s out of it, declares `global`/`nonlocal`,
//! assigns a name the coroutine declares `global`/`nonlocal`, deletes a name, calls
//! `super()`/`locals()`-like functions, or conditionally assigns a name read after it.

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::FxHashSet as HashSet;

use crate::analysis::walk::suites;
use crate::data::diagnostic::{Edit, Fix};
use crate::fixes::Fixer;
use crate::fixes::codegen::{CANNOT_AWAIT_HERE, ThreadCall, unused_name};
use crate::fixes::scope_check::pattern_capture;
use crate::fixes::style;

/// The helper's name, with a number appended while it is taken.
const HELPER_NAME: &str = "_blocking_io";

/// Indentation used when neither the block nor its function shows one.
const DEFAULT_INDENT: &str = "    ";

/// Calls whose meaning depends on the frame they run in.
const FRAME_SENSITIVE_CALLS: &[&str] = &["super", "locals", "vars", "dir", "exec", "eval"];

/// Offloads the `with` statement `with` (in the coroutine being checked) to a worker
/// thread. Unsafe: the block runs in another thread, which matters to thread-local state.
pub fn offload_with_block(fixer: &Fixer<'_, '_>, with: &ast::StmtWith) -> Option<Fix> {
    if with.is_async {
        return None;
    }
    if !fixer.can_await_here() {
        return fixer.no_fix(CANNOT_AWAIT_HERE);
    }
    let function = fixer.semantic().enclosing_coroutine()?;
    let source = fixer.source();
    let Some(indent) = style::indentation_at(source, with.start()) else {
        return fixer.no_fix("the `with` statement shares its line with other code");
    };
    if spans_multiline_string(fixer, with.range()) {
        return fixer.no_fix("the `with` block holds a multi-line string, which re-indenting would change");
    }

    let block = match BlockFacts::collect(with) {
        Ok(block) => block,
        Err(reason) => return fixer.no_fix(reason),
    };
    let outside = OutsideFacts::collect(function, with.range());
    // In the helper such an assignment would bind a local of its own instead.
    if let Some(name) = block.bound.iter().find(|name| outside.declared_outer.contains(*name)) {
        return fixer
            .no_fix(format!("the `with` block assigns `{name}`, which the coroutine declares `global` or `nonlocal`"));
    }
    // The coroutine's own variables stay the coroutine's: the helper declares them `nonlocal`.
    let shared: Vec<&str> = block.bound.iter().copied().filter(|name| outside.bound.contains(name)).collect();
    let ends_in_return = matches!(with.body.last(), Some(Stmt::Return(_)));
    let exports: Vec<&str> = if block.has_return {
        // Only a block that always returns can hand its result back as a `return`.
        if !ends_in_return || outside.yields {
            return fixer.no_fix("the `with` block returns on some paths only, or the coroutine is a generator");
        }
        Vec::new()
    } else {
        let in_loop = fixer
            .statements()
            .iter()
            .rev()
            .take_while(|stmt| !stmt.is_function_def_stmt())
            .any(|stmt| matches!(stmt, Stmt::For(_) | Stmt::While(_)));
        let following =
            fixer.statements().iter().rev().nth(1).map_or(&[][..], |parent| following_siblings(parent, with.range()));
        let exports: Vec<&str> = block
            .bound
            .iter()
            .copied()
            .filter(|name| !shared.contains(name))
            .filter(|name| {
                outside.loaded_in_nested_scope.contains(name)
                    || (in_loop && outside.loaded.iter().any(|(loaded, _)| loaded == name))
                    || is_read_after(name, following, &outside, with.end())
            })
            .collect();
        let definite = definitely_bound(with);
        if let Some(name) = exports.iter().find(|name| !definite.contains(*name)) {
            return fixer
                .no_fix(format!("the `with` block may leave `{name}` unassigned, and it is read after the block"));
        }
        exports
    };

    let thread = ThreadCall::for_module(fixer, false)?;
    let helper = unused_name(fixer, function.range(), HELPER_NAME);
    let unit = indent_unit(fixer, with, function, indent);
    let line_ending = fixer.stylist().line_ending();
    let range = TextRange::new(style::line_start(source, with.start()), style::line_end(source, with.end()));
    // Blank lines set the helper apart where the coroutine's body has blank lines of its
    // own (none before it when it opens its block or follows a blank or a comment line).
    let body = TextRange::new(function.body[0].start(), function.body[function.body.len() - 1].end());
    let spaced = has_blank_line(&source[body]);
    let blank_before = spaced && follows_code(source, range.start());
    let mut text = format!("{}{indent}def {helper}():{line_ending}", if blank_before { line_ending } else { "" });
    if !shared.is_empty() {
        text.push_str(&format!("{indent}{unit}nonlocal {}{line_ending}", shared.join(", ")));
    }
    let break_char = line_ending.chars().last().unwrap_or('\n');
    for line in source[range].split_inclusive(break_char) {
        if !line.trim().is_empty() {
            text.push_str(unit);
        }
        text.push_str(line);
    }
    text.push_str(line_ending);
    let names = exports.join(", ");
    if !block.has_return && !exports.is_empty() {
        text.push_str(&format!("{indent}{unit}return {names}{line_ending}"));
    }
    if spaced {
        text.push_str(line_ending);
    }
    let run = thread.await_without_arguments(&helper);
    if block.has_return {
        text.push_str(&format!("{indent}return {run}"));
    } else if exports.is_empty() {
        text.push_str(&format!("{indent}{run}"));
    } else {
        text.push_str(&format!("{indent}{names} = {run}"));
    }
    let mut edits = vec![Edit::replace(range, text)];
    edits.extend(thread.imports);
    let message = format!("Run the `with` block in a worker thread with `await {}()`", thread.runner);
    // The helper's name is unused in the function only until another fix of the pass adds one.
    Some(Fix::unsafe_edits(message, edits).isolated_in(function.range()))
}

/// Whether `text` has a line with nothing but whitespace on it.
fn has_blank_line(text: &str) -> bool {
    text.lines().skip(1).any(|line| line.trim().is_empty())
}

/// Whether the line before `line_start` is code that does not open a block: not blank,
/// not a comment, not ending in `:`.
fn follows_code(source: &str, line_start: TextSize) -> bool {
    let before = &source[..line_start.to_usize()];
    let before = before.strip_suffix("\r\n").or_else(|| before.strip_suffix(['\n', '\r'])).unwrap_or(before);
    let previous = before[before.rfind(['\n', '\r']).map_or(0, |index| index + 1)..].trim();
    !(previous.is_empty() || previous.starts_with('#') || previous.ends_with(':'))
}

/// Whether a string literal inside `range` spans lines: re-indenting would change it.
fn spans_multiline_string(fixer: &Fixer<'_, '_>, range: TextRange) -> bool {
    fixer.tokens().in_range(range).iter().any(|token| {
        matches!(token.kind(), TokenKind::String | TokenKind::FStringMiddle | TokenKind::TStringMiddle)
            && fixer.source()[token.range()].contains(['\n', '\r'])
    })
}

/// One level of the file's indentation: what the block adds to its `with` line, or
/// what the function body adds to its `def` line.
fn indent_unit<'s>(
    fixer: &Fixer<'_, 's>,
    with: &ast::StmtWith,
    function: &ast::StmtFunctionDef,
    indent: &str,
) -> &'s str {
    let source = fixer.source();
    let deeper = |outer: &str, inner_start| {
        style::indentation_at(source, inner_start)
            .and_then(|inner| inner.strip_prefix(outer))
            .filter(|unit| !unit.is_empty())
    };
    let def_indent = style::indentation_at(source, function.start()).unwrap_or_default();
    with.body
        .first()
        .and_then(|first| deeper(indent, first.start()))
        .or_else(|| function.body.first().and_then(|first| deeper(def_indent, first.start())))
        .unwrap_or(DEFAULT_INDENT)
}

/// Whether the code after the block may read the value `name` has when the block
/// ends: the statements following it in its suite are looked at in order, and one that
/// rebinds `name` without reading it first ends the search; past them, any read after
/// the block counts.
fn is_read_after(name: &str, following: &[Stmt], outside: &OutsideFacts<'_>, block_end: TextSize) -> bool {
    for stmt in following {
        let reads = |expr: &Expr| reads_name(expr, name);
        let rebinds = |target: &Expr| stores_name(target, name);
        let (reads_first, rebinds_then) = match stmt {
            Stmt::Assign(assign) => {
                (reads(&assign.value) || assign.targets.iter().any(reads), assign.targets.iter().any(rebinds))
            }
            Stmt::With(inner) => (
                inner.items.iter().any(|item| reads(&item.context_expr)),
                inner.items.iter().filter_map(|item| item.optional_vars.as_deref()).any(rebinds),
            ),
            _ => (false, false),
        };
        if reads_first {
            return true;
        }
        if rebinds_then {
            return false;
        }
        if statement_reads_name(stmt, name) {
            return true;
        }
    }
    let after = following.last().map_or(block_end, Ranged::end);
    outside.loaded.iter().any(|(loaded, at)| *loaded == name && *at >= after)
}

/// The statements after the one at `range` in the suite of `parent` that holds it.
fn following_siblings(parent: &Stmt, range: TextRange) -> &[Stmt] {
    suites(parent)
        .into_iter()
        .find_map(|suite| {
            let index = suite.iter().position(|stmt| stmt.range() == range)?;
            Some(&suite[index + 1..])
        })
        .unwrap_or_default()
}

fn reads_name(expr: &Expr, name: &str) -> bool {
    let mut names = NameUses::default();
    names.visit_expr(expr);
    names.loaded.contains(&name)
}

fn stores_name(target: &Expr, name: &str) -> bool {
    let mut names = NameUses::default();
    names.visit_expr(target);
    names.stored.contains(&name)
}

fn statement_reads_name(stmt: &Stmt, name: &str) -> bool {
    let mut names = NameUses::default();
    names.visit_stmt(stmt);
    names.loaded.contains(&name)
}

/// The `as` targets of a `with` statement's items.
fn with_targets(with: &ast::StmtWith) -> HashSet<&str> {
    let mut names = NameUses::default();
    for vars in with.items.iter().filter_map(|item| item.optional_vars.as_deref()) {
        names.visit_expr(vars);
    }
    names.stored.into_iter().collect()
}

/// The names that the block's own statements bind on every path through it: the
/// `as` targets of the `with`, and the targets of its top-level statements.
fn definitely_bound(with: &ast::StmtWith) -> HashSet<&str> {
    fn add_targets<'a>(target: &'a Expr, names: &mut HashSet<&'a str>) {
        let mut collector = NameUses::default();
        collector.visit_expr(target);
        names.extend(collector.stored);
    }
    let mut names = with_targets(with);
    for stmt in &with.body {
        match stmt {
            Stmt::Assign(assign) => assign.targets.iter().for_each(|target| add_targets(target, &mut names)),
            Stmt::AnnAssign(ast::StmtAnnAssign { target, value: Some(_), .. })
            | Stmt::AugAssign(ast::StmtAugAssign { target, .. }) => add_targets(target, &mut names),
            Stmt::FunctionDef(function) => {
                names.insert(function.name.as_str());
            }
            Stmt::ClassDef(class) => {
                names.insert(class.name.as_str());
            }
            Stmt::Import(_) | Stmt::ImportFrom(_) => header_bindings(stmt, |name| {
                names.insert(name);
            }),
            Stmt::With(inner) => {
                for item in &inner.items {
                    if let Some(vars) = &item.optional_vars {
                        add_targets(vars, &mut names);
                    }
                }
            }
            _ => {}
        }
    }
    names
}

/// The names an import or a `try` statement binds itself (not in its body, and not
/// through assignment targets): imported names, `except ... as name`.
fn header_bindings<'a>(stmt: &'a Stmt, mut bind: impl FnMut(&'a str)) {
    match stmt {
        Stmt::Import(ast::StmtImport { names, .. }) | Stmt::ImportFrom(ast::StmtImportFrom { names, .. }) => {
            for alias in names {
                let bound = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                bind(bound.split('.').next().unwrap_or(bound));
            }
        }
        Stmt::Try(try_stmt) => {
            for ast::ExceptHandler::ExceptHandler(handler) in &try_stmt.handlers {
                if let Some(name) = &handler.name {
                    bind(name.as_str());
                }
            }
        }
        _ => {}
    }
}

/// The names an expression or statement reads and stores, nested scopes included.
#[derive(Default)]
struct NameUses<'a> {
    loaded: Vec<&'a str>,
    stored: Vec<&'a str>,
}

impl<'a> Visitor<'a> for NameUses<'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(name) = expr {
            match name.ctx {
                ExprContext::Load => self.loaded.push(name.id.as_str()),
                _ => self.stored.push(name.id.as_str()),
            }
        }
        visitor::walk_expr(self, expr);
    }
}

/// What the block binds, reads and does, outside nested functions and classes.
#[derive(Default)]
struct BlockFacts<'a> {
    /// In order of first binding.
    bound: Vec<&'a str>,
    has_return: bool,
    /// Something that cannot move into a nested function, said as why the block stays.
    escape: Option<&'static str>,
    loop_depth: u32,
    nested_scope_depth: u32,
    /// Inside a comprehension, whose targets are its own (a walrus still binds outside it).
    comprehension_depth: u32,
}

impl<'a> BlockFacts<'a> {
    /// The error says why the block cannot be moved.
    fn collect(with: &'a ast::StmtWith) -> Result<Self, &'static str> {
        let mut facts = BlockFacts::default();
        for item in &with.items {
            facts.visit_with_item(item);
        }
        facts.visit_body(&with.body);
        match facts.escape {
            Some(reason) => Err(reason),
            None => Ok(facts),
        }
    }

    /// Records why the block cannot move (the first reason found is kept).
    fn escapes(&mut self, reason: &'static str) {
        self.escape.get_or_insert(reason);
    }

    fn bind(&mut self, name: &'a str) {
        if self.nested_scope_depth == 0 && !self.bound.contains(&name) {
            self.bound.push(name);
        }
    }

    fn in_nested_scope(&mut self, walk: impl FnOnce(&mut Self)) {
        self.nested_scope_depth += 1;
        walk(self);
        self.nested_scope_depth -= 1;
    }
}

impl<'a> Visitor<'a> for BlockFacts<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        let in_block = self.nested_scope_depth == 0;
        match stmt {
            Stmt::FunctionDef(function) => {
                self.bind(function.name.as_str());
                self.in_nested_scope(|facts| visitor::walk_stmt(facts, stmt));
                return;
            }
            Stmt::ClassDef(class) => {
                self.bind(class.name.as_str());
                self.in_nested_scope(|facts| visitor::walk_stmt(facts, stmt));
                return;
            }
            Stmt::Global(_) | Stmt::Nonlocal(_) => {
                self.escapes("the `with` body declares `global` or `nonlocal` names")
            }
            Stmt::Return(_) if in_block => self.has_return = true,
            Stmt::Break(_) | Stmt::Continue(_) if in_block && self.loop_depth == 0 => {
                self.escapes("the `with` body uses `break` or `continue` on a loop around it")
            }
            Stmt::For(ast::StmtFor { is_async: true, .. }) | Stmt::With(ast::StmtWith { is_async: true, .. })
                if in_block =>
            {
                self.escapes("the `with` body contains `async for` or `async with`")
            }
            Stmt::Delete(delete) if delete.targets.iter().any(Expr::is_name_expr) => {
                self.escapes("the `with` body deletes a name")
            }
            Stmt::Import(_) | Stmt::ImportFrom(_) | Stmt::Try(_) => header_bindings(stmt, |name| self.bind(name)),
            Stmt::For(_) | Stmt::While(_) => {
                self.loop_depth += 1;
                visitor::walk_stmt(self, stmt);
                self.loop_depth -= 1;
                return;
            }
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        let in_block = self.nested_scope_depth == 0;
        match expr {
            Expr::Name(name) if name.ctx != ExprContext::Load && self.comprehension_depth == 0 => {
                self.bind(name.id.as_str())
            }
            Expr::Named(named) => {
                if let Expr::Name(target) = &*named.target {
                    self.bind(target.id.as_str());
                }
                self.visit_expr(&named.value);
                return;
            }
            Expr::Await(_) if in_block => self.escapes("the `with` body contains `await`"),
            Expr::Yield(_) | Expr::YieldFrom(_) if in_block => self.escapes("the `with` body contains `yield`"),
            Expr::ListComp(ast::ExprListComp { generators, .. })
            | Expr::SetComp(ast::ExprSetComp { generators, .. })
            | Expr::DictComp(ast::ExprDictComp { generators, .. })
            | Expr::Generator(ast::ExprGenerator { generators, .. }) => {
                if in_block && generators.iter().any(|generator| generator.is_async) {
                    self.escapes("the `with` body contains an `async` comprehension");
                }
                self.comprehension_depth += 1;
                visitor::walk_expr(self, expr);
                self.comprehension_depth -= 1;
                return;
            }
            Expr::Call(call)
                if in_block
                    && matches!(&*call.func, Expr::Name(name) if FRAME_SENSITIVE_CALLS.contains(&name.id.as_str())) =>
            {
                self.escapes("the `with` body calls a function that depends on its frame (`super()`, `locals()`, …)")
            }
            Expr::Lambda(_) => {
                self.in_nested_scope(|facts| visitor::walk_expr(facts, expr));
                return;
            }
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }

    fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
        if let Some(name) = pattern_capture(pattern) {
            self.bind(name);
        }
        visitor::walk_pattern(self, pattern);
    }
}

/// What the coroutine binds and reads outside the block, and whether it is a generator.
#[derive(Default)]
struct OutsideFacts<'a> {
    /// The coroutine's own variables: bound in its scope (not in nested scopes).
    bound: HashSet<&'a str>,
    /// Declared `global` or `nonlocal` in the coroutine.
    declared_outer: HashSet<&'a str>,
    /// Each read, with where it is.
    loaded: Vec<(&'a str, TextSize)>,
    /// Names read in functions and lambdas nested in the coroutine, which may run later.
    loaded_in_nested_scope: HashSet<&'a str>,
    yields: bool,
    block: TextRange,
    nested_scope_depth: u32,
    comprehension_depth: u32,
}

impl<'a> OutsideFacts<'a> {
    fn collect(function: &'a ast::StmtFunctionDef, block: TextRange) -> Self {
        let mut facts = OutsideFacts { block, ..OutsideFacts::default() };
        for parameter in function.parameters.iter() {
            facts.bound.insert(parameter.name().as_str());
        }
        facts.visit_body(&function.body);
        facts
    }
}

impl<'a> OutsideFacts<'a> {
    fn bind(&mut self, name: &'a str) {
        if self.nested_scope_depth == 0 {
            self.bound.insert(name);
        }
    }
}

impl<'a> Visitor<'a> for OutsideFacts<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if stmt.range() == self.block {
            return;
        }
        match stmt {
            Stmt::FunctionDef(ast::StmtFunctionDef { name, .. }) | Stmt::ClassDef(ast::StmtClassDef { name, .. }) => {
                self.bind(name.as_str());
                self.nested_scope_depth += 1;
                visitor::walk_stmt(self, stmt);
                self.nested_scope_depth -= 1;
                return;
            }
            Stmt::Global(ast::StmtGlobal { names, .. }) | Stmt::Nonlocal(ast::StmtNonlocal { names, .. })
                if self.nested_scope_depth == 0 =>
            {
                self.declared_outer.extend(names.iter().map(|name| name.as_str()));
            }
            Stmt::Import(_) | Stmt::ImportFrom(_) | Stmt::Try(_) => header_bindings(stmt, |name| self.bind(name)),
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) if name.ctx == ExprContext::Load => {
                self.loaded.push((name.id.as_str(), name.start()));
                if self.nested_scope_depth > 0 {
                    self.loaded_in_nested_scope.insert(name.id.as_str());
                }
            }
            Expr::Name(name) if self.comprehension_depth == 0 => self.bind(name.id.as_str()),
            Expr::Named(named) => {
                if let Expr::Name(target) = &*named.target {
                    self.bind(target.id.as_str());
                }
                self.visit_expr(&named.value);
                return;
            }
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_) | Expr::Generator(_) => {
                self.comprehension_depth += 1;
                visitor::walk_expr(self, expr);
                self.comprehension_depth -= 1;
                return;
            }
            Expr::Lambda(_) => {
                self.nested_scope_depth += 1;
                visitor::walk_expr(self, expr);
                self.nested_scope_depth -= 1;
                return;
            }
            Expr::Yield(_) | Expr::YieldFrom(_) => self.yields = true,
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }

    fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
        if let Some(name) = pattern_capture(pattern) {
            self.bind(name);
        }
        visitor::walk_pattern(self, pattern);
    }
}
