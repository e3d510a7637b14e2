//! The argument forms that make a call the catalogue lists return at once, so that it
//! does not block: `lock.acquire(blocking=False)`, `thread.join(0)`, `smtplib.SMTP()`
//! without a host, a method of a socket put in non-blocking mode, an archive opened from
//! a buffer, an SDK call given `async_req=True`, `socket.getaddrinfo()` of a numeric
//! address, `q.get()` right after `while q.empty(): await …`.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

use crate::analysis::context::{Context, MAX_EXPRESSION_DEPTH};
use crate::analysis::semantic::{Binding, ScopeKind};
use crate::data::catalogue::PathArgument;

/// Whether `expr` is the literal `0` or `0.0` (a timeout that returns at once).
pub fn is_zero(expr: &Expr) -> bool {
    matches!(expr, Expr::NumberLiteral(ast::ExprNumberLiteral { value: ast::Number::Int(int), .. }) if int.as_u8() == Some(0))
        || matches!(expr, Expr::NumberLiteral(ast::ExprNumberLiteral { value: ast::Number::Float(float), .. }) if *float == 0.0)
}

/// `lock.acquire(False)`, `lock.acquire(blocking=False)`, `q.get(block=False)`,
/// `q.get(False)`, `event.wait(0)`, `lock.acquire(timeout=0)`: these return at once.
pub fn lock_call(call: &ast::ExprCall) -> bool {
    let is_false = |expr: &Expr| matches!(expr, Expr::BooleanLiteral(literal) if !literal.value);
    let Expr::Attribute(attribute) = &*call.func else { return false };
    let method = attribute.attr.as_str();
    let first = call.arguments.args.first();
    let keyword_is = |name: &str, predicate: &dyn Fn(&Expr) -> bool| {
        call.arguments.find_keyword(name).is_some_and(|keyword| predicate(&keyword.value))
    };
    match method {
        "acquire" | "get" | "put" => {
            let block_keyword = if method == "acquire" { "blocking" } else { "block" };
            // `put(item, False)`: the flag is the second positional argument.
            let flag = if method == "put" { call.arguments.args.get(1) } else { first };
            flag.is_some_and(is_false) || keyword_is(block_keyword, &is_false) || keyword_is("timeout", &is_zero)
        }
        "wait" => first.is_some_and(is_zero) || keyword_is("timeout", &is_zero),
        _ => false,
    }
}

/// `q.get()` in the simple statement right after `while q.empty(): await …` (a loop with
/// no `break` or `else`), with no `await` before it in that statement: the loop ended
/// because the queue holds an item, and no other task ran since, so `get` returns it at
/// once.
pub fn get_after_waiting_for_an_item(cx: &Context<'_>, call: &ast::ExprCall, qualified_name: &str) -> bool {
    let Some(ScopeKind::Function(function)) = cx.semantic().current_function_kind() else { return false };
    let Expr::Attribute(method) = &*call.func else { return false };
    if qualified_name != "queue.Queue.get" || !call.arguments.is_empty() {
        return false;
    }
    let mut finder =
        WaitForAnItem { source: cx.source(), queue: &cx.source()[method.value.range()], call, found: false };
    finder.visit_body(&function.body);
    finder.found
}

/// Finds whether the statement holding `call` follows a loop waiting for the queue.
struct WaitForAnItem<'s, 'c> {
    source: &'s str,
    /// The queue expression's source text.
    queue: &'s str,
    call: &'c ast::ExprCall,
    found: bool,
}

impl WaitForAnItem<'_, '_> {
    /// `while <queue>.empty(): …` with an `await` in its body, and no `break` or `else`.
    fn waits_for_an_item(&self, stmt: &Stmt) -> bool {
        let Stmt::While(ast::StmtWhile { test, body, orelse, .. }) = stmt else { return false };
        let Expr::Call(ast::ExprCall { func, arguments, .. }) = &**test else { return false };
        let Expr::Attribute(method) = &**func else { return false };
        method.attr.as_str() == "empty"
            && arguments.is_empty()
            && &self.source[method.value.range()] == self.queue
            && orelse.is_empty()
            && has_await_and_no_break(body)
    }

    /// A simple statement holding the call, with no `await` finished before it.
    fn gets_at_once(&self, stmt: &Stmt) -> bool {
        let simple =
            matches!(stmt, Stmt::Expr(_) | Stmt::Assign(_) | Stmt::AnnAssign(_) | Stmt::AugAssign(_) | Stmt::Return(_));
        if !simple || !stmt.range().contains_range(self.call.range()) {
            return false;
        }
        let mut awaits = AwaitBefore { before: self.call.start(), found: false, depth: 0 };
        awaits.visit_stmt(stmt);
        !awaits.found
    }
}

impl<'b> Visitor<'b> for WaitForAnItem<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        if stmt.range().contains_range(self.call.range()) && !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            visitor::walk_stmt(self, stmt);
        }
    }

    fn visit_expr(&mut self, _: &'b Expr) {}

    fn visit_body(&mut self, body: &'b [Stmt]) {
        self.found |= body.windows(2).any(|pair| self.waits_for_an_item(&pair[0]) && self.gets_at_once(&pair[1]));
        visitor::walk_body(self, body);
    }
}

