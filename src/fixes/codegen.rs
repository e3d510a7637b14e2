//! Generated code for fixes: an `await` in front of an expression, with parentheses
//! exactly where precedence needs them, and a synchronous call moved to a worker thread
//! with the module's async library.

use ruff_python_ast::token::{TokenKind, parenthesized_range};
use ruff_python_ast::{self as ast, AnyNodeRef, Expr};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::data::config::AsyncLibrary;
use crate::data::diagnostic::{Edit, Fix};
use crate::fixes::Fixer;

/// Why a fix that needs an `await` is not offered where none can be written.
pub const CANNOT_AWAIT_HERE: &str =
    "`await` cannot be written here (outside the `async def` body, or in a generator expression)";

/// The range of `expr` including the parentheses written around it inside `parent`.
pub fn range_with_parentheses<'a>(fixer: &Fixer<'_, '_>, expr: &Expr, parent: impl Into<AnyNodeRef<'a>>) -> TextRange {
    parenthesized_range(expr.into(), parent.into(), fixer.tokens()).unwrap_or(expr.range())
}

/// Whether `await` put in front of the expression being checked (whose range is
/// `range`) needs parentheses: where it is the object of an attribute, a subscript or a
/// call, or the operand of another `await`, and not parenthesized already.
pub fn await_needs_parentheses(fixer: &Fixer<'_, '_>, range: TextRange) -> bool {
    let Some(parent) = fixer.parent_expression() else { return false };
    let object: &Expr = match parent {
        Expr::Attribute(attribute) => &attribute.value,
        Expr::Subscript(subscript) => &subscript.value,
        Expr::Call(call) => &call.func,
        Expr::Await(await_expr) => &await_expr.value,
        _ => return false,
    };
    object.range() == range && range_with_parentheses(fixer, object, parent) == range
}

/// Edits that turn the expression being checked (spanning `range`) into an awaited
/// one: its start up to `head_end` becomes `await {new_head}`, and `tail` is inserted
/// at its end, within the parentheses precedence may require.
pub fn awaited(fixer: &Fixer<'_, '_>, range: TextRange, head_end: TextSize, new_head: &str, tail: &str) -> Vec<Edit> {
    let parentheses = await_needs_parentheses(fixer, range);
    let open = if parentheses { "(" } else { "" };
    let mut edits = vec![Edit::replace(TextRange::new(range.start(), head_end), format!("{open}await {new_head}"))];
    let close = format!("{tail}{}", if parentheses { ")" } else { "" });
    if !close.is_empty() {
        edits.push(Edit::insert(range.end(), close));
    }
    edits
}

/// How a module runs a synchronous callable in a worker thread and awaits it: the text
/// before the callable, how many parentheses it opens, and the imports it needs.
#[derive(Debug)]
pub struct ThreadCall {
    /// `asyncio.to_thread(`, `trio.to_thread.run_sync(functools.partial(`, …
    pub open: String,
    pub depth: usize,
    pub imports: Vec<Edit>,
    /// What the call is named in a fix's message.
    pub runner: String,
}

impl ThreadCall {
    /// The thread call for the module's library and target version. `keywords`: the
    /// callable gets keyword arguments, which only `asyncio.to_thread` passes on; the
    /// others need `functools.partial`.
    pub fn for_module(fixer: &Fixer<'_, '_>, keywords: bool) -> Option<ThreadCall> {
        let importer = fixer.importer();
        let mut imports = Vec::new();
        let mut reference = |qualified: &str| {
            let name = importer.reference(fixer, qualified)?;
            imports.extend(name.import);
            Some(name.expr)
        };
        let library = fixer.library();
        let (mut open, runner, needs_partial) = match library {
            AsyncLibrary::Asyncio if fixer.settings().target_version.has_to_thread() => {
                let to_thread = reference("asyncio.to_thread")?;
                (format!("{to_thread}("), to_thread, false)
            }
            AsyncLibrary::Asyncio => {
                let loop_getter = reference("asyncio.get_running_loop")?;
                let runner = format!("{loop_getter}().run_in_executor");
                (format!("{runner}(None, "), runner, keywords)
            }
            AsyncLibrary::Trio | AsyncLibrary::Anyio => {
                let run_sync = reference(library.offload_call())?;
                (format!("{run_sync}("), run_sync, keywords)
            }
        };
        let mut depth = 1;
        if needs_partial {
            let partial = reference("functools.partial")?;
            open.push_str(&partial);
            open.push('(');
            depth += 1;
        }
        Some(ThreadCall { open, depth, imports, runner })
    }

