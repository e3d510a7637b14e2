//! What a function's parameters decide: the `if` guards on them around its calls
//! ([`Guard`]), the literals and parameters its calls pass on ([`CallArguments`]), and the
//! parameters a caller's arguments bind ([`ParameterFacts`]).

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextRange};
use serde::{Deserialize, Serialize};

use super::exports::is_named;
use crate::analysis::context::Context;
use crate::analysis::semantic::{Binding, ScopeKind, SemanticModel};

/// What the calling function's parameters decide of one of its calls.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallParameters {
    /// The call's index among the function's calls.
    pub site: u32,
    /// What they must be for the call to run.
    pub guards: Box<[Guard]>,
    /// `None` when nothing is known of them (no literal, no parameter passed on): no
    /// parameter of the callee gets a known value.
    pub arguments: Option<CallArguments>,
}

/// What a call passes, as far as literals and the caller's own parameters go.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CallArguments {
    /// Positional arguments in order (`None`: some other expression).
    pub positional: Box<[Option<Argument>]>,
    pub keywords: Box<[(Box<str>, Option<Argument>)]>,
    /// `*args` or `**kwargs` (but the forwarded ones below): any parameter may get a
    /// value not seen here.
    pub spreads: bool,
    /// `**kwargs` of the calling function's own `**kwargs` parameter, which it uses
    /// nowhere else: each keyword its caller passes beyond its named parameters reaches
    /// this call as it was passed.
    pub forwards_keywords: bool,
}

/// What a function's `**kwargs` holds under one name, as its caller's call says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forwarded {
    /// The caller passed no keyword of the name: the callee's own binding decides.
    Absent,
    /// The caller passed it (the literal, when it is one or is known).
    Passed(Option<Literal>),
}

/// An argument whose value the analysis may know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Argument {
    Literal(Literal),
    /// A parameter of the calling function, passed on (its index in its
    /// [`ParameterFacts::parameters`]).
    Parameter(u16),
}

impl CallArguments {
    /// Whether some argument is a literal or one of the calling function's parameters
    /// (`own_parameter` gives their indexes): otherwise a summary keeps no arguments for
    /// the call.
    /// `forwarded_keywords` names the calling function's `**kwargs` when it uses it only
    /// to pass it on.
    pub fn knows_any(
        arguments: &ast::Arguments,
        own_parameter: &dyn Fn(&str) -> Option<u16>,
        forwarded_keywords: Option<&str>,
    ) -> bool {
        let mut values = arguments.args.iter().chain(arguments.keywords.iter().map(|keyword| &keyword.value));
        values.any(|value| match value {
            Expr::Name(name) => own_parameter(name.id.as_str()).is_some(),
            other => Literal::of(other).is_some(),
        }) || forwards(arguments, forwarded_keywords)
    }

    /// Summarizes a call's arguments; `own_parameter` gives the index of a name that is
    /// a parameter of the calling function (none, to keep literals only), and
    /// `forwarded_keywords` names its `**kwargs` when it uses it only to pass it on.
    pub fn of(
        arguments: &ast::Arguments,
        own_parameter: &dyn Fn(&str) -> Option<u16>,
        forwarded_keywords: Option<&str>,
    ) -> Self {
        let argument = |expr: &Expr| match expr {
            Expr::Name(name) => own_parameter(name.id.as_str()).map(Argument::Parameter),
            other => Literal::of(other).map(Argument::Literal),
        };
        let forwards_keywords = forwards(arguments, forwarded_keywords);
        let spreads = arguments.args.iter().any(Expr::is_starred_expr)
            || arguments.keywords.iter().filter(|keyword| keyword.arg.is_none()).count()
                > usize::from(forwards_keywords);
        CallArguments {
            positional: arguments.args.iter().map(argument).collect(),
            keywords: arguments
                .keywords
                .iter()
                .filter_map(|keyword| Some((keyword.arg.as_ref()?.as_str().into(), argument(&keyword.value))))
                .collect(),
            spreads,
            forwards_keywords,
        }
    }

