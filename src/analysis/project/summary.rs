//! The summary of one module that the project-wide analysis keeps instead of its AST:
//! its functions and methods (where they are defined, whether they are `async`, the
//! first blocking call each makes directly, and the project functions each calls, as
//! references still to be resolved), its classes (bases, methods, the instances their
//! `__init__` stores in fields) and the names it exports.
//!
//! A summary is built in the same walk as the checks ([`crate::rules::cx`]), with the same
//! semantic model; [`callee_of`] turns a call's callee into a [`Callee`] the same way for
//! a summary and for the rules that look a call up in the project.

use std::cell::RefCell;
use std::collections::HashSet;
use std::hash::Hasher;
use std::path::PathBuf;

use ruff_python_ast::{self as ast, Expr, Operator};
use ruff_text_size::Ranged;
use serde::{Deserialize, Serialize};
use siphasher::sip::SipHasher13;

use super::modules::ModuleNames;
use crate::analysis::blocking;
use crate::analysis::context::Context;
use crate::analysis::semantic::{Binding, OwnAttribute, Resolved, Scope, ScopeKind, SemanticModel};
use crate::data::catalogue::Threads;
use crate::data::noqa::Suppressions;
use crate::data::registry;
use crate::data::source::{LineIndex, Position};

/// Bases every class may have that define none of the project's methods.
const NEUTRAL_BASE_MODULES: &[&str] = &["typing", "typing_extensions", "abc", "enum"];

/// Assignments are followed this many times at most (`a = b; b = a`).
const MAX_ALIAS_DEPTH: u8 = 4;

/// A name the project index resolves.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Symbol {
    /// A function or class of the same module by its qualified name in the module
    /// (`Cache`, `Cache.get`, `outer.<locals>.inner`).
    Local(Box<str>),
    /// A dotted name into the project's modules: `app.storage.load_settings`.
    Global(Box<str>),
}

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
    fn symbols(&self) -> impl Iterator<Item = &Symbol> {
        let other = match self {
            Callee::Conditional { orelse, .. } => Some(orelse.symbol()),
            _ => None,
        };
        std::iter::once(self.symbol()).chain(other)
    }
}

/// A question about an object's type that the module could not answer alone, asked
/// where the rules report (see [`crate::rules::cx::Checker::object_type`]).
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

/// What a module-level name (or a variable) refers to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Referent {
    /// A function, class or module.
    Symbol(Symbol),
    /// An instance of a class: `cache = Cache()`.
    Instance(Symbol),
}

