//! AG106 `blocking-socket`: blocking socket calls and DNS look-ups.
//!
//! ## What it does
//! Reports `socket.create_connection`, `socket.getaddrinfo`, `socket.gethostbyname(_ex)`,
//! `socket.gethostbyaddr`, `socket.getfqdn`, and `connect`, `accept`, `recv*`, `send*`,
//! `sendall`, `makefile` and `do_handshake` on tracked sockets (a variable assigned from
//! `socket.socket()` or `socket.create_connection()`, or a parameter annotated
//! `socket.socket`), in code running on the event loop. A socket the same function put in
//! non-blocking mode earlier (`sock.setblocking(False)`, `sock.settimeout(0)`) is not
//! reported: its calls return at once (or raise `BlockingIOError`).
//!
//! ## Why is this bad?
//! A blocking socket waits for the network; a DNS look-up can take seconds when a resolver
//! is slow. The event loop is stopped for the whole wait.
//!
//! ## Example
//! ```python
//! import socket
//!
//! async def resolve(host):
//!     addresses = socket.getaddrinfo(host, 443, 0, socket.SOCK_STREAM)
//!     return socket.gethostbyname(host), addresses
//! ```
//!
//! ## Use instead
//! ```python
//! async def resolve(host):
//!     infos = await asyncio.get_running_loop().getaddrinfo(host, None)
//!     return infos[0][4][0]
//! ```
//! and `asyncio.open_connection()` / streams for socket traffic.
//!
//! ## Fix
//! `socket.getaddrinfo(...)` becomes `await asyncio.get_running_loop().getaddrinfo(...)`
//! (its optional arguments passed by keyword; `trio.socket.getaddrinfo` and
//! `anyio.getaddrinfo` in modules using those); other calls are wrapped in
//! `await asyncio.to_thread(...)`. Safe.
//!
//! `aioguard check --fix` turns the example into:
//! ```python
//! import asyncio
//! import socket
//!
//! async def resolve(host):
//!     addresses = await asyncio.get_running_loop().getaddrinfo(host, 443, family=0, type=socket.SOCK_STREAM)
//!     return await asyncio.to_thread(socket.gethostbyname, host), addresses
//! ```

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

use crate::analysis::semantic::ScopeKind;
use crate::data::config::AsyncLibrary;
use crate::data::diagnostic::{Edit, Fix};
use crate::fixes::codegen::{CANNOT_AWAIT_HERE, awaited, range_with_parentheses};
use crate::fixes::offload_call;
use crate::rules::blocking_lock::is_zero;
use crate::rules::checker::{Checker, MAX_EXPRESSION_DEPTH};

/// `socket.getaddrinfo`'s optional parameters, after `host` and `port`: the event loop's
/// `getaddrinfo` takes them by keyword only.
const GETADDRINFO_OPTIONS: [&str; 4] = ["family", "type", "proto", "flags"];

/// `socket.getaddrinfo(...)` → `await asyncio.get_running_loop().getaddrinfo(...)`
/// (`trio.socket.getaddrinfo`, `anyio.getaddrinfo`), its optional arguments passed by
/// keyword; with starred arguments, the call runs in a thread instead.
pub(crate) fn fix_getaddrinfo(checker: &Checker<'_>, call: &ast::ExprCall) -> Option<Fix> {
    let args = &call.arguments.args;
    if args.iter().any(Expr::is_starred_expr) || args.len() > 2 + GETADDRINFO_OPTIONS.len() {
        return offload_call(checker, call);
    }
    if !checker.can_await_here() {
        return checker.no_fix(CANNOT_AWAIT_HERE);
    }
    let library = checker.library();
    let qualified = match library {
        AsyncLibrary::Asyncio => "asyncio.get_running_loop",
        AsyncLibrary::Trio => "trio.socket.getaddrinfo",
        AsyncLibrary::Anyio => "anyio.getaddrinfo",
    };
    let reference = checker.importer().reference(checker, qualified)?;
    let resolver = match library {
        AsyncLibrary::Asyncio => format!("{}().getaddrinfo", reference.expr),
        AsyncLibrary::Trio | AsyncLibrary::Anyio => reference.expr,
    };
    let callee = range_with_parentheses(checker, &call.func, call);
    let mut edits = awaited(checker, call.range(), callee.end(), &resolver, "");
    if library != AsyncLibrary::Trio {
        for (arg, option) in args.iter().skip(2).zip(GETADDRINFO_OPTIONS) {
            let start = range_with_parentheses(checker, arg, &call.arguments).start();
            edits.push(Edit::insert(start, format!("{option}=")));
        }
    }
    edits.extend(reference.import);
    Some(Fix::safe(format!("Replace with `await {resolver}()`"), edits))
}

/// A method of a socket that the enclosing function put in non-blocking mode before the
/// call (`sock.setblocking(False)`, `sock.settimeout(0)` on the same expression).
pub fn is_non_blocking(checker: &Checker<'_>, call: &ast::ExprCall, qualified_name: &str) -> bool {
    let Some(ScopeKind::Function(function)) = checker.semantic().current_function_kind() else { return false };
    let Expr::Attribute(method) = &*call.func else { return false };
    if !qualified_name.starts_with("socket.socket.") {
        return false;
    }
    let mut finder = NonBlockingMode {
        source: checker.source(),
        socket: &checker.source()[method.value.range()],
        before: call.start(),
        found: false,
        depth: 0,
    };
    finder.visit_body(&function.body);
    finder.found
}

/// Whether the last `<socket>.setblocking(…)` or `<socket>.settimeout(…)` before an
/// offset, outside nested functions and classes, makes the socket non-blocking.
struct NonBlockingMode<'s> {
    source: &'s str,
    /// The socket expression's source text.
    socket: &'s str,
    before: TextSize,
    found: bool,
    /// How deep the walk is in expressions (it stops where the checker stops).
    depth: u32,
}

impl<'b> Visitor<'b> for NonBlockingMode<'_> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        if stmt.start() < self.before && !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            visitor::walk_stmt(self, stmt);
        }
    }

    fn visit_expr(&mut self, expr: &'b Expr) {
        if self.depth >= MAX_EXPRESSION_DEPTH {
            return;
        }
        if let Expr::Call(call) = expr
            && call.end() <= self.before
            && let Expr::Attribute(method) = &*call.func
            && &self.source[method.value.range()] == self.socket
            && let [argument] = &call.arguments.args[..]
        {
            // The last mode set before the call holds (`setblocking(True)` undoes it).
            let is_false = matches!(argument, Expr::BooleanLiteral(literal) if !literal.value);
            match method.attr.as_str() {
                "setblocking" => self.found = is_false || is_zero(argument),
                "settimeout" => self.found = is_zero(argument),
                _ => {}
            }
        }
        self.depth += 1;
        visitor::walk_expr(self, expr);
        self.depth -= 1;
    }
}