    /// Adds the keywords a `**options` argument of the call certainly passes (see
    /// [`spread_keywords`]) to those written out.
    pub fn with_spread_keywords(mut self, spread: Vec<(Box<str>, Option<Argument>)>) -> Self {
        if !spread.is_empty() {
            let mut keywords = std::mem::take(&mut self.keywords).into_vec();
            keywords.extend(spread);
            self.keywords = keywords.into();
        }
        self
    }

    pub(super) fn passes_parameters(&self) -> bool {
        let values = self.positional.iter().chain(self.keywords.iter().map(|(_, value)| value));
        self.forwards_keywords || values.flatten().any(|value| matches!(value, Argument::Parameter(_)))
    }

    /// What the `**kwargs` of the function this call calls holds under `name`
    /// (`helper`: its facts), given `known` (the calling function's parameters' values)
    /// and `forwarded` (what the calling function's own `**kwargs` holds).
    pub fn keyword_into_kwargs(
        &self,
        helper: &ParameterFacts,
        name: &str,
        known: &dyn Fn(u16) -> Option<Literal>,
        forwarded: &dyn Fn(&str) -> Forwarded,
    ) -> Forwarded {
        // A named parameter takes the keyword of its name: `**kwargs` never holds it.
        if helper.parameters.iter().any(|parameter| &*parameter.name == name) {
            return Forwarded::Absent;
        }
        if let Some((_, value)) = self.keywords.iter().find(|(keyword, _)| &**keyword == name) {
            return Forwarded::Passed(match value {
                Some(Argument::Literal(literal)) => Some(*literal),
                Some(Argument::Parameter(passed)) => known(*passed),
                None => None,
            });
        }
        match (self.spreads, self.forwards_keywords) {
            (true, _) => Forwarded::Passed(None),
            (false, true) => forwarded(name),
            (false, false) => Forwarded::Absent,
        }
    }

    /// The literal the call gives `helper`'s `parameter` (see [`bind`](Self::bind)), when
    /// known: one it passes, or the literal value (`known`) of a parameter of the calling
    /// function it passes on.
    pub fn literal_for(
        &self,
        helper: &ParameterFacts,
        passes_receiver: bool,
        parameter: u16,
        known: &dyn Fn(u16) -> Option<Literal>,
        forwarded: &dyn Fn(&str) -> Forwarded,
    ) -> Option<Literal> {
        match self.bind(helper, passes_receiver, parameter, forwarded)? {
            Argument::Literal(literal) => Some(literal),
            Argument::Parameter(passed) => known(passed),
        }
    }

    /// What the call gives `helper`'s `parameter` (by index): an argument, a keyword the
    /// calling function's `**kwargs` holds (`forwarded`), or the literal default of a
    /// parameter it leaves out. `passes_receiver`: the call passes a method's receiver
    /// among its arguments (`Class.method(obj, …)`).
    pub fn bind(
        &self,
        helper: &ParameterFacts,
        passes_receiver: bool,
        parameter: u16,
        forwarded: &dyn Fn(&str) -> Forwarded,
    ) -> Option<Argument> {
        let index = usize::from(parameter);
        let summary = helper.parameters.get(index)?;
        if let Some((_, value)) = self.keywords.iter().find(|(name, _)| *name == summary.name) {
            return value.clone();
        }
        if self.forwards_keywords
            && let Forwarded::Passed(value) = forwarded(&summary.name)
        {
            return value.map(Argument::Literal);
        }
        if self.spreads || passes_receiver {
            return None;
        }
        match self.positional.get(index) {
            Some(value) if summary.positional => value.clone(),
            _ => summary.default.map(Argument::Literal),
        }
    }
}

