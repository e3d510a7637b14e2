//! What a module exports: what its names refer to ([`Symbol`], [`Referent`], resolved by
//! the [`Resolver`], whose callee half is in [`calls`](super::calls)), and its classes
//! (bases, methods, the fields `__init__` sets, the types of their attributes) with the
//! class hooks of the walk.

use std::hash::Hasher;

use ruff_python_ast::{self as ast, Expr, Operator};
use serde::{Deserialize, Serialize};
use siphasher::sip::SipHasher13;

use super::{Callee, ModuleContext};
use crate::analysis::context::Context;
use crate::analysis::semantic::{Binding, OwnAttribute, Resolved, Scope, ScopeKind, SemanticModel, annotated_subject};

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

/// What a module-level name (or a variable) refers to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Referent {
    /// A function, class or module.
    Symbol(Symbol),
    /// An instance of a class: `cache = Cache()`.
    Instance(Symbol),
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
    /// The catalogue type of the class as an object, from a base this module tells
    /// (`django.db.models.base.ModelBase` for `class Article(models.Model)`).
    pub class_type: Option<Box<str>>,
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
///
/// [`FileSummary::untyped_attributes`]: super::FileSummary::untyped_attributes
pub fn attribute_hash(name: &str) -> u32 {
    let mut hasher = SipHasher13::new();
    hasher.write(name.as_bytes());
    hasher.finish() as u32
}

/// The qualified name, in its module, of `name` defined in the innermost of `scopes`.
pub(crate) fn qualname_in(scopes: &[Scope<'_>], name: &str) -> Box<str> {
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
pub(super) struct Resolver<'s, 'a> {
    pub(super) semantic: &'s SemanticModel<'a>,
    pub(super) context: &'s ModuleContext<'s>,
}

impl<'a> Resolver<'_, 'a> {
    pub(super) fn referent(&self, name: &str, depth: u8) -> Option<Referent> {
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
    pub(super) fn symbol(&self, expr: &Expr, depth: u8) -> Option<Symbol> {
        match self.value_referent(expr, depth)? {
            Referent::Symbol(symbol) => Some(symbol),
            Referent::Instance(_) => None,
        }
    }

    /// The class an annotation declares: `Cache`, `Cache | None`, `Optional[Cache]`,
    /// `Annotated[Cache, …]`.
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
                if !matches!(resolved, Some(Resolved::QualifiedName)) {
                    return None;
                }
                match annotated_subject(&buf, &subscript.slice) {
                    Some(subject) => self.annotated_class(subject, depth),
                    None if buf == "typing.Optional" => self.annotated_class(&subscript.slice, depth),
                    None => None,
                }
            }
            _ => None,
        }
    }
}

/// `a.b.c` → (`a`, [`b`, `c`]).
pub(super) fn split_dotted(expr: &Expr) -> Option<(&str, Vec<&str>)> {
    let mut attributes = Vec::new();
    let mut root = expr;
    while let Expr::Attribute(attribute) = root {
        attributes.push(attribute.attr.as_str());
        root = &attribute.value;
    }
    attributes.reverse();
    Some((root.as_name_expr()?.id.as_str(), attributes))
}

pub(super) fn append(symbol: Symbol, attributes: &[&str]) -> Symbol {
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

pub(super) fn is_named(expr: &Expr, name: &str) -> bool {
    matches!(expr, Expr::Name(named) if named.id.as_str() == name)
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
    let class_type = cx.semantic().defined_class_type(class).map(Box::from);
    let builder = cx.summary_mut().expect("summarizing");
    builder.summary.classes.push(ClassSummary { qualname, bases, methods: Vec::new(), fields: Vec::new(), class_type });
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

/// `self.x = Cache(...)` (or `self.x = cache` for a parameter `cache: Cache`) anywhere in
/// `__init__`'s own body.
pub(super) fn init_fields(resolver: &Resolver<'_, '_>, init: &ast::StmtFunctionDef) -> Vec<(Box<str>, Option<Symbol>)> {
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
