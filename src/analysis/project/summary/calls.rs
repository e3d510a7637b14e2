//! What a function calls: the [`Callee`] a call's callee refers to ([`callee_of`]), the
//! blocking calls and project calls of sync functions' own bodies, the method calls only
//! the project types ([`TypedCall`], [`TypeQuery`]), and the `on_call` hook of the walk.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;
use serde::{Deserialize, Serialize};

use super::exports::{Resolver, append, is_named, qualname_in, split_dotted};
use super::parameters::{CallArguments, CallParameters, forwarded_keywords, guards_at, own_parameter, spread_keywords};
use super::{LoopBinding, ModuleContext, Referent, Symbol};
use crate::analysis::blocking;
use crate::analysis::context::Context;
use crate::analysis::semantic::{Binding, Resolved, ScopeKind, SemanticModel};
use crate::data::catalogue::{Cost, Threads};
use crate::data::source::Position;

/// What a called expression refers to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Callee {
    /// A function, or a class (its constructor runs `__init__`).
    Symbol(Symbol),
    /// A method of an instance of `class`: `self.m()`, `cls.m()`, `c.m()` after `c = Cache()`.
    Method { class: Symbol, method: Box<str> },
    /// `self.field.m()`: a method of the instance that `__init__` stores in `field`.
    FieldMethod { class: Symbol, field: Box<str>, method: Box<str> },
    /// `super().m()` in a method of `class`: `m` as the classes after it in its MRO define it.
    SuperMethod { class: Symbol, method: Box<str> },
    /// `f()` after `f = a if condition else b`: one of two callees.
    Conditional { then: Box<Callee>, orelse: Box<Callee> },
}

impl Callee {
    /// The class or symbol the callee names (the first alternative's, for a conditional alias).
    fn symbol(&self) -> &Symbol {
        match self {
            Callee::Symbol(symbol) => symbol,
            Callee::Method { class, .. } | Callee::FieldMethod { class, .. } | Callee::SuperMethod { class, .. } => {
                class
            }
            Callee::Conditional { then, .. } => then.symbol(),
        }
    }

    /// Every class or symbol the callee names.
    pub(super) fn symbols(&self) -> impl Iterator<Item = &Symbol> {
        let other = match self {
            Callee::Conditional { orelse, .. } => Some(orelse.symbol()),
            _ => None,
        };
        std::iter::once(self.symbol()).chain(other)
    }
}

/// A question about an object's type that the module could not answer alone, asked
/// where the rules report (see [`crate::analysis::context::Context::object_type`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TypeQuery {
    /// The tracked type the called project function declares it returns: `make_client()`,
    /// `self.connection()`.
    Returned(Callee),
    /// The tracked type of an object named through the project: `Symbol` for a module's
    /// object (`app.db.conn`), `Method` and `FieldMethod` for an attribute of an
    /// instance (the "method" is the attribute: `repo.conn`, `self.db`, `self.repo.conn`).
    Object(Callee),
}

/// The costliest call of a sync function's own body that blocks (catalogue or
/// configured), the first of the costliest class, and how many blocking calls the body makes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BlockingCallSite {
    /// How the call reads: `time.sleep`, `open`, `session.get`.
    pub display: Box<str>,
    pub location: Position,
    /// The function its catalogue entry runs it in a thread with, if not the async
    /// library's (`asgiref.sync.sync_to_async` for Django's ORM).
    pub runner: Option<Box<str>>,
    pub cost: Cost,
    /// The blocking calls of the body, this one included.
    pub count: u32,
    /// Every one of them is an I/O method of a file object passed in as a parameter
    /// (`stream.read()`): given an in-memory buffer, the body does no I/O.
    pub only_files_passed_in: bool,
}

/// A method call, in a sync function's own body, on an object whose type only the
/// project tells (`self.cache.get(k)` where a base class of another module declares
/// `cache: redis.Redis`): the index decides whether it blocks.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TypedCall {
    /// The function making it: an index into the module's functions.
    pub function: u32,
    pub object: TypeQuery,
    pub method: Box<str>,
    /// The types whose method the call would not block in (its arguments say so, as
    /// `lock.acquire(blocking=False)`, or a `# noqa` on its line): usually none.
    pub unblocked_for: Box<[Box<str>]>,
    /// How the call reads: `self.cache.get`.
    pub display: Box<str>,
    pub location: Position,
}

/// A call, in a function's own body, that may reach a project function.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallSite {
    pub callee: Callee,
    pub location: Position,
}