/// Whether the call passes on `**name`, the calling function's `**kwargs` that it uses
/// only to pass it on.
fn forwards(arguments: &ast::Arguments, forwarded_keywords: Option<&str>) -> bool {
    forwarded_keywords.is_some_and(|kwargs| {
        arguments.keywords.iter().any(|keyword| {
            keyword.arg.is_none() && matches!(&keyword.value, Expr::Name(name) if name.id.as_str() == kwargs)
        })
    })
}

/// The keywords that `**options` arguments of a call certainly pass, where `options` is
/// a variable of the innermost function bound once, to a dict display, and used for
/// nothing but reading it (`options[k]`, `k in options`, `options.get(k)`), subscript
/// assignments and `**options` arguments (`serve_args = {**settings, "run_async":
/// True}` then `serve(**serve_args)`): each string key after the display's last `**`
/// entry, with its value when that is a literal, but the keys a subscript assignment or
/// `del` sets (a key that is not a string literal: none is certain).
pub fn spread_keywords(semantic: &SemanticModel<'_>, arguments: &ast::Arguments) -> Vec<(Box<str>, Option<Argument>)> {
    let mut keywords = Vec::new();
    for keyword in arguments.keywords.iter().filter(|keyword| keyword.arg.is_none()) {
        let Expr::Name(name) = &keyword.value else { continue };
        let name = name.id.as_str();
        let Some((scope, binding)) = semantic.lookup_with_scope(name) else { continue };
        let (Binding::Assigned(Expr::Dict(dict)) | Binding::Annotated { value: Some(Expr::Dict(dict)), .. }) = binding
        else {
            continue;
        };
        let ScopeKind::Function(function) = semantic.scopes()[scope].kind else { continue };
        if scope + 1 != semantic.scopes().len() {
            continue;
        }
        let mut uses = DictUses { name, bindings: 0, set_keys: Vec::new(), other_use: false };
        uses.visit_body(&function.body);
        if uses.other_use || uses.bindings != 1 {
            continue;
        }
        let last_spread = dict.items.iter().rposition(|item| item.key.is_none()).map_or(0, |index| index + 1);
        for item in &dict.items[last_spread..] {
            let Some(Expr::StringLiteral(key)) = &item.key else { continue };
            let key = key.value.to_str();
            if !uses.set_keys.iter().any(|set| set.as_deref().is_none_or(|set| set == key)) {
                keywords.push((key.into(), Literal::of(&item.value).map(Argument::Literal)));
            }
        }
    }
    keywords
}

/// How a function uses a variable holding a dict (see [`spread_keywords`]).
struct DictUses<'n> {
    name: &'n str,
    /// How often it is bound (assigned, annotated with a value, a loop target, …).
    bindings: u32,
    /// The keys subscript assignments and `del` set; `None`: one not a string literal.
    set_keys: Vec<Option<Box<str>>>,
    /// A use that may change it unseen or let it escape.
    other_use: bool,
}

impl DictUses<'_> {
    fn is_it(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Name(name) if name.id.as_str() == self.name)
    }
}