/// Whether a loop body awaits (outside nested functions) and has no `break` of its own.
fn has_await_and_no_break(body: &[Stmt]) -> bool {
    struct Scan {
        awaits: bool,
        breaks: bool,
        /// How many loops nested in the body the walk is in (their `break` is theirs).
        loops: u32,
    }
    impl<'b> Visitor<'b> for Scan {
        fn visit_stmt(&mut self, stmt: &'b Stmt) {
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                Stmt::Break(_) if self.loops == 0 => self.breaks = true,
                Stmt::For(_) | Stmt::While(_) => {
                    self.loops += 1;
                    visitor::walk_stmt(self, stmt);
                    self.loops -= 1;
                }
                _ => visitor::walk_stmt(self, stmt),
            }
        }

        fn visit_expr(&mut self, expr: &'b Expr) {
            // Only an `await` that is a statement's whole expression counts (`await x`,
            // `y = await x`); one deeper is not looked for, and the call stays reported.
            self.awaits |= matches!(expr, Expr::Await(_));
        }
    }
    let mut scan = Scan { awaits: false, breaks: false, loops: 0 };
    scan.visit_body(body);
    scan.awaits && !scan.breaks
}

/// Whether a statement holds an `await` that ends before an offset (or is too deeply
/// nested to tell).
struct AwaitBefore {
    before: TextSize,
    found: bool,
    /// How deep the walk is in expressions.
    depth: u32,
}

impl<'b> Visitor<'b> for AwaitBefore {
    fn visit_expr(&mut self, expr: &'b Expr) {
        if expr.start() >= self.before || self.found {
            return;
        }
        if (matches!(expr, Expr::Await(_)) && expr.end() <= self.before) || self.depth >= MAX_EXPRESSION_DEPTH {
            self.found = true;
            return;
        }
        self.depth += 1;
        visitor::walk_expr(self, expr);
        self.depth -= 1;
    }
}

/// A wait given a zero timeout: `thread.join(0)`, `future.result(timeout=0)`,
/// `select.select(r, w, x, 0)`, `poller.poll(0)`, `concurrent.futures.wait(fs, 0)`; or
/// `executor.shutdown(wait=False)`.
pub fn wait_call(call: &ast::ExprCall, qualified_name: &str) -> bool {
    if qualified_name == "concurrent.futures.Executor.shutdown" {
        let wait = call.arguments.args.first().or(call.arguments.find_keyword("wait").map(|keyword| &keyword.value));
        return wait.is_some_and(|wait| matches!(wait, Expr::BooleanLiteral(literal) if !literal.value));
    }
    let timeout_position = match qualified_name {
        "select.select" => 3,
        "concurrent.futures.wait" | "concurrent.futures.as_completed" => 1,
        _ => 0,
    };
    let positional: Option<&Expr> = call.arguments.args.get(timeout_position);
    let keyword = call.arguments.find_keyword("timeout").map(|keyword| &keyword.value);
    positional.or(keyword).is_some_and(is_zero)
}

/// A call of an OpenAPI-generated client (the Kubernetes API classes) given
/// `async_req=True`: the client's thread pool makes the request, and the call returns a
/// handle at once.
pub fn sdk_call(call: &ast::ExprCall) -> bool {
    call.arguments.find_keyword("async_req").is_some_and(|keyword| {
        matches!(keyword.value, Expr::BooleanLiteral(ast::ExprBooleanLiteral { value: true, .. }))
    })
}

/// Constructors that connect only when given a host: `smtplib.SMTP()` and `ftplib.FTP()`
/// without one connect later, in `connect()` (`open()` for `telnetlib.Telnet`).
const CONNECT_WHEN_GIVEN_A_HOST: &[&str] =
    &["smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP", "ftplib.FTP", "ftplib.FTP_TLS", "telnetlib.Telnet"];

/// A client built without a host: it has not connected yet.
pub fn client_without_host(call: &ast::ExprCall, qualified_name: &str) -> bool {
    CONNECT_WHEN_GIVEN_A_HOST.contains(&qualified_name)
        && call.arguments.args.is_empty()
        && call.arguments.find_keyword("host").is_none()
}

/// A method of a socket that the enclosing function put in non-blocking mode before the
/// call (`sock.setblocking(False)`, `sock.settimeout(0)` on the same expression).
pub fn non_blocking_socket_call(cx: &Context<'_>, call: &ast::ExprCall, qualified_name: &str) -> bool {
    let Some(ScopeKind::Function(function)) = cx.semantic().current_function_kind() else { return false };
    let Expr::Attribute(method) = &*call.func else { return false };
    if !qualified_name.starts_with("socket.socket.") {
        return false;
    }
    let mut finder = NonBlockingMode {
        source: cx.source(),
        socket: &cx.source()[method.value.range()],
        before: call.start(),
        found: false,
        depth: 0,
    };
    finder.visit_body(&function.body);
    finder.found
}