/// A call of a sync function that blocks (catalogue or configured).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BlockingCallSite {
    /// How the call reads: `time.sleep`, `open`, `session.get`.
    pub display: Box<str>,
    pub location: Position,
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
    /// `*args` or `**kwargs`: any parameter may get a value not seen here.
    pub spreads: bool,
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
    pub fn knows_any(arguments: &ast::Arguments, own_parameter: &dyn Fn(&str) -> Option<u16>) -> bool {
        let mut values = arguments.args.iter().chain(arguments.keywords.iter().map(|keyword| &keyword.value));
        values.any(|value| match value {
            Expr::Name(name) => own_parameter(name.id.as_str()).is_some(),
            other => Literal::of(other).is_some(),
        })
    }

    /// Summarizes a call's arguments; `own_parameter` gives the index of a name that is
    /// a parameter of the calling function (none, to keep literals only).
    pub fn of(arguments: &ast::Arguments, own_parameter: &dyn Fn(&str) -> Option<u16>) -> Self {
        let argument = |expr: &Expr| match expr {
            Expr::Name(name) => own_parameter(name.id.as_str()).map(Argument::Parameter),
            other => Literal::of(other).map(Argument::Literal),
        };
        let spreads = arguments.args.iter().any(Expr::is_starred_expr)
            || arguments.keywords.iter().any(|keyword| keyword.arg.is_none());
        CallArguments {
            positional: arguments.args.iter().map(argument).collect(),
            keywords: arguments
                .keywords
                .iter()
                .filter_map(|keyword| Some((keyword.arg.as_ref()?.as_str().into(), argument(&keyword.value))))
                .collect(),
            spreads,
        }
    }

    fn passes_parameters(&self) -> bool {
        let values = self.positional.iter().chain(self.keywords.iter().map(|(_, value)| value));
        values.flatten().any(|value| matches!(value, Argument::Parameter(_)))
    }

    /// What the call gives `helper`'s `parameter` (by index): an argument, or the literal default of
    /// a parameter it leaves out. `passes_receiver`: the call passes a method's receiver
    /// among its arguments (`Class.method(obj, …)`).
    pub fn bind(&self, helper: &ParameterFacts, passes_receiver: bool, parameter: u16) -> Option<Argument> {
        let index = usize::from(parameter);
        let summary = helper.parameters.get(index)?;
        if let Some((_, value)) = self.keywords.iter().find(|(name, _)| *name == summary.name) {
            return value.clone();
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

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FunctionSummary {
    pub qualname: Box<str>,
    /// Where its name stands in the `def`.
    pub location: Position,
    pub is_async: bool,
    /// Decorated by something else than the catalogue's `plain-decorators`: what calling
    /// it does is unknown.
    pub decorated: bool,
    /// `# noqa: AG110` on its `def` line: treated as not blocking.
    pub suppressed: bool,
    /// Wrapped in `functools.cache`/`lru_cache`: its body runs on the first call (with
    /// given arguments) only.
    pub cached: bool,
    /// The first blocking call of its own body (sync functions only).
    pub blocking_call: Option<BlockingCallSite>,
    /// A blocking call of its own body runs whatever its parameters are.
    pub unguarded_blocking: bool,
    /// What its parameters decide, when they decide anything (kept apart: most functions
    /// test none).
    pub parameters: Option<Box<ParameterFacts>>,
    /// Its own body calls what must run on the event loop's thread (the catalogue's
    /// `loop-bound`), or uses an object that may not move to another thread (a
    /// catalogue call marked `not-thread-safe`: `sqlite3`): moved to a worker thread, it
    /// would fail or race with the loop.
    pub loop_bound: bool,
    /// The calls of its own body that may reach project functions (sync functions only).
    pub calls: Vec<CallSite>,
    /// The tracked type it declares it returns (sync, undecorated functions only), for
    /// other modules' `c = make_client()`.
    pub returns: Option<Box<str>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClassSummary {
    pub qualname: Box<str>,
    /// In order; `None` for a base the analysis cannot know (from outside the project).
    pub bases: Vec<Option<Symbol>>,
    /// Method name → index into the module's functions; `None` when defined twice.
    pub methods: Vec<(Box<str>, Option<usize>)>,
    /// Fields `__init__` sets to an instance of a class (`self.cache = Cache()`); `None`
    /// when set twice, or to anything else.
    pub fields: Vec<(Box<str>, Option<Symbol>)>,
}

/// The type a class gives one of its instance attributes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum AttributeType {
    /// `self.db = sqlite3.connect(…)`, `client: redis.Redis`, a property so annotated.
    Tracked(Box<str>),
    /// `self.http = make_client()`: what the project function called declares it returns.
    Returned(Callee),
}

/// A short, stable hash of an attribute's name (see [`FileSummary::untyped_attributes`]).
pub fn attribute_hash(name: &str) -> u32 {
    let mut hasher = SipHasher13::new();
    hasher.write(name.as_bytes());
    hasher.finish() as u32
}

/// Everything the project-wide analysis keeps of one module.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FileSummary {
    pub path: PathBuf,
    pub module: ModuleNames,
    pub functions: Vec<FunctionSummary>,
    pub classes: Vec<ClassSummary>,
    /// Module-level names, as other modules import them.
    pub exports: Vec<(Box<str>, Referent)>,
    /// Modules imported with `from m import *`, absolute.
    pub star_imports: Vec<Box<str>>,
    /// The calls AG110 may report: those outside the own bodies of sync functions.
    pub loop_calls: Vec<Callee>,
    /// The calls AG202 may report: those made as statements.
    pub statement_calls: Vec<Callee>,
    /// Module-level names bound to objects of a tracked type, sorted by name.
    pub objects: Vec<(Box<str>, Box<str>)>,
    /// The instance attributes a class (an index into `classes`) declares or assigns
    /// itself a tracked type, or what a project function returns.
    pub attribute_types: Vec<(u32, Box<str>, AttributeType)>,
    /// The other attributes a class declares or assigns itself (methods aside), when it
    /// has a base class of the project, as sorted (class, [`attribute_hash`]): they hide
    /// a base class's attribute of the name. Most attributes are such, and a hash takes
    /// a tenth of a name's room; two names that hash alike only hide more.
    pub untyped_attributes: Vec<(u32, u32)>,
    /// The method calls of sync functions' own bodies on objects only the project types,
    /// under no `if` on their parameters, by function. Kept here rather than in each
    /// function's summary: most functions have none.
    pub typed_calls: Vec<TypedCall>,
    /// What the rules asked the project about the types of objects used where they
    /// report: answered, the module is checked again with the index.
    pub type_queries: Vec<TypeQuery>,
}

impl FileSummary {
    /// Gives back the room its vectors grew into: a project's summaries are all kept.
    fn shrink_to_fit(&mut self) {
        for function in &mut self.functions {
            function.calls.shrink_to_fit();
            if let Some(facts) = &mut function.parameters {
                facts.parameters.shrink_to_fit();
                facts.guarded_blocking.shrink_to_fit();
                facts.calls.shrink_to_fit();
            }
        }
        for class in &mut self.classes {
            class.bases.shrink_to_fit();
            class.methods.shrink_to_fit();
            class.fields.shrink_to_fit();
        }
        self.functions.shrink_to_fit();
        self.classes.shrink_to_fit();
        self.exports.shrink_to_fit();
        self.star_imports.shrink_to_fit();
        self.loop_calls.shrink_to_fit();
        self.statement_calls.shrink_to_fit();
        self.objects.shrink_to_fit();
        self.attribute_types.shrink_to_fit();
        self.untyped_attributes.shrink_to_fit();
        self.typed_calls.shrink_to_fit();
        self.type_queries.shrink_to_fit();
    }
}

/// What qualifying a module's names needs to know about the module and the project.
#[derive(Clone, Copy)]
pub struct ModuleContext<'p> {
    /// The package relative imports start from.
    pub package: Option<&'p str>,
    /// The project's top-level module names: other dotted names are not the project's.
    pub top_levels: &'p HashSet<Box<str>>,
}