impl<'b> Visitor<'b> for DictUses<'_> {
    fn visit_expr(&mut self, expr: &'b Expr) {
        match expr {
            Expr::Name(name) if name.id.as_str() == self.name => match name.ctx {
                ast::ExprContext::Store => self.bindings += 1,
                _ => self.other_use = true,
            },
            Expr::Subscript(subscript) if self.is_it(&subscript.value) => {
                if !subscript.ctx.is_load() {
                    let key = match &*subscript.slice {
                        Expr::StringLiteral(key) => Some(key.value.to_str().into()),
                        _ => None,
                    };
                    self.set_keys.push(key);
                }
                self.visit_expr(&subscript.slice);
            }
            Expr::Compare(compare)
                if matches!(&*compare.ops, [ast::CmpOp::In | ast::CmpOp::NotIn])
                    && compare.comparators.first().is_some_and(|container| self.is_it(container)) =>
            {
                self.visit_expr(&compare.left);
            }
            Expr::Call(call) => {
                let reads = matches!(&*call.func, Expr::Attribute(method)
                    if self.is_it(&method.value) && matches!(method.attr.as_str(), "get" | "keys" | "items" | "values" | "copy"));
                if !reads {
                    self.visit_expr(&call.func);
                }
                for argument in &call.arguments.args {
                    self.visit_expr(argument);
                }
                for keyword in &call.arguments.keywords {
                    if !(keyword.arg.is_none() && self.is_it(&keyword.value)) {
                        self.visit_expr(&keyword.value);
                    }
                }
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}

/// What a literal argument (or default) is, as far as an `if` on it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Literal {
    None,
    /// True, a non-zero number, a non-empty string.
    Truthy,
    /// False, zero, an empty string.
    Falsy,
}

impl Literal {
    pub fn of(expr: &Expr) -> Option<Literal> {
        let truthy = match expr {
            Expr::NoneLiteral(_) => return Some(Literal::None),
            Expr::BooleanLiteral(literal) => literal.value,
            Expr::NumberLiteral(ast::ExprNumberLiteral { value: ast::Number::Int(int), .. }) => int.as_u8() != Some(0),
            Expr::NumberLiteral(ast::ExprNumberLiteral { value: ast::Number::Float(float), .. }) => *float != 0.0,
            Expr::StringLiteral(string) => !string.value.is_empty(),
            _ => return None,
        };
        Some(if truthy { Literal::Truthy } else { Literal::Falsy })
    }
}

/// A condition on a parameter that an enclosing `if` puts on a call: `if param:`,
/// `if not param:`, `if param is None:` and their `else`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guard {
    /// The parameter's index in the function's [`ParameterFacts::parameters`].
    pub parameter: u16,
    pub live_when: Condition,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Condition {
    Truthy,
    Falsy,
    IsNone,
    IsNotNone,
}

impl Guard {
    /// Whether what these guards put under an `if` may run, the parameters' literal
    /// values being what `value_of` gives (`None`: not known, so not ruled out).
    pub fn leave_live(guards: &[Guard], value_of: &dyn Fn(u16) -> Option<Literal>) -> bool {
        !guards.iter().any(|guard| value_of(guard.parameter).is_some_and(|value| guard.is_violated_by(value)))
    }

    /// Whether a parameter with this literal value makes the guarded call dead.
    pub fn is_violated_by(&self, value: Literal) -> bool {
        match self.live_when {
            Condition::Truthy => value != Literal::Truthy,
            Condition::Falsy => value == Literal::Truthy,
            Condition::IsNone => value != Literal::None,
            Condition::IsNotNone => value == Literal::None,
        }
    }
}

/// What a function's parameters decide of its blocking calls and calls.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ParameterFacts {
    /// Its parameters, the receiver of a method (`self`, `cls`) left out.
    pub parameters: Vec<ParameterSummary>,
    /// A method called with its receiver first: `self.m(a)` binds `a` to the second
    /// parameter.
    pub has_receiver: bool,
    /// What the parameters must be for each blocking call of its own body that an `if`
    /// on them guards to run.
    pub guarded_blocking: Vec<Box<[Guard]>>,
    /// What they decide of its calls, for the calls they decide anything of, by site.
    pub calls: Vec<CallParameters>,
}

impl ParameterFacts {
    /// The facts of the call at `site`.
    pub fn call(&self, site: usize) -> Option<&CallParameters> {
        let found = self.calls.binary_search_by_key(&site, |call| call.site as usize).ok()?;
        Some(&self.calls[found])
    }
}

/// A parameter of a function, as a caller's arguments bind it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParameterSummary {
    pub name: Box<str>,
    /// Its default, when that is a literal.
    pub default: Option<Literal>,
    /// Whether a positional argument may bind it.
    pub positional: bool,
}