/// `socket.getaddrinfo()`'s `flags` argument: the sixth, after `host`, `port`, `family`,
/// `type` and `proto`.
const GETADDRINFO_FLAGS_POSITION: usize = 5;

/// `socket.getaddrinfo(host, port, flags=socket.AI_NUMERICHOST)` (alone or or-ed with
/// other flags, by keyword or in its place): the host must be a numeric address, so
/// there is no name to look up and the call returns at once. `AI_NUMERICSERV` alone
/// still looks the host name up.
pub fn numeric_address_lookup(cx: &mut Context<'_>, call: &ast::ExprCall, qualified_name: &str) -> bool {
    if qualified_name != "socket.getaddrinfo" {
        return false;
    }
    let positional = call.arguments.args.get(GETADDRINFO_FLAGS_POSITION);
    let flags = positional.or(call.arguments.find_keyword("flags").map(|keyword| &keyword.value));
    flags.is_some_and(|flags| has_numeric_host_flag(cx, flags, 0))
}

/// Whether a flags expression (`A | B | …`) includes `socket.AI_NUMERICHOST`.
fn has_numeric_host_flag(cx: &mut Context<'_>, flags: &Expr, depth: u32) -> bool {
    match flags {
        Expr::BinOp(ast::ExprBinOp { left, op: ast::Operator::BitOr, right, .. }) if depth < MAX_EXPRESSION_DEPTH => {
            has_numeric_host_flag(cx, left, depth + 1) || has_numeric_host_flag(cx, right, depth + 1)
        }
        _ => matches!(
            cx.resolve_qualified_name(flags),
            Some("socket.AI_NUMERICHOST" | "socket.AddressInfo.AI_NUMERICHOST")
        ),
    }
}

/// Whether the last `<socket>.setblocking(…)` or `<socket>.settimeout(…)` before an
/// offset, outside nested functions and classes, makes the socket non-blocking.
struct NonBlockingMode<'s> {
    source: &'s str,
    /// The socket expression's source text.
    socket: &'s str,
    before: TextSize,
    found: bool,
    /// How deep the walk is in expressions (it stops where the walk stops).
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

/// Assignments followed to find whether a variable holds a path.
const MAX_PATH_ASSIGNMENTS: u8 = 4;

/// Whether a call whose entry names the argument that is its file (`zipfile.ZipFile(file)`,
/// `pd.read_csv(path)`, `torch.save(obj, f)`) is given something other than a certain
/// path: a buffer (`io.BytesIO(data)`), a file object, or what may be one. Such a call
/// does no I/O of its own and is not reported; nor is one given `fileobj=` (the standard
/// library's archives then read that object) or no file at all (`df.to_csv()` returns
/// the text).
pub fn given_no_certain_path(cx: &mut Context<'_>, call: &ast::ExprCall, path: &PathArgument) -> bool {
    if call.arguments.find_keyword("fileobj").is_some() {
        return true;
    }
    let positional = &call.arguments.args;
    // After `*args`, no positional argument is known to be in its place.
    let unpacked = positional.iter().take(path.position + 1).any(Expr::is_starred_expr);
    let file = match positional.get(path.position) {
        Some(_) if unpacked => return true,
        Some(file) => Some(file),
        None => call.arguments.find_keyword(&path.keyword).map(|keyword| &keyword.value),
    };
    !file.is_some_and(|file| is_certainly_a_path(cx, file, 0))
}

/// A string or `pathlib.Path` expression, or a variable assigned or annotated one.
fn is_certainly_a_path(cx: &mut Context<'_>, expr: &Expr, depth: u8) -> bool {
    if cx.type_of(expr) == Some("pathlib.Path") {
        return true;
    }
    match expr {
        Expr::StringLiteral(literal) => !reads_as_data(literal.value.to_str()),
        Expr::FString(_) => true,
        Expr::Call(call) => matches!(
            cx.resolve_qualified_name(&call.func),
            Some("os.path.join" | "os.path.abspath" | "os.fspath" | "builtins.str")
        ),
        Expr::Name(name) if depth < MAX_PATH_ASSIGNMENTS => match cx.semantic().lookup(name.id.as_str()) {
            Some(Binding::Assigned(value)) => {
                let value = *value;
                is_certainly_a_path(cx, value, depth + 1)
            }
            Some(Binding::Parameter(Some(annotation))) => {
                let annotation = cx.semantic().annotation_subject(annotation);
                matches!(cx.resolve_qualified_name(annotation), Some("builtins.str" | "os.PathLike"))
            }
            _ => false,
        },
        _ => false,
    }
}

/// Whether a string literal holds data rather than a file name: JSON, XML or HTML, or
/// several lines (`pd.read_json('{"a": 1}')` parses the text it is given).
fn reads_as_data(text: &str) -> bool {
    text.trim_start().starts_with(['{', '[', '<']) || text.contains('\n')
}
