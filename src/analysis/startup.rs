//! Start-up and shutdown code: coroutines that run only before a server takes requests or
//! after it stops, where blocking holds up no request. Only registrations that resolve
//! for certain count (the list is in the documentation of the blocking rules, in
//! `src/rules/blocking_call.rs`): the application is a name bound by `app = FastAPI(...)`
//! (or another of [`APPLICATIONS`]) in the module or in the function that registers, and
//! the registered coroutine a function of the module or of that function, by name.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::FxHashMap as HashMap;

use crate::analysis::context::Context;

/// The application classes whose objects register start-up code.
const APPLICATIONS: &[&str] = &[
    "fastapi.FastAPI",
    "fastapi.applications.FastAPI",
    "starlette.applications.Starlette",
    "aiohttp.web.Application",
    "aiohttp.web_app.Application",
    "quart.Quart",
    "sanic.Sanic",
];

/// Constructor keywords naming start-up code (Starlette's, which FastAPI passes on).
const CONSTRUCTOR_KEYWORDS: &[&str] = &["lifespan", "on_startup", "on_shutdown"];

/// Lists of an application object whose items run at start-up or shutdown (aiohttp).
const HOOK_LISTS: &[&str] = &["on_startup", "on_cleanup", "on_shutdown", "cleanup_ctx"];

/// Decorators of an application object that register start-up or shutdown code.
const HOOK_DECORATORS: &[&str] = &[
    "before_serving",
    "after_serving",
    "before_server_start",
    "after_server_stop",
    "main_process_start",
    "main_process_stop",
];

/// The event names `on_event`, `add_event_handler` and Sanic's `listener` take.
const EVENTS: &[&str] =
    &["startup", "shutdown", "before_server_start", "after_server_stop", "main_process_start", "main_process_stop"];

/// The calls that start serving, ending the start-up part of `main()`.
const SERVING: &[&str] = &["serve", "serve_forever", "run_app", "start_server", "start_unix_server"];

/// The start-up code of a module.
#[derive(Debug, Default)]
pub struct StartupCode {
    /// The `def` ranges of the functions that run only at start-up or shutdown.
    functions: Vec<TextRange>,
    /// `async def main()` and where it starts serving.
    main: Option<(TextRange, TextSize)>,
}

impl StartupCode {
    /// Finds the start-up code of a module whose walk is done (its names resolve as at
    /// its end).
    pub fn of(cx: &mut Context<'_>, body: &[Stmt]) -> Self {
        let mut found = StartupCode::default();
        let module_defs = defs_of(body);
        found.scan_body(cx, body, &module_defs, &HashMap::default());
        found.main = body.iter().find_map(|stmt| match stmt {
            Stmt::FunctionDef(def) if def.is_async && def.name.as_str() == "main" => {
                let mut finder = FirstServe(None);
                finder.visit_body(&def.body);
                finder.0.map(|at| (def.range(), at))
            }
            _ => None,
        });
        found
    }

    /// Whether code at `at` in the coroutine defined at `def` is start-up code.
    pub fn contains(&self, def: TextRange, at: TextSize) -> bool {
        self.functions.contains(&def) || self.main.is_some_and(|(main, serving)| main == def && at < serving)
    }