/// The function whose own scope is innermost (not a lambda's or comprehension's), and
/// whether it is called with a receiver (a method, not static).
pub(super) fn innermost_function<'a>(semantic: &SemanticModel<'a>) -> Option<(&'a ast::StmtFunctionDef, bool)> {
    let [.., outer, innermost] = semantic.scopes() else { return None };
    let ScopeKind::Function(function) = innermost.kind else { return None };
    let is_static = function.decorator_list.iter().any(|decorator| is_named(&decorator.expression, "staticmethod"));
    Some((function, matches!(outer.kind, ScopeKind::Class(_)) && !is_static))
}

/// The index, in its [`ParameterFacts::parameters`], of the parameter `name` of the
/// innermost function, when `name` is one never rebound in it.
pub(super) fn own_parameter(semantic: &SemanticModel<'_>, name: &str) -> Option<u16> {
    let (function, has_receiver) = innermost_function(semantic)?;
    let innermost = semantic.scopes().len() - 1;
    let (scope, Binding::Parameter(_)) = semantic.lookup_with_scope(name)? else { return None };
    if scope != innermost {
        return None;
    }
    let parameters = &function.parameters;
    let positional = parameters.posonlyargs.iter().chain(&parameters.args).skip(usize::from(has_receiver));
    let index =
        positional.chain(&parameters.kwonlyargs).position(|parameter| parameter.parameter.name.as_str() == name)?;
    u16::try_from(index).ok()
}

/// The name of the innermost function's `**kwargs`, when `call` passes it on and the
/// function uses it nowhere but in such `**kwargs` arguments (not read, changed or
/// rebound, not even by an inner function).
pub(super) fn forwarded_keywords<'a>(semantic: &SemanticModel<'a>, call: &ast::ExprCall) -> Option<&'a str> {
    let (function, _) = innermost_function(semantic)?;
    let kwargs = function.parameters.kwarg.as_deref()?.name.as_str();
    if !forwards(&call.arguments, Some(kwargs)) {
        return None;
    }
    let mut uses = OtherUses { name: kwargs, found: false };
    uses.visit_body(&function.body);
    (!uses.found).then_some(kwargs)
}

/// Finds a use of `name` other than as the value of a `**` argument.
struct OtherUses<'n> {
    name: &'n str,
    found: bool,
}