// The callee half of the name resolver: its names half is in `exports.rs`.
impl Resolver<'_, '_> {
    /// When `name` is the first parameter of a method (`self`, `cls`, also seen from a
    /// function nested in the method), the method's class.
    fn receiver_class(&self, name: &str) -> Option<Symbol> {
        let (scope, Binding::Parameter(_)) = self.semantic.lookup_with_scope(name)? else { return None };
        let scopes = self.semantic.scopes();
        let class_scope = scope.checked_sub(1)?;
        let (ScopeKind::Function(method), ScopeKind::Class(class)) = (scopes[scope].kind, scopes[class_scope].kind)
        else {
            return None;
        };
        let parameters = &method.parameters;
        let first = parameters.posonlyargs.first().or(parameters.args.first())?;
        let is_static = method.decorator_list.iter().any(|decorator| is_named(&decorator.expression, "staticmethod"));
        (first.parameter.name.as_str() == name && !is_static)
            .then(|| Symbol::Local(qualname_in(&scopes[..class_scope], class.name.as_str())))
    }

    pub(super) fn callee(&self, func: &Expr) -> Option<Callee> {
        if let Expr::Name(name) = func
            && let Some(Binding::Assigned(Expr::If(alias))) = self.semantic.lookup(name.id.as_str())
        {
            let then = Box::new(self.direct_callee(&alias.body)?);
            let orelse = Box::new(self.direct_callee(&alias.orelse)?);
            return Some(Callee::Conditional { then, orelse });
        }
        self.direct_callee(func)
    }

    /// The callee, not through a conditional alias.
    fn direct_callee(&self, func: &Expr) -> Option<Callee> {
        if let Expr::Attribute(attribute) = func
            && let Expr::Call(call) = &*attribute.value
        {
            return self.method_of_new_object(call, attribute.attr.as_str());
        }
        let (root, attributes) = split_dotted(func)?;
        self.dotted_callee(root, &attributes)
    }

    /// The special method `method` of `object` (`d` in `d[k]`), when `object` is an
    /// instance of a class that may be the project's: a variable, `self`, or a field.
    pub(super) fn special_method_callee(&self, object: &Expr, method: &str) -> Option<Callee> {
        let (root, mut attributes) = split_dotted(object)?;
        attributes.push(method);
        let callee = self.dotted_callee(root, &attributes)?;
        // A class's own special methods do not serve syntax on the class itself.
        matches!(callee, Callee::Method { .. } | Callee::FieldMethod { .. }).then_some(callee)
    }

    /// `root.a.b` as a callee.
    fn dotted_callee(&self, root: &str, attributes: &[&str]) -> Option<Callee> {
        let callee = if let Some(class) = self.receiver_class(root) {
            match attributes[..] {
                [method] => Callee::Method { class, method: method.into() },
                [field, method] => Callee::FieldMethod { class, field: field.into(), method: method.into() },
                _ => return None,
            }
        } else {
            match (self.referent(root, 0)?, attributes) {
                (Referent::Symbol(symbol), _) => Callee::Symbol(append(symbol, attributes)),
                (Referent::Instance(class), [method]) => Callee::Method { class, method: (*method).into() },
                (Referent::Instance(_), _) => return None,
            }
        };
        self.project_callee(callee)
    }

    /// `super().m()` in a method, or `Helper().m()`: a method of the object just made.
    fn method_of_new_object(&self, call: &ast::ExprCall, method: &str) -> Option<Callee> {
        let mut buf = String::new();
        let is_super = matches!(self.semantic.resolve(&call.func, &mut buf), Some(Resolved::QualifiedName))
            && buf == "builtins.super";
        let callee = if is_super {
            // Only `super()` written directly in a method: its class is the method's.
            if !call.arguments.is_empty() {
                return None;
            }
            let scopes = self.semantic.scopes();
            let [.., class_scope, method_scope] = scopes else { return None };
            let (ScopeKind::Class(class), ScopeKind::Function(_)) = (class_scope.kind, method_scope.kind) else {
                return None;
            };
            let class = Symbol::Local(qualname_in(&scopes[..scopes.len() - 2], class.name.as_str()));
            Callee::SuperMethod { class, method: method.into() }
        } else {
            Callee::Method { class: self.symbol(&call.func, 0)?, method: method.into() }
        };
        self.project_callee(callee)
    }

    /// The callee, if what it calls may be the project's.
    fn project_callee(&self, callee: Callee) -> Option<Callee> {
        let is_project = callee.symbols().all(|symbol| self.context.is_project(symbol));
        is_project.then_some(callee)
    }
}

/// What the call's callee refers to in the project, if it may be a project function.
pub fn callee_of(cx: &Context<'_>, func: &Expr, context: &ModuleContext<'_>) -> Option<Callee> {
    Resolver { semantic: cx.semantic(), context }.callee(func)
}