    /// Registrations in one body (the module's, or a function's, such as `create_app()`),
    /// with the applications that body and the module bind.
    fn scan_body<'b>(
        &mut self,
        cx: &mut Context<'_>,
        body: &'b [Stmt],
        module_defs: &HashMap<&'b str, TextRange>,
        outer_apps: &HashMap<&'b str, bool>,
    ) {
        let mut apps = outer_apps.clone();
        // The body's own definitions, then the module's (looked up, not copied: a module
        // may have thousands of functions, each scanned).
        let own_defs = defs_of(body);
        for stmt in body {
            if let Stmt::Assign(assign) = stmt
                && let [Expr::Name(target)] = &assign.targets[..]
            {
                let is_app = matches!(&*assign.value, Expr::Call(call) if is_application(cx, &call.func));
                apps.insert(target.id.as_str(), is_app);
            }
        }
        let is_app = |expr: &Expr| matches!(expr, Expr::Name(name) if apps.get(name.id.as_str()) == Some(&true));
        let mut registered: Vec<&Expr> = Vec::new();
        let mut calls = Calls(Vec::new());
        calls.visit_body(body);
        for call in calls.0 {
            if is_application(cx, &call.func) {
                for keyword in &call.arguments.keywords {
                    if keyword.arg.as_ref().is_some_and(|arg| CONSTRUCTOR_KEYWORDS.contains(&arg.as_str())) {
                        registered.extend(named_functions(&keyword.value));
                    }
                }
                continue;
            }
            let Expr::Attribute(method) = &*call.func else { continue };
            let arguments = &call.arguments.args[..];
            match (method.attr.as_str(), &*method.value, arguments) {
                ("add_event_handler", app, [event, handler]) if is_app(app) && is_event(event) => {
                    registered.push(handler);
                }
                ("append", Expr::Attribute(list), [handler])
                    if is_app(&list.value) && HOOK_LISTS.contains(&list.attr.as_str()) =>
                {
                    registered.push(handler);
                }
                _ => {}
            }
        }
        for stmt in body {
            let Stmt::FunctionDef(def) = stmt else { continue };
            if def.decorator_list.iter().any(|decorator| is_hook_decorator(&decorator.expression, &is_app)) {
                self.functions.push(def.range());
            }
            self.scan_body(cx, &def.body, module_defs, &apps);
        }
        for handler in registered {
            if let Expr::Name(name) = handler
                && let Some(def) = own_defs.get(name.id.as_str()).or_else(|| module_defs.get(name.id.as_str()))
            {
                self.functions.push(*def);
            }
        }
    }
}

/// The functions a body defines, by name (the last definition of a name wins).
fn defs_of(body: &[Stmt]) -> HashMap<&str, TextRange> {
    body.iter()
        .filter_map(|stmt| match stmt {
            Stmt::FunctionDef(def) => Some((def.name.as_str(), def.range())),
            _ => None,
        })
        .collect()
}

fn is_application(cx: &mut Context<'_>, func: &Expr) -> bool {
    cx.resolve_qualified_name(func).is_some_and(|name| APPLICATIONS.contains(&name))
}

fn is_event(expr: &Expr) -> bool {
    matches!(expr, Expr::StringLiteral(literal) if EVENTS.contains(&literal.value.to_str()))
}

/// `f` or `[f, g]`.
fn named_functions(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::List(list) => list.elts.iter().collect(),
        Expr::Tuple(tuple) => tuple.elts.iter().collect(),
        name @ Expr::Name(_) => vec![name],
        _ => Vec::new(),
    }
}

/// `@app.on_event("startup")`, `@app.listener("after_server_stop")`, `@app.before_serving`.
fn is_hook_decorator(decorator: &Expr, is_app: &dyn Fn(&Expr) -> bool) -> bool {
    match decorator {
        Expr::Attribute(hook) => is_app(&hook.value) && HOOK_DECORATORS.contains(&hook.attr.as_str()),
        Expr::Call(call) => match (&*call.func, &call.arguments.args[..]) {
            (Expr::Attribute(hook), [event]) => {
                is_app(&hook.value) && matches!(hook.attr.as_str(), "on_event" | "listener") && is_event(event)
            }
            _ => false,
        },
        _ => false,
    }
}

/// The calls of a body, not those of nested functions and classes (their own bodies).
struct Calls<'b>(Vec<&'b ast::ExprCall>);

impl<'b> Visitor<'b> for Calls<'b> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            visitor::walk_stmt(self, stmt);
        }
    }

    fn visit_expr(&mut self, expr: &'b Expr) {
        if let Expr::Call(call) = expr {
            self.0.push(call);
        }
        visitor::walk_expr(self, expr);
    }
}

/// Where the first call that starts serving is.
struct FirstServe(Option<TextSize>);

impl<'b> Visitor<'b> for FirstServe {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        if self.0.is_none() && !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            visitor::walk_stmt(self, stmt);
        }
    }

    fn visit_expr(&mut self, expr: &'b Expr) {
        if let Expr::Call(call) = expr {
            let name = match &*call.func {
                Expr::Attribute(attribute) => Some(attribute.attr.as_str()),
                Expr::Name(name) => Some(name.id.as_str()),
                _ => None,
            };
            if self.0.is_none() && name.is_some_and(|name| SERVING.contains(&name)) {
                self.0 = Some(call.start());
            }
        }
        visitor::walk_expr(self, expr);
    }
}