impl<'b> Visitor<'b> for OtherUses<'_> {
    fn visit_expr(&mut self, expr: &'b Expr) {
        match expr {
            Expr::Name(name) if name.id.as_str() == self.name => self.found = true,
            Expr::Call(call) => {
                self.visit_expr(&call.func);
                for argument in &call.arguments.args {
                    self.visit_expr(argument);
                }
                for keyword in &call.arguments.keywords {
                    let forwarded = keyword.arg.is_none()
                        && matches!(&keyword.value, Expr::Name(name) if name.id.as_str() == self.name);
                    if !forwarded {
                        self.visit_expr(&keyword.value);
                    }
                }
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}

/// The parameters a caller's arguments bind, after the receiver of a method.
pub(super) fn parameter_summaries(parameters: &ast::Parameters, has_receiver: bool) -> Vec<ParameterSummary> {
    let positional = parameters.posonlyargs.iter().chain(&parameters.args).skip(usize::from(has_receiver));
    let summary = |parameter: &ast::ParameterWithDefault, positional: bool| ParameterSummary {
        name: parameter.parameter.name.as_str().into(),
        default: parameter.default.as_deref().and_then(Literal::of),
        positional,
    };
    positional
        .map(|parameter| summary(parameter, true))
        .chain(parameters.kwonlyargs.iter().map(|parameter| summary(parameter, false)))
        .collect()
}

/// What the enclosing function's parameters must be for what is at `position` to run, as the `if`
/// statements around it, and the guard clauses before it (`if p: return …`), in the
/// function's own body say.
pub(super) fn guards_at(cx: &Context<'_>, position: TextRange) -> Box<[Guard]> {
    let own_parameter = |name: &str| own_parameter(cx.semantic(), name);
    let statements = cx.statements();
    let body_start = statements.iter().rposition(|stmt| matches!(stmt, ast::Stmt::FunctionDef(_))).map_or(0, |i| i + 1);
    let mut guards = Vec::new();
    // An earlier `if` of the function's own body whose block leaves the function (ends in
    // `return` or `raise`) and has no `elif`/`else`: what follows it runs only when its
    // test was false (`if run_async: return AsyncioServer(…)`).
    if let Some(ast::Stmt::FunctionDef(function)) = body_start.checked_sub(1).map(|index| statements[index]) {
        for stmt in function.body.iter().take_while(|stmt| stmt.end() <= position.start()) {
            if let ast::Stmt::If(if_stmt) = stmt
                && if_stmt.elif_else_clauses.is_empty()
                && matches!(if_stmt.body.last(), Some(ast::Stmt::Return(_) | ast::Stmt::Raise(_)))
            {
                test_guards(&if_stmt.test, false, &own_parameter, &mut guards, 0);
            }
        }
    }
    for stmt in &statements[body_start..] {
        let ast::Stmt::If(if_stmt) = stmt else { continue };
        if if_stmt.body.first().is_some_and(|first| first.start() <= position.start())
            && if_stmt.body.last().is_some_and(|last| position.end() <= last.end())
        {
            test_guards(&if_stmt.test, true, &own_parameter, &mut guards, 0);
            continue;
        }
        // In an `elif` or `else` clause: each earlier test was false, its own is true.
        let mut earlier: Vec<&Expr> = vec![&if_stmt.test];
        for clause in &if_stmt.elif_else_clauses {
            if clause.range().contains_range(position) {
                for test in &earlier {
                    test_guards(test, false, &own_parameter, &mut guards, 0);
                }
                if let Some(test) = &clause.test {
                    test_guards(test, true, &own_parameter, &mut guards, 0);
                }
                break;
            }
            earlier.extend(clause.test.as_ref());
        }
    }
    guards.into()
}

/// `not` and `and`/`or` nested deeper than this put no guards (fewer guards only keep
/// more calls live).
const MAX_GUARD_DEPTH: u8 = 16;

/// The guards a test puts on the parameters when it is `holds` (true, or false): each
/// one a condition that must hold (what cannot be put so is left out). `depth`: how
/// deep in the test this is.
fn test_guards(
    test: &Expr,
    holds: bool,
    own_parameter: &dyn Fn(&str) -> Option<u16>,
    guards: &mut Vec<Guard>,
    depth: u8,
) {
    if depth > MAX_GUARD_DEPTH {
        return;
    }
    let mut guard = |name: &ast::ExprName, live_when: Condition| {
        if let Some(parameter) = own_parameter(name.id.as_str()) {
            guards.push(Guard { parameter, live_when });
        }
    };
    match test {
        Expr::Name(name) => guard(name, if holds { Condition::Truthy } else { Condition::Falsy }),
        Expr::UnaryOp(ast::ExprUnaryOp { op: ast::UnaryOp::Not, operand, .. }) => {
            test_guards(operand, !holds, own_parameter, guards, depth + 1);
        }
        Expr::Compare(ast::ExprCompare { left, ops, comparators, .. }) => {
            let (Expr::Name(name), [op], [Expr::NoneLiteral(_)]) = (&**left, &ops[..], &comparators[..]) else {
                return;
            };
            let is_none = match op {
                ast::CmpOp::Is => holds,
                ast::CmpOp::IsNot => !holds,
                _ => return,
            };
            guard(name, if is_none { Condition::IsNone } else { Condition::IsNotNone });
        }
        // `a and b` true: both are; `a or b` false: neither is.
        Expr::BoolOp(ast::ExprBoolOp { op, values, .. }) if (*op == ast::BoolOp::And) == holds => {
            for value in values {
                test_guards(value, holds, own_parameter, guards, depth + 1);
            }
        }
        _ => {}
    }
}