impl ModuleContext<'_> {
    fn is_project(&self, symbol: &Symbol) -> bool {
        match symbol {
            Symbol::Local(_) => true,
            Symbol::Global(path) => self.is_project_name(path),
        }
    }

    /// Whether a dotted name starts with one of the project's top-level modules.
    pub fn is_project_name(&self, name: &str) -> bool {
        self.top_levels.contains(name.split('.').next().unwrap_or(name))
    }

    /// The package `level` dots refer to: 1 is the module's own package.
    fn package_at(&self, level: u32) -> Option<&str> {
        let mut package = self.package?;
        for _ in 1..level {
            package = package.rsplit_once('.')?.0;
        }
        Some(package)
    }

    /// `from ..a import b` (level 2) in package `p.q` → `p.a`, or `p.a.b` with `name`.
    fn absolute(&self, level: u32, module: Option<&str>, name: Option<&str>) -> Option<Box<str>> {
        let mut absolute = self.package_at(level)?.to_owned();
        for part in [module, name].into_iter().flatten() {
            absolute.push('.');
            absolute.push_str(part);
        }
        Some(absolute.into())
    }
}

/// The qualified name, in its module, of `name` defined in the innermost of `scopes`.
fn qualname_in(scopes: &[Scope<'_>], name: &str) -> Box<str> {
    let mut qualname = String::new();
    for scope in scopes {
        match scope.kind {
            // Nothing `def` or `class` defines can be in a comprehension's own scope.
            ScopeKind::Module | ScopeKind::Comprehension => {}
            ScopeKind::Class(class) => {
                qualname.push_str(class.name.as_str());
                qualname.push('.');
            }
            ScopeKind::Function(function) => {
                qualname.push_str(function.name.as_str());
                qualname.push_str(".<locals>.");
            }
            ScopeKind::Lambda => qualname.push_str("<lambda>.<locals>."),
        }
    }
    qualname.push_str(name);
    qualname.into()
}

/// Resolves names of one module to [`Referent`]s and [`Callee`]s.
struct Resolver<'s, 'a> {
    semantic: &'s SemanticModel<'a>,
    context: &'s ModuleContext<'s>,
}

impl<'a> Resolver<'_, 'a> {
    fn referent(&self, name: &str, depth: u8) -> Option<Referent> {
        if depth > MAX_ALIAS_DEPTH {
            return None;
        }
        let (scope, binding) = self.semantic.lookup_with_scope(name)?;
        let scopes = &self.semantic.scopes()[..=scope];
        let referent = match binding {
            Binding::Import(qualified) => Referent::Symbol(Symbol::Global(qualified.clone())),
            Binding::RelativeImport { level, module, name } => {
                Referent::Symbol(Symbol::Global(self.context.absolute(*level, *module, Some(name))?))
            }
            Binding::Function(function) => Referent::Symbol(Symbol::Local(qualname_in(scopes, function.name.as_str()))),
            Binding::Class(class) => Referent::Symbol(Symbol::Local(qualname_in(scopes, class.name.as_str()))),
            Binding::Assigned(value) => self.value_referent(value, depth + 1)?,
            Binding::Annotated { annotation, value } => match self.annotated_class(annotation, depth + 1) {
                Some(class) => Referent::Instance(class),
                None => self.value_referent((*value)?, depth + 1)?,
            },
            Binding::Parameter(Some(annotation)) => Referent::Instance(self.annotated_class(annotation, depth + 1)?),
            _ => return None,
        };
        Some(referent)
    }

    /// What a value refers to: an alias (`load = storage.load`) or a new instance.
    fn value_referent(&self, value: &Expr, depth: u8) -> Option<Referent> {
        match value {
            Expr::Call(call) => Some(Referent::Instance(self.symbol(&call.func, depth)?)),
            Expr::Name(_) | Expr::Attribute(_) => {
                let (root, attributes) = split_dotted(value)?;
                match self.referent(root, depth)? {
                    Referent::Symbol(symbol) => Some(Referent::Symbol(append(symbol, &attributes))),
                    Referent::Instance(class) if attributes.is_empty() => Some(Referent::Instance(class)),
                    Referent::Instance(_) => None,
                }
            }
            _ => None,
        }
    }

    /// The function, class or module a dotted expression names.
    fn symbol(&self, expr: &Expr, depth: u8) -> Option<Symbol> {
        match self.value_referent(expr, depth)? {
            Referent::Symbol(symbol) => Some(symbol),
            Referent::Instance(_) => None,
        }
    }

    /// The class an annotation declares: `Cache`, `Cache | None`, `Optional[Cache]`.
    fn annotated_class(&self, annotation: &Expr, depth: u8) -> Option<Symbol> {
        match annotation {
            Expr::Name(_) | Expr::Attribute(_) => self.symbol(annotation, depth),
            Expr::BinOp(ast::ExprBinOp { left, op: Operator::BitOr, right, .. }) => match (&**left, &**right) {
                (Expr::NoneLiteral(_), other) | (other, Expr::NoneLiteral(_)) => self.annotated_class(other, depth),
                _ => None,
            },
            Expr::Subscript(subscript) => {
                let mut buf = String::new();
                let resolved = self.semantic.resolve(&subscript.value, &mut buf);
                let is_optional = matches!(resolved, Some(Resolved::QualifiedName)) && buf == "typing.Optional";
                is_optional.then(|| self.annotated_class(&subscript.slice, depth)).flatten()
            }
            _ => None,
        }
    }

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

    fn callee(&self, func: &Expr) -> Option<Callee> {
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
        let callee = if let Some(class) = self.receiver_class(root) {
            match attributes[..] {
                [method] => Callee::Method { class, method: method.into() },
                [field, method] => Callee::FieldMethod { class, field: field.into(), method: method.into() },
                _ => return None,
            }
        } else {
            match (self.referent(root, 0)?, &attributes[..]) {
                (Referent::Symbol(symbol), _) => Callee::Symbol(append(symbol, &attributes)),
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

/// `a.b.c` → (`a`, [`b`, `c`]).
fn split_dotted(expr: &Expr) -> Option<(&str, Vec<&str>)> {
    let mut attributes = Vec::new();
    let mut root = expr;
    while let Expr::Attribute(attribute) = root {
        attributes.push(attribute.attr.as_str());
        root = &attribute.value;
    }
    attributes.reverse();
    Some((root.as_name_expr()?.id.as_str(), attributes))
}

fn append(symbol: Symbol, attributes: &[&str]) -> Symbol {
    if attributes.is_empty() {
        return symbol;
    }
    let (Symbol::Local(path) | Symbol::Global(path)) = &symbol;
    let joined: Box<str> = format!("{path}.{}", attributes.join(".")).into();
    match symbol {
        Symbol::Local(_) => Symbol::Local(joined),
        Symbol::Global(_) => Symbol::Global(joined),
    }
}

fn is_named(expr: &Expr, name: &str) -> bool {
    matches!(expr, Expr::Name(named) if named.id.as_str() == name)
}

/// What the call's callee refers to in the project, if it may be a project function.
pub fn callee_of(cx: &Context<'_>, func: &Expr, context: &ModuleContext<'_>) -> Option<Callee> {
    Resolver { semantic: cx.semantic(), context }.callee(func)
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

/// Builds a [`FileSummary`] during the cx's walk; the cx calls the hooks below.
pub struct SummaryBuilder<'a> {
    summary: FileSummary,
    context: ModuleContext<'a>,
    lines: &'a LineIndex,
    suppressions: &'a Suppressions,
    /// Indexes of the functions and classes being walked, innermost last.
    open_functions: Vec<usize>,
    open_classes: Vec<usize>,
    /// See [`FileSummary::type_queries`]; asked through a shared cx. The set
    /// keeps the first of each.
    type_queries: RefCell<(Vec<TypeQuery>, HashSet<TypeQuery>)>,
}

impl<'a> SummaryBuilder<'a> {
    pub fn new(
        path: PathBuf,
        module: ModuleNames,
        context: ModuleContext<'a>,
        lines: &'a LineIndex,
        suppressions: &'a Suppressions,
    ) -> Self {
        SummaryBuilder {
            summary: FileSummary { path, module, ..FileSummary::default() },
            context,
            lines,
            suppressions,
            open_functions: Vec::new(),
            open_classes: Vec::new(),
            type_queries: RefCell::default(),
        }
    }

    pub fn context(&self) -> &ModuleContext<'a> {
        &self.context
    }

    /// Keeps a question for the index (see [`FileSummary::type_queries`]).
    pub fn ask(&self, query: TypeQuery) {
        let (queries, seen) = &mut *self.type_queries.borrow_mut();
        if self.may_answer(&query) && seen.insert(query.clone()) {
            queries.push(query);
        }
    }

    /// Whether the index may know more than the module of what a question asks: not of
    /// the names of other packages, nor of an attribute of a class of this module none of
    /// whose bases is the project's, unless it holds what a project function returns
    /// (the module sees all else that such a class does).
    fn may_answer(&self, query: &TypeQuery) -> bool {
        let (TypeQuery::Returned(callee) | TypeQuery::Object(callee)) = query;
        if !callee.symbols().all(|symbol| self.context.is_project(symbol)) {
            return false;
        }
        let TypeQuery::Object(Callee::Method { class: Symbol::Local(qualname), method: attribute }) = query else {
            return true;
        };
        let returned = |index: usize| {
            self.summary.attribute_types.iter().any(|(class, name, ty)| {
                *class as usize == index && name == attribute && matches!(ty, AttributeType::Returned(_))
            })
        };
        let mut classes =
            self.summary.classes.iter().enumerate().filter(|(_, class)| class.qualname == *qualname).peekable();
        classes.peek().is_none()
            || classes.any(|(index, class)| class.bases.iter().any(Option::is_some) || returned(index))
    }

    fn suppresses_ag110(&self, offset: ruff_text_size::TextSize) -> bool {
        self.suppressions.suppresses(&registry::BLOCKING_VIA_HELPER, self.lines.line_of(offset))
    }

    /// The module-level names and star imports, once the walk is back at module level.
    pub fn finish(mut self, semantic: &SemanticModel<'_>, module: &ast::ModModule) -> FileSummary {
        let resolver = Resolver { semantic, context: &self.context };
        let mut exports: Vec<(Box<str>, Referent)> = semantic.scopes()[0]
            .bindings()
            .filter_map(|(name, _)| Some((Box::from(name), resolver.referent(name, 0)?)))
            .filter(|(_, referent)| {
                let (Referent::Symbol(symbol) | Referent::Instance(symbol)) = referent;
                self.context.is_project(symbol)
            })
            .collect();
        exports.sort_by(|a, b| a.0.cmp(&b.0));
        self.summary.exports = exports;
        let mut objects: Vec<(Box<str>, Box<str>)> =
            semantic.module_objects().into_iter().map(|(name, ty)| (name.into(), ty.into())).collect();
        objects.sort_unstable();
        self.summary.objects = objects;
        self.summary.type_queries = self.type_queries.take().0;
        self.summary.untyped_attributes.sort_unstable();
        self.summary.untyped_attributes.dedup();
        // By function, each function's in the order made.
        self.summary.typed_calls.sort_by_key(|call| call.function);
        for stmt in &module.body {
            if let ast::Stmt::ImportFrom(import) = stmt
                && import.names.iter().any(|alias| alias.name.as_str() == "*")
            {
                let module = import.module.as_ref().map(|module| module.as_str());
                let star = match import.level {
                    0 => module.map(Box::from),
                    level => self.context.absolute(level, module, None),
                };
                self.summary.star_imports.extend(star);
            }
        }
        self.summary.shrink_to_fit();
        self.summary
    }
}

/// A class is entered: called before its scope is pushed (its bases are evaluated outside it).
pub(crate) fn enter_class<'a>(cx: &mut Context<'a>, class: &'a ast::StmtClassDef) {
    let Some(builder) = cx.summary() else { return };
    let resolver = Resolver { semantic: cx.semantic(), context: &builder.context };
    let bases: Vec<Option<Symbol>> = class
        .bases()
        .iter()
        .filter_map(|base| {
            let base = match base {
                Expr::Subscript(subscript) => &*subscript.value,
                other => other,
            };
            if is_named(base, "object") || is_neutral_base(cx.semantic(), base) {
                return None;
            }
            Some(resolver.symbol(base, 0).filter(|symbol| builder.context.is_project(symbol)))
        })
        .collect();
    let scopes = cx.semantic().scopes();
    let qualname = qualname_in(scopes, class.name.as_str());
    // Only what hides a base class's attribute matters of the untyped ones.
    let has_project_base = bases.iter().any(Option::is_some);
    let resolver = Resolver { semantic: cx.semantic(), context: &builder.context };
    let attributes: Vec<(&str, Option<AttributeType>)> = cx
        .semantic()
        .own_instance_attributes(class, scopes.len())
        .into_iter()
        .map(|(name, own)| {
            let ty = match own {
                OwnAttribute::Tracked(ty) => Some(AttributeType::Tracked(ty.into())),
                OwnAttribute::Returned(call) => resolver.callee(&call.func).map(AttributeType::Returned),
                OwnAttribute::Untracked => None,
            };
            (name, ty)
        })
        .filter(|(_, ty)| ty.is_some() || has_project_base)
        .collect();
    let builder = cx.summary_mut().expect("summarizing");
    let index = builder.summary.classes.len() as u32;
    for (name, ty) in attributes {
        match ty {
            Some(ty) => builder.summary.attribute_types.push((index, name.into(), ty)),
            None => builder.summary.untyped_attributes.push((index, attribute_hash(name))),
        }
    }
    builder.open_classes.push(builder.summary.classes.len());
    builder.summary.classes.push(ClassSummary { qualname, bases, methods: Vec::new(), fields: Vec::new() });
}

/// `@staticmethod`, `@functools.lru_cache(maxsize=1)`, …: see the catalogue.
fn is_plain_decorator(semantic: &SemanticModel<'_>, decorator: &ast::Decorator) -> bool {
    decorator_name(semantic, decorator).is_some_and(|name| semantic.catalogue().plain_decorators.contains(&name))
}

/// `@functools.cache`, `@functools.lru_cache(maxsize=…)`: the body runs on the first call
/// with given arguments only.
fn is_cache_decorator(semantic: &SemanticModel<'_>, decorator: &ast::Decorator) -> bool {
    decorator_name(semantic, decorator)
        .is_some_and(|name| matches!(name.as_str(), "functools.cache" | "functools.lru_cache"))
}

/// The qualified name of a decorator (of the function a decorator factory call names).
fn decorator_name(semantic: &SemanticModel<'_>, decorator: &ast::Decorator) -> Option<String> {
    let expression = match &decorator.expression {
        Expr::Call(call) => &*call.func,
        other => other,
    };
    let mut buf = String::new();
    matches!(semantic.resolve(expression, &mut buf), Some(Resolved::QualifiedName)).then_some(buf)
}

fn is_neutral_base(semantic: &SemanticModel<'_>, base: &Expr) -> bool {
    let mut buf = String::new();
    matches!(semantic.resolve(base, &mut buf), Some(Resolved::QualifiedName))
        && NEUTRAL_BASE_MODULES.contains(&buf.split('.').next().unwrap_or_default())
}

/// A class is left, after its scope is popped.
pub(crate) fn exit_class(cx: &mut Context<'_>) {
    if let Some(builder) = cx.summary_mut() {
        builder.open_classes.pop();
    }
}

/// A function is entered, after its scope is pushed.
pub(crate) fn enter_function(cx: &mut Context<'_>, function: &ast::StmtFunctionDef) {
    let Some(builder) = cx.summary() else { return };
    let scopes = cx.semantic().scopes();
    let qualname = qualname_in(&scopes[..scopes.len() - 1], function.name.as_str());
    let in_class = matches!(scopes[scopes.len() - 2].kind, ScopeKind::Class(_));
    let fields = if in_class && function.name.as_str() == "__init__" {
        let resolver = Resolver { semantic: cx.semantic(), context: &builder.context };
        init_fields(&resolver, function)
    } else {
        Vec::new()
    };
    let summary = FunctionSummary {
        parameters: None,
        unguarded_blocking: false,
        qualname,
        location: builder.lines.position(function.name.start(), cx.source()),
        is_async: function.is_async,
        decorated: function.decorator_list.iter().any(|decorator| !is_plain_decorator(cx.semantic(), decorator)),
        cached: function.decorator_list.iter().any(|decorator| is_cache_decorator(cx.semantic(), decorator)),
        suppressed: builder.suppresses_ag110(function.name.start()),
        blocking_call: None,
        loop_bound: false,
        calls: Vec::new(),
        returns: cx.semantic().declared_return_type(function, scopes.len() - 1).map(Box::from),
    };
    let builder = cx.summary_mut().expect("summarizing");
    let index = builder.summary.functions.len();
    builder.summary.functions.push(summary);
    builder.open_functions.push(index);
    if in_class && let Some(&class) = builder.open_classes.last() {
        let class = &mut builder.summary.classes[class];
        let name = function.name.as_str();
        match class.methods.iter_mut().find(|(method, _)| &**method == name) {
            Some((_, slot)) => *slot = None,
            None => class.methods.push((name.into(), Some(index))),
        }
        if name == "__init__" {
            class.fields = fields;
        }
    }
}

/// `self.x = Cache(...)` (or `self.x = cache` for a parameter `cache: Cache`) anywhere in
/// `__init__`'s own body.
fn init_fields(resolver: &Resolver<'_, '_>, init: &ast::StmtFunctionDef) -> Vec<(Box<str>, Option<Symbol>)> {
    use ruff_python_ast::visitor::{self, Visitor};
    struct FieldCollector<'r, 's, 'a> {
        resolver: &'r Resolver<'s, 'a>,
        receiver: &'r str,
        fields: Vec<(Box<str>, Option<Symbol>)>,
    }
    impl<'b> Visitor<'b> for FieldCollector<'_, '_, '_> {
        fn visit_stmt(&mut self, stmt: &'b ast::Stmt) {
            let (targets, value): (&[Expr], Option<&Expr>) = match stmt {
                ast::Stmt::FunctionDef(_) | ast::Stmt::ClassDef(_) => return,
                ast::Stmt::Assign(assign) => (&assign.targets, Some(&assign.value)),
                ast::Stmt::AnnAssign(assign) => (std::slice::from_ref(&*assign.target), assign.value.as_deref()),
                _ => (&[], None),
            };
            for target in targets {
                let Expr::Attribute(attribute) = target else { continue };
                if !is_named(&attribute.value, self.receiver) {
                    continue;
                }
                let class = match value.and_then(|value| self.resolver.value_referent(value, 0)) {
                    Some(Referent::Instance(class)) if self.resolver.context.is_project(&class) => Some(class),
                    _ => None,
                };
                let name = attribute.attr.as_str();
                match self.fields.iter_mut().find(|(field, _)| &**field == name) {
                    Some((_, slot)) if *slot != class => *slot = None,
                    Some(_) => {}
                    None => self.fields.push((name.into(), class)),
                }
            }
            visitor::walk_stmt(self, stmt);
        }
    }
    let parameters = &init.parameters;
    let Some(receiver) = parameters.posonlyargs.first().or(parameters.args.first()) else { return Vec::new() };
    let mut collector = FieldCollector { resolver, receiver: receiver.parameter.name.as_str(), fields: Vec::new() };
    collector.visit_body(&init.body);
    collector.fields
}