/// Syntax that calls a special method of the object it works on, with the object and
/// the method: `d[k]` (`__getitem__`; `__setitem__` assigned to, `__delitem__` deleted),
/// `k in d` and `k not in d` (`__contains__`), `len(d)` (`__len__`), `iter(d)`
/// (`__iter__`).
pub fn special_method_use<'e>(semantic: &SemanticModel<'_>, expr: &'e Expr) -> Option<(&'e Expr, &'static str)> {
    match expr {
        Expr::Subscript(subscript) => {
            let method = match subscript.ctx {
                ast::ExprContext::Load => "__getitem__",
                ast::ExprContext::Store => "__setitem__",
                ast::ExprContext::Del => "__delitem__",
                ast::ExprContext::Invalid => return None,
            };
            Some((&subscript.value, method))
        }
        Expr::Compare(compare) => match (&*compare.ops, &*compare.comparators) {
            ([ast::CmpOp::In | ast::CmpOp::NotIn], [container]) => Some((container, "__contains__")),
            _ => None,
        },
        Expr::Call(call) => {
            let ([object], []) = (&*call.arguments.args, &*call.arguments.keywords) else { return None };
            // Resolved only for names that may be the builtins: most calls have one argument.
            if !matches!(&*call.func, Expr::Name(name) if matches!(name.id.as_str(), "len" | "iter")) {
                return None;
            }
            let mut name = String::new();
            if !matches!(semantic.resolve(&call.func, &mut name), Some(Resolved::QualifiedName)) {
                return None;
            }
            match name.as_str() {
                "builtins.len" => Some((object, "__len__")),
                "builtins.iter" => Some((object, "__iter__")),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether `expr` is what a `for` statement (not `async for`) iterates: the loop calls
/// its `__iter__`.
pub fn is_iterated_by_for(cx: &Context<'_>, expr: &Expr) -> bool {
    matches!(cx.statements().last(), Some(ast::Stmt::For(for_stmt)) if !for_stmt.is_async && for_stmt.iter.range() == expr.range())
}

/// The special method of a project class that `expr` runs through syntax (see
/// [`special_method_use`], and `for x in d`, which runs `d.__iter__`), as a callee.
pub fn special_callee_of(cx: &Context<'_>, expr: &Expr, context: &ModuleContext<'_>) -> Option<Callee> {
    let (object, method) = match special_method_use(cx.semantic(), expr) {
        Some(used) => used,
        None if is_iterated_by_for(cx, expr) => (expr, "__iter__"),
        None => return None,
    };
    Resolver { semantic: cx.semantic(), context }.special_method_callee(object, method)
}

/// Syntax that runs a special method (see [`special_method_use`]): recorded as a call,
/// on the loop or in the own body of a sync function, when it may be a project class's.
pub(crate) fn on_special_method(cx: &mut Context<'_>, expr: &Expr) {
    let Some(builder) = cx.summary() else { return };
    let Some(callee) = special_callee_of(cx, expr, &builder.context) else { return };
    let in_sync_function =
        matches!(cx.semantic().current_function_kind(), Some(ScopeKind::Function(function)) if !function.is_async);
    if cx.loop_function().is_some() || !in_sync_function {
        cx.summary_mut().expect("summarizing").summary.loop_calls.push(callee.clone());
    }
    if !in_sync_function {
        return;
    }
    let builder = cx.summary().expect("summarizing");
    if builder.suppresses_ag110(expr.start()) {
        return;
    }
    let location = builder.lines.position(expr.start(), cx.source());
    let guards = guards_at(cx, expr.range());
    let builder = cx.summary_mut().expect("summarizing");
    let function = &mut builder.summary.functions[*builder.open_functions.last().expect("in a function")];
    if !guards.is_empty() {
        let site = function.calls.len() as u32;
        function.parameters.get_or_insert_default().calls.push(CallParameters { site, guards, arguments: None });
    }
    function.calls.push(CallSite { callee, location });
}

/// Whether `call` must run on the event loop's thread: a function or a tracked object's
/// method of the async libraries, or a callee named like a loop callback (`async_…`).
fn needs_loop_thread(cx: &mut Context<'_>, call: &ast::ExprCall) -> bool {
    let loop_bound = &cx.semantic().catalogue().loop_bound;
    let last_name = match &*call.func {
        Expr::Name(name) => name.id.as_str(),
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        _ => return false,
    };
    if loop_bound.is_loop_callback_name(last_name) {
        return true;
    }
    if let Some(name) = cx.resolve_qualified_name(&call.func) {
        return loop_bound.needs_loop_thread(name);
    }
    let Expr::Attribute(attribute) = &*call.func else { return false };
    cx.type_of(&attribute.value).is_some_and(|ty| loop_bound.needs_loop_thread(&format!("{ty}.{last_name}")))
}

/// A call: recorded when it is in the own body of a sync function, and when it runs on
/// the loop (in a coroutine, or a sync function `loop-entry-points` names).
pub(crate) fn on_call<'a>(cx: &mut Context<'a>, call: &'a ast::ExprCall) {
    let in_sync_function =
        matches!(cx.semantic().current_function_kind(), Some(ScopeKind::Function(function)) if !function.is_async);
    let on_loop = !in_sync_function || cx.loop_function().is_some();
    // What AG202 may report: a call made as a statement, or returned by a coroutine.
    let is_statement = match cx.statements().last() {
        Some(ast::Stmt::Expr(stmt)) => stmt.value.range() == call.range(),
        Some(ast::Stmt::Return(stmt)) => {
            !in_sync_function && stmt.value.as_ref().is_some_and(|value| value.range() == call.range())
        }
        _ => false,
    };
    if (on_loop || is_statement)
        && let Some(builder) = cx.summary()
        && let Some(callee) = callee_of(cx, &call.func, &builder.context)
    {
        let summary = &mut cx.summary_mut().expect("summarizing").summary;
        match (on_loop, is_statement) {
            (true, true) => {
                summary.loop_calls.push(callee.clone());
                summary.statement_calls.push(callee);
            }
            (true, false) => summary.loop_calls.push(callee),
            (false, _) => summary.statement_calls.push(callee),
        }
    }
    if !in_sync_function {
        return;
    }
    if needs_loop_thread(cx, call) {
        let binding = LoopBinding::LoopThread { call: cx.display_source(&call.func).into() };
        if let Some(builder) = cx.summary_mut() {
            let function = &mut builder.summary.functions[*builder.open_functions.last().expect("in a function")];
            function.loop_bound.get_or_insert_with(|| Box::new(binding));
        }
    }
    let blocking = blocking::find_unallowed_blocking_call(cx, call);
    let Some(builder) = cx.summary() else { return };
    let line = builder.lines.line_of(call.start());
    let location = builder.lines.position(call.start(), cx.source());
    if let Some(blocking) = blocking {
        let rule = crate::data::registry::find(blocking.entry.rule).expect("catalogue entries name known rules");
        let suppressed = builder.suppressions.suppresses(rule, line) || builder.suppresses_ag110(call.start());
        let guards = guards_at(cx, call.range());
        let on_passed_file = uses_file_passed_in(cx.semantic(), call, &blocking.qualified_name);
        let builder = cx.summary_mut().expect("summarizing");
        let function = &mut builder.summary.functions[*builder.open_functions.last().expect("in a function")];
        if blocking.entry.threads == Threads::NotThreadSafe && function.loop_bound.is_none() {
            let library = blocking.qualified_name.split('.').next().unwrap_or_default().into();
            function.loop_bound =
                Some(Box::new(LoopBinding::ThreadBound { call: blocking.display.as_str().into(), library }));
        }
        if !suppressed {
            if guards.is_empty() {
                function.unguarded_blocking = true;
            } else {
                function.parameters.get_or_insert_default().guarded_blocking.push(guards);
            }
            let cost = blocking.entry.cost;
            let count = function.blocking_call.as_ref().map_or(0, |costliest| costliest.count) + 1;
            let only_files_passed_in = on_passed_file
                && function.blocking_call.as_ref().is_none_or(|costliest| costliest.only_files_passed_in);
            match &mut function.blocking_call {
                Some(costliest) if costliest.cost >= cost => {
                    costliest.count = count;
                    costliest.only_files_passed_in = only_files_passed_in;
                }
                slot => {
                    let runner = blocking.entry.runner.as_deref().map(Box::from);
                    let display = blocking.display.into();
                    *slot = Some(Box::new(BlockingCallSite {
                        display,
                        location,
                        runner,
                        cost,
                        count,
                        only_files_passed_in,
                    }));
                }
            }
        }
        return;
    }
    if builder.suppresses_ag110(call.start()) {
        return;
    }
    if let Some(mut typed) = typed_call(cx, call) {
        let builder = cx.summary_mut().expect("summarizing");
        typed.function = *builder.open_functions.last().expect("in a function") as u32;
        builder.summary.typed_calls.push(typed);
    }
    let Some(builder) = cx.summary() else { return };
    let Some(callee) = callee_of(cx, &call.func, &builder.context) else { return };
    let guards = guards_at(cx, call.range());
    let own_parameter = |name: &str| own_parameter(cx.semantic(), name);
    let kwargs = forwarded_keywords(cx.semantic(), call);
    let spread = spread_keywords(cx.semantic(), &call.arguments);
    let knows_spread = spread.iter().any(|(_, value)| value.is_some());
    let arguments = (knows_spread || CallArguments::knows_any(&call.arguments, &own_parameter, kwargs))
        .then(|| CallArguments::of(&call.arguments, &own_parameter, kwargs).with_spread_keywords(spread));
    let builder = cx.summary_mut().expect("summarizing");
    let function = &mut builder.summary.functions[*builder.open_functions.last().expect("in a function")];
    if !guards.is_empty() || arguments.is_some() {
        let site = function.calls.len() as u32;
        function.parameters.get_or_insert_default().calls.push(CallParameters { site, guards, arguments });
    }
    function.calls.push(CallSite { callee, location });
}

/// Whether a blocking call is an I/O method of a file object the innermost function was
/// given as one of its parameters (`file_handle.read(1)`): the caller may have given an
/// in-memory buffer (`io.BytesIO`), which does no I/O. (Fields are not file objects to
/// the analysis: `self.fo.read()` is no blocking call of its own.)
fn uses_file_passed_in(semantic: &SemanticModel<'_>, call: &ast::ExprCall, qualified_name: &str) -> bool {
    qualified_name.starts_with("io.IOBase.")
        && matches!(&*call.func, Expr::Attribute(method)
            if matches!(&*method.value, Expr::Name(name) if own_parameter(semantic, name.id.as_str()).is_some()))
}

/// `obj.method(…)` where the module does not know the type of `obj` but the project
/// may (see [`TypeQuery`]), `method` is a blocking method of some type, and no `if` on
/// the function's parameters is around the call.
fn typed_call(cx: &mut Context<'_>, call: &ast::ExprCall) -> Option<TypedCall> {
    let Expr::Attribute(method) = &*call.func else { return None };
    // The cheap tests first: most calls of sync functions are none of these.
    if cx.settings().blocking_owners(method.attr.as_str()).next().is_none()
        || cx.type_of(&method.value).is_some()
        || !guards_at(cx, call.range()).is_empty()
    {
        return None;
    }
    let builder = cx.summary()?;
    let object = type_query(cx, &method.value, &builder.context).filter(|query| builder.may_answer(query))?;
    let mut owners: Vec<&str> = cx.settings().blocking_owners(method.attr.as_str()).collect();
    owners.sort_unstable();
    owners.dedup();
    let line = builder.lines.line_of(call.start());
    let location = builder.lines.position(call.start(), cx.source());
    let mut unblocked_for: Vec<Box<str>> = Vec::new();
    for owner in &owners {
        let name = format!("{owner}.{}", method.attr.as_str());
        let Some(entry) = cx.settings().listed_blocking_entry(&name) else { continue };
        let rule = crate::data::registry::find(entry.rule).expect("catalogue entries name known rules");
        let suppressed = cx.summary().is_some_and(|builder| builder.suppressions.suppresses(rule, line));
        if suppressed || blocking::is_allowed_call(cx, call, &name, entry) {
            unblocked_for.push((*owner).into());
        }
    }
    (unblocked_for.len() < owners.len()).then(|| TypedCall {
        function: 0,
        object,
        method: method.attr.as_str().into(),
        unblocked_for: unblocked_for.into(),
        display: cx.display_source(&call.func).into(),
        location,
    })
}

/// The question the project answers about the type of a method call's receiver, asked
/// the way the semantic model asks it (see [`crate::analysis::semantic::ProjectTypes`]): what a
/// project function returns (called here, or bound to a name of this scope), or an
/// object another module or class keeps.
fn type_query(cx: &Context<'_>, receiver: &Expr, context: &ModuleContext<'_>) -> Option<TypeQuery> {
    let semantic = cx.semantic();
    match receiver {
        Expr::Call(call) => Some(TypeQuery::Returned(callee_of(cx, &call.func, context)?)),
        Expr::Name(name) => match semantic.lookup_with_scope(name.id.as_str())? {
            (_, Binding::Import(_) | Binding::RelativeImport { .. }) => {
                Some(TypeQuery::Object(callee_of(cx, receiver, context)?))
            }
            (scope, Binding::Assigned(Expr::Call(call))) if scope + 1 == semantic.scopes().len() => {
                Some(TypeQuery::Returned(callee_of(cx, &call.func, context)?))
            }
            _ => None,
        },
        Expr::Attribute(_) => Some(TypeQuery::Object(callee_of(cx, receiver, context)?)),
        _ => None,
    }
}