    /// `await <runner>(<callable>)` for a callable that takes no argument.
    pub fn await_without_arguments(&self, callable: &str) -> String {
        format!("await {}{callable}{}", self.open, ")".repeat(self.depth))
    }
}

/// Rewrites `call`, in code running on the event loop, so that it runs in a worker
/// thread and is awaited: `requests.get(u, timeout=5)` becomes
/// `await asyncio.to_thread(requests.get, u, timeout=5)`, with `trio.to_thread.run_sync`
/// or `anyio.to_thread.run_sync` (and `functools.partial` for keyword arguments) in
/// modules that use those, and `loop.run_in_executor` below Python 3.9.
///
/// The callee is passed as written, so a method call on an expression offloads the bound
/// method (`Path(p).read_text()` → `await asyncio.to_thread(Path(p).read_text)`); the
/// arguments keep their text, order, comments and layout. `(await …)` is parenthesized
/// where the call is the object of an attribute, subscript or call. The imports the new
/// code needs are added. Safe: the same call runs with the same arguments.
///
/// `None` where an `await` cannot be written (outside an `async def`, in a generator
/// expression) or the names the code needs are taken.
pub fn offload_call(fixer: &Fixer<'_, '_>, call: &ast::ExprCall) -> Option<Fix> {
    if !fixer.can_await_here() {
        return fixer.no_fix(CANNOT_AWAIT_HERE);
    }
    let source = fixer.source();
    let callee = range_with_parentheses(fixer, &call.func, call);
    let open_paren = call.arguments.start();
    // Only trivia may stand between the callee and its argument list; keep comments.
    if source[callee.end().to_usize()..open_paren.to_usize()].contains('#') {
        return fixer.no_fix("a comment stands between the callee and its arguments");
    }
    let after_open_paren = open_paren + TextSize::from(1);
    let inner = &source[after_open_paren.to_usize()..(call.arguments.end() - TextSize::from(1)).to_usize()];
    let thread = ThreadCall::for_module(fixer, !call.arguments.keywords.is_empty())?;
    let separator = if inner.trim().is_empty() {
        ""
    } else if inner.starts_with(char::is_whitespace) {
        ","
    } else {
        ", "
    };
    let callee_text = &source[callee];
    let head = format!("{}{callee_text}{separator}", thread.open);
    let tail = ")".repeat(thread.depth - 1);
    let mut edits = awaited(fixer, call.range(), after_open_paren, &head, &tail);
    edits.extend(thread.imports);
    let message =
        format!("Run `{}` in a worker thread with `await {}()`", fixer.display_source(&call.func), thread.runner);
    Some(Fix::safe(message, edits))
}

/// `base`, or `base_2`, `base_3`, … : the first of these that no name within `range`
/// uses, so that binding it there shadows nothing.
pub fn unused_name(fixer: &Fixer<'_, '_>, range: TextRange, base: &str) -> String {
    std::iter::once(base.to_owned())
        .chain((2..).map(|number| format!("{base}_{number}")))
        .find(|name| is_unused_in(fixer, range, name))
        .expect("some numbered name is unused")
}

/// Whether no name token within `range` is `name`.
pub fn is_unused_in(fixer: &Fixer<'_, '_>, range: TextRange, name: &str) -> bool {
    let source = fixer.source();
    !fixer
        .tokens()
        .in_range(range)
        .iter()
        .any(|token| token.kind() == TokenKind::Name && &source[token.range()] == name)
}