/// A function is left, before its scope is popped.
pub(crate) fn exit_function(cx: &mut Context<'_>) {
    let Some((def, has_receiver)) = innermost_function(cx.semantic()) else { return };
    if let Some(builder) = cx.summary_mut()
        && let Some(index) = builder.open_functions.pop()
    {
        // The parameters matter only where a guard tests one or a call passes one on.
        let function = &mut builder.summary.functions[index];
        let tests_parameters = function.parameters.as_ref().is_some_and(|facts| {
            !facts.guarded_blocking.is_empty()
                || facts.calls.iter().any(|call| {
                    !call.guards.is_empty() || call.arguments.as_ref().is_some_and(CallArguments::passes_parameters)
                })
        });
        if tests_parameters {
            let facts = function.parameters.get_or_insert_default();
            facts.has_receiver = has_receiver;
            facts.parameters = parameter_summaries(&def.parameters, has_receiver);
        }
    }
}

/// A call: recorded when it is in the own body of a sync function.
pub(crate) fn on_call<'a>(cx: &mut Context<'a>, call: &'a ast::ExprCall) {
    let in_sync_function =
        matches!(cx.semantic().current_function_kind(), Some(ScopeKind::Function(function)) if !function.is_async);
    let is_statement =
        matches!(cx.statements().last(), Some(ast::Stmt::Expr(stmt)) if stmt.value.range() == call.range());
    if (!in_sync_function || is_statement)
        && let Some(builder) = cx.summary()
        && let Some(callee) = callee_of(cx, &call.func, &builder.context)
    {
        let summary = &mut cx.summary_mut().expect("summarizing").summary;
        match (in_sync_function, is_statement) {
            (false, true) => {
                summary.loop_calls.push(callee.clone());
                summary.statement_calls.push(callee);
            }
            (false, false) => summary.loop_calls.push(callee),
            (true, _) => summary.statement_calls.push(callee),
        }
    }
    if !in_sync_function {
        return;
    }
    if needs_loop_thread(cx, call)
        && let Some(builder) = cx.summary_mut()
    {
        let function = &mut builder.summary.functions[*builder.open_functions.last().expect("in a function")];
        function.loop_bound = true;
    }
    let blocking = blocking::find_unallowed_blocking_call(cx, call);
    let Some(builder) = cx.summary() else { return };
    let line = builder.lines.line_of(call.start());
    let location = builder.lines.position(call.start(), cx.source());
    if let Some(blocking) = blocking {
        let rule = crate::data::registry::find(blocking.entry.rule).expect("catalogue entries name known rules");
        let suppressed = builder.suppressions.suppresses(rule, line) || builder.suppresses_ag110(call.start());
        let guards = guards_at(cx, call);
        let builder = cx.summary_mut().expect("summarizing");
        let function = &mut builder.summary.functions[*builder.open_functions.last().expect("in a function")];
        function.loop_bound |= blocking.entry.threads == Threads::NotThreadSafe;
        if !suppressed {
            if guards.is_empty() {
                function.unguarded_blocking = true;
            } else {
                function.parameters.get_or_insert_default().guarded_blocking.push(guards);
            }
            if function.blocking_call.is_none() {
                function.blocking_call = Some(BlockingCallSite { display: blocking.display.into(), location });
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
    let guards = guards_at(cx, call);
    let own_parameter = |name: &str| own_parameter(cx.semantic(), name);
    let arguments = CallArguments::knows_any(&call.arguments, &own_parameter)
        .then(|| CallArguments::of(&call.arguments, &own_parameter));
    let builder = cx.summary_mut().expect("summarizing");
    let function = &mut builder.summary.functions[*builder.open_functions.last().expect("in a function")];
    if !guards.is_empty() || arguments.is_some() {
        let site = function.calls.len() as u32;
        function.parameters.get_or_insert_default().calls.push(CallParameters { site, guards, arguments });
    }
    function.calls.push(CallSite { callee, location });
}

/// `obj.method(…)` where the module does not know the type of `obj` but the project
/// may (see [`TypeQuery`]), `method` is a blocking method of some type, and no `if` on
/// the function's parameters is around the call.
fn typed_call(cx: &mut Context<'_>, call: &ast::ExprCall) -> Option<TypedCall> {
    let Expr::Attribute(method) = &*call.func else { return None };
    // The cheap tests first: most calls of sync functions are none of these.
    if cx.settings().blocking_owners(method.attr.as_str()).next().is_none()
        || cx.type_of(&method.value).is_some()
        || !guards_at(cx, call).is_empty()
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

/// The function whose own scope is innermost (not a lambda's or comprehension's), and
/// whether it is called with a receiver (a method, not static).
fn innermost_function<'a>(semantic: &SemanticModel<'a>) -> Option<(&'a ast::StmtFunctionDef, bool)> {
    let [.., outer, innermost] = semantic.scopes() else { return None };
    let ScopeKind::Function(function) = innermost.kind else { return None };
    let is_static = function.decorator_list.iter().any(|decorator| is_named(&decorator.expression, "staticmethod"));
    Some((function, matches!(outer.kind, ScopeKind::Class(_)) && !is_static))
}

/// The index, in its [`ParameterFacts::parameters`], of the parameter `name` of the
/// innermost function, when `name` is one never rebound in it.
fn own_parameter(semantic: &SemanticModel<'_>, name: &str) -> Option<u16> {
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

/// The parameters a caller's arguments bind, after the receiver of a method.
fn parameter_summaries(parameters: &ast::Parameters, has_receiver: bool) -> Vec<ParameterSummary> {
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

/// What the enclosing function's parameters must be for `call` to run, as the `if`
/// statements around it (in the function's own body) say.
fn guards_at(cx: &Context<'_>, call: &ast::ExprCall) -> Box<[Guard]> {
    let own_parameter = |name: &str| own_parameter(cx.semantic(), name);
    let statements = cx.statements();
    let body_start = statements.iter().rposition(|stmt| matches!(stmt, ast::Stmt::FunctionDef(_))).map_or(0, |i| i + 1);
    let mut guards = Vec::new();
    for stmt in &statements[body_start..] {
        let ast::Stmt::If(if_stmt) = stmt else { continue };
        let position = call.range();
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
