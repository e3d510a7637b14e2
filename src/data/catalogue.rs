//! The catalogue of blocking calls: which qualified names block the event loop, which
//! constructors create tracked objects, which annotations declare them, and the SDK
//! clients every call through which is a request.
//!
//! The data lives in `catalogue.yaml` (compiled into the binary, as JSON the build script
//! writes) and is parsed once.
//! User configuration extends it through `extend-blocking-calls`, with the same entry
//! schema ([`EntrySpec`]). What aioguard learns from the project's environment (sync
//! clients with an async twin, [`LearnedClients`]) takes the form of entries too.

use std::fmt;
use std::sync::{Arc, LazyLock};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::data::registry;

/// How the codemod rewrites a call from the catalogue.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FixKind {
    /// `time.sleep(x)` becomes `await asyncio.sleep(x)`.
    Sleep,
    /// The call runs in a worker thread: `await asyncio.to_thread(f, ...)`.
    #[default]
    Offload,
    /// The call opens a stream (a file, an HTTP response) read afterwards: offloaded alone
    /// or with the `with` block it opens, but not where it is read at once
    /// (`open(p).read()`), which would leave the reading on the loop.
    OffloadStream,
    /// The call returns a lazy iterator that does its I/O while being consumed: the
    /// thread collects it, `await asyncio.to_thread(list, path.iterdir())`.
    OffloadList,
    /// `socket.getaddrinfo(...)` becomes the event loop's own `getaddrinfo`.
    Getaddrinfo,
    /// The library's own async twin of the call, awaited (`qs.get()` → `await
    /// qs.aget()`), where the project's version of the library has it (the entry's
    /// [`AsyncTwin`]); otherwise the call runs in a thread, with the entry's `runner`.
    AsyncTwin,
    /// No mechanical fix is correct; the message says what to do.
    None,
}

/// Whether the objects a catalogue call acts on may be used from a worker thread, which
/// decides how an offload fix may move the call there.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Threads {
    /// The call does not depend on the thread it runs in: offloading it is safe.
    #[default]
    Any,
    /// The object is thread-safe but shared: run in a thread, the call may now overlap
    /// with other tasks' use of the same connection or client. Offloading it is unsafe.
    ThreadSafe,
    /// The object may not be used from another thread (`sqlite3` connections refuse
    /// it; boto3 resources, SQLAlchemy sessions and protocol clients are not
    /// thread-safe, and another task may use them meanwhile): no offload fix.
    NotThreadSafe,
}

/// What a blocking call costs, by kind, from the cheapest: the class decides which
/// findings `min-cost` leaves unreported and which call of a helper AG110 names.
#[derive(Clone, Copy, Debug, Deserialize, serde::Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Cost {
    /// One stat-like system call on a path (`os.path.exists`, `stat`, `makedirs`).
    Metadata,
    /// Reads or writes a file's contents (`open`, a copy, `rmtree`, an archive, `fsync`).
    Data,
    /// A round trip to another host (HTTP, a database, a socket, an SDK).
    Network,
    /// Starts a process, and usually waits for it.
    Process,
    /// Works on the CPU (a password hash).
    Cpu,
    /// Waits for another thread, process or the user, as long as they take.
    Wait,
    /// Sleeps on purpose.
    Sleep,
}

impl Cost {
    /// Every class, from the cheapest.
    pub const ALL: [Cost; 7] =
        [Cost::Metadata, Cost::Data, Cost::Network, Cost::Process, Cost::Cpu, Cost::Wait, Cost::Sleep];

    /// The name the catalogue, the configuration and the outputs use.
    pub fn as_str(self) -> &'static str {
        match self {
            Cost::Metadata => "metadata",
            Cost::Data => "data",
            Cost::Network => "network",
            Cost::Process => "process",
            Cost::Cpu => "cpu",
            Cost::Wait => "wait",
            Cost::Sleep => "sleep",
        }
    }
}

/// One catalogue entry as written in YAML: a bare message string, or a mapping.
#[derive(Clone, Debug)]
pub enum EntrySpec {
    Message(String),
    Full(FullEntrySpec),
}

// By the kind of value rather than `#[serde(untagged)]`, which buffers each entry and
// builds an error for each variant tried: a third of reading the catalogue's thousand
// entries. A mapping's errors then name the field at fault.
impl<'de> Deserialize<'de> for EntrySpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpecVisitor;

        impl<'de> Visitor<'de> for SpecVisitor {
            type Value = EntrySpec;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a message or a mapping of the entry's fields")
            }

            fn visit_str<E: de::Error>(self, message: &str) -> Result<EntrySpec, E> {
                Ok(EntrySpec::Message(message.to_owned()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<EntrySpec, A::Error> {
                FullEntrySpec::deserialize(de::value::MapAccessDeserializer::new(map)).map(EntrySpec::Full)
            }
        }

        deserializer.deserialize_any(SpecVisitor)
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FullEntrySpec {
    pub rule: Option<String>,
    pub message: Option<String>,
    pub fix: Option<FixKind>,
    pub threads: Option<Threads>,
    pub path_argument: Option<PathArgument>,
    pub cost: Option<Cost>,
    pub takes: Option<String>,
    /// The name of the library's async twin: a method of the same object (`aget`), or a
    /// function of the same module (`aauthenticate`).
    pub twin: Option<String>,
    /// The library's version that introduced the twin (`"4.1"`).
    pub since: Option<String>,
    /// The function that runs the call in a worker thread where no twin applies
    /// (`asgiref.sync.sync_to_async`), instead of the async library's own.
    pub runner: Option<String>,
}

/// The argument that names the file a call opens (`pd.read_csv(path)`, `torch.save(obj,
/// f)`): the call is reported only when that argument is certainly a path, since the
/// same functions read and write in-memory buffers too.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PathArgument {
    /// Its place among the positional arguments (from 0).
    pub position: usize,
    /// Its name when passed by keyword.
    pub keyword: String,
}

/// A resolved catalogue entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The rule code reported (`AG101` …).
    pub rule: &'static str,
    /// What to use instead, as shown after "use" (empty: the fix kind's default hint).
    pub message: Option<String>,
    pub fix: FixKind,
    pub threads: Threads,
    /// The argument naming the file, where the call blocks only when given a path.
    pub path_argument: Option<PathArgument>,
    /// What kind of work the call blocks for.
    pub cost: Cost,
    /// How long it takes, for the message ("100–300 ms of CPU"): where it blocks by
    /// working rather than by waiting.
    pub takes: Option<String>,
    /// The library's own async twin, when the entry's fix is [`FixKind::AsyncTwin`].
    pub twin: Option<AsyncTwin>,
    /// The function that runs the call in a worker thread where no twin applies
    /// (`asgiref.sync.sync_to_async` for Django's ORM, whose connections belong to a
    /// thread), instead of the async library's own.
    pub runner: Option<String>,
}

/// A library's async twin of a blocking call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsyncTwin {
    /// A method of the same object (`aget`), or a function of the same module
    /// (`aauthenticate`).
    pub name: String,
    /// The top-level package that has it (`django`).
    pub package: String,
    /// The package's release that introduced it (major, minor).
    pub since: (u64, u64),
}

impl EntrySpec {
    /// Resolves the entry listed under `qualified_name`; `default_rule` applies where the
    /// entry names none.
    pub fn resolve(&self, qualified_name: &str, default_rule: &'static str) -> Result<Entry, String> {
        match self {
            EntrySpec::Message(message) => {
                Ok(Entry { message: Some(message.clone()), ..Entry::offloaded(default_rule) })
            }
            EntrySpec::Full(full) => {
                let rule = match &full.rule {
                    None => default_rule,
                    Some(code) => registry::blocking_rule_code(code)
                        .ok_or_else(|| format!("`{code}` is not a blocking-call rule (AG101..AG109, AG111..AG116)"))?,
                };
                let twin = match (&full.twin, &full.since) {
                    (None, None) => None,
                    (Some(name), Some(since)) => Some(AsyncTwin {
                        name: name.clone(),
                        package: top_level(qualified_name).to_owned(),
                        since: crate::data::versions::release_of(since)
                            .ok_or_else(|| format!("`since: {since}` is not a version"))?,
                    }),
                    _ => return Err("`twin` and `since` go together".to_owned()),
                };
                let fix = match (&twin, full.fix) {
                    (Some(_), None | Some(FixKind::AsyncTwin)) => FixKind::AsyncTwin,
                    (None, Some(FixKind::AsyncTwin)) => return Err("`fix: async-twin` needs `twin`".to_owned()),
                    (Some(_), Some(_)) => return Err("an entry with a `twin` is fixed with it".to_owned()),
                    (None, fix) => fix.unwrap_or_default(),
                };
                Ok(Entry {
                    rule,
                    message: full.message.clone(),
                    fix,
                    threads: full.threads.unwrap_or_default(),
                    path_argument: full.path_argument.clone(),
                    cost: full.cost.unwrap_or_else(|| registry::default_cost(rule)),
                    takes: full.takes.clone(),
                    twin,
                    runner: full.runner.clone(),
                })
            }
        }
    }
}

impl Entry {
    /// An entry of `rule` whose call simply runs in a worker thread.
    pub fn offloaded(rule: &'static str) -> Self {
        Entry {
            rule,
            message: None,
            fix: FixKind::Offload,
            threads: Threads::Any,
            path_argument: None,
            cost: registry::default_cost(rule),
            takes: None,
            twin: None,
            runner: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CatalogueFile {
    calls: HashMap<String, EntrySpec>,
    clients: HashMap<String, ClientSpec>,
    objects: HashMap<String, String>,
    types: HashMap<String, String>,
    supertypes: HashMap<String, String>,
    elements: HashMap<String, String>,
    annotations: HashMap<String, String>,
    well_known_modules: Vec<String>,
    plain_decorators: Vec<String>,
    caching_decorators: Vec<String>,
    loop_bound: LoopBound,
}

/// An SDK client as written in YAML (see `clients` in `catalogue.yaml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ClientSpec {
    #[serde(default)]
    new: Vec<String>,
    #[serde(default)]
    objects: Vec<String>,
    rule: Option<String>,
    message: Option<String>,
    fix: Option<FixKind>,
    threads: Option<Threads>,
    cost: Option<Cost>,
    #[serde(default)]
    attributes: Vec<String>,
    blocks: Option<Vec<String>>,
    #[serde(default)]
    no_io: Vec<String>,
    #[serde(default)]
    returns_client: Vec<String>,
}

/// The rule of the calls through a client when its entry names none.
const CLIENT_RULE: &str = "AG114";

/// Member names of a client: names, or patterns with `*` at one end (`*_async`,
/// `parse_*`), or `*` alone for every name.
#[derive(Debug, Default)]
struct Members(Vec<String>);

impl Members {
    fn matches(&self, member: &str) -> bool {
        self.0.iter().any(|pattern| match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
            (Some(suffix), _) => member.ends_with(suffix),
            (None, Some(prefix)) => member.starts_with(prefix),
            (None, None) => pattern == member,
        })
    }
}

/// An SDK client every call through which is a request: what its calls report, and
/// which of its members lead to the client again or do no I/O.
#[derive(Debug)]
struct Client {
    entry: Entry,
    /// The attributes through which the client is reached (`chat`, `completions`).
    attributes: Members,
    /// The only methods that block, if listed (by default every public method blocks).
    blocks: Option<Members>,
    /// Members that do no I/O: methods not reported, attributes that are not the client.
    no_io: Members,
    /// Methods whose result is the client again (`with_options`).
    returns_client: Members,
}

/// Whether a name is capitalised as Python classes (and constants) are.
fn is_class_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
}

/// Whether `member` names the API of a client: not private, not a nested class
/// (`stripe.Customer.CreateParams`, `OBJECT_NAME`).
fn is_api_name(member: &str) -> bool {
    !member.starts_with('_') && !is_class_name(member)
}

impl Client {
    /// The entry of a call of the client's method `method`, if it blocks.
    fn call(&self, method: &str) -> Option<&Entry> {
        let blocks = is_api_name(method)
            && !self.no_io.matches(method)
            && self.blocks.as_ref().is_none_or(|blocks| blocks.matches(method));
        blocks.then_some(&self.entry)
    }

    /// Whether the client's attribute `attribute` is the client again.
    fn leads_through(&self, attribute: &str) -> bool {
        is_api_name(attribute) && !self.no_io.matches(attribute) && self.attributes.matches(attribute)
    }
}

/// What must run on the event loop's thread (see `loop-bound` in `catalogue.yaml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LoopBound {
    modules: Vec<String>,
    thread_safe: Vec<String>,
    name_prefixes: Vec<String>,
}

impl LoopBound {
    /// Whether calling `qualified` (a function, or a method named after its object's
    /// type) must happen on the loop's thread.
    pub fn needs_loop_thread(&self, qualified: &str) -> bool {
        let under =
            |prefix: &str| qualified.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'));
        self.modules.iter().any(|module| under(module)) && !self.thread_safe.iter().any(|name| under(name))
    }

    /// Whether a callee named `name` (its last dotted part) follows the convention of
    /// callbacks that must run on the loop (`hass.async_add_job`).
    pub fn is_loop_callback_name(&self, name: &str) -> bool {
        self.name_prefixes.iter().any(|prefix| name.starts_with(prefix.as_str()))
    }
}

/// How a catalogue key names every public member of a type.
const ANY_MEMBER: &str = ".*";

/// `owner.*` keys as `owner`.
fn by_owner<T>(entries: HashMap<String, T>) -> HashMap<String, T> {
    entries.into_iter().map(|(name, value)| (name[..name.len() - ANY_MEMBER.len()].to_owned(), value)).collect()
}

/// The built-in catalogue, parsed once.
pub struct Catalogue {
    pub calls: HashMap<String, Entry>,
    /// Types every public method of which blocks (`xmlrpc.client.ServerProxy.*`: each is
    /// a remote call), by type.
    any_method: HashMap<String, Entry>,
    /// Types every public attribute of which has a type, by type.
    any_attribute: HashMap<String, String>,
    /// SDK clients, by the type their constructors give their objects.
    clients: HashMap<String, Client>,
    /// Module-level objects and classes with a type (`openai.chat`, `stripe.Customer`,
    /// `django.contrib.auth.models.User`) → that type.
    objects: HashMap<String, String>,
    /// The first dotted part of every name in `objects` (`openai`, `stripe`, `django`).
    object_roots: HashSet<String>,
    /// A type → the type whose methods it has too (`django.contrib.auth.models.User` →
    /// `django.db.models.Model`).
    supertypes: HashMap<String, String>,
    /// Method name → the types (and modules) whose method of that name has an entry.
    owners_by_method: HashMap<String, Vec<String>>,
    /// Constructor qualified name → type of the object it returns.
    pub constructors: HashMap<String, String>,
    /// A call whose result is iterated or unpacked → the type of each item.
    pub elements: HashMap<String, String>,
    /// Annotation qualified name → type it declares.
    pub annotations: HashMap<String, String>,
    pub well_known_modules: Vec<String>,
    /// Decorators after which calling a function still runs its body (by qualified name).
    pub plain_decorators: Vec<String>,
    /// Decorators that cache a sync function's result: its body runs on the first call
    /// with given arguments, and calls return what it declares (by qualified name).
    pub caching_decorators: Vec<String>,
    pub loop_bound: LoopBound,
    /// The top-level packages any of its calls, types, elements or annotations names.
    packages: HashSet<String>,
    /// The libraries whose async twins its entries name (`django`).
    pub twin_packages: Vec<String>,
}

impl Catalogue {
    pub fn builtin() -> &'static Catalogue {
        static BUILTIN: LazyLock<Catalogue> = LazyLock::new(|| {
            // `catalogue.yaml`, as the build script wrote it in JSON.
            let file: CatalogueFile = serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/catalogue.json")))
                .expect("the built-in catalogue is valid (checked by a unit test)");
            let named = file.calls.keys().chain(file.types.keys()).chain(file.types.values());
            let named = named.chain(file.elements.keys()).chain(file.elements.values());
            let named = named.chain(file.annotations.keys()).chain(file.annotations.values());
            let packages = named.map(|name| top_level(name).to_owned()).collect();
            let (any_method, calls) = file
                .calls
                .into_iter()
                .map(|(name, spec)| {
                    let entry = spec.resolve(&name, "AG109").expect("built-in entries are valid");
                    (name, entry)
                })
                .partition::<HashMap<_, _>, _>(|(name, _)| name.ends_with(ANY_MEMBER));
            let (any_attribute, mut constructors) =
                file.types.into_iter().partition::<HashMap<_, _>, _>(|(name, _)| name.ends_with(ANY_MEMBER));
            let mut annotations = file.annotations;
            let mut clients = HashMap::default();
            let mut objects = file.objects;
            for (ty, spec) in file.clients {
                for constructor in spec.new {
                    // A class declares the type as an annotation too (`client: OpenAI`).
                    if constructor.rsplit('.').next().is_some_and(is_class_name) {
                        annotations.entry(constructor.clone()).or_insert_with(|| ty.clone());
                    }
                    let listed = constructors.insert(constructor, ty.clone());
                    assert!(listed.is_none(), "a constructor of {ty} is listed twice");
                }
                for object in spec.objects {
                    objects.insert(object, ty.clone());
                }
                let entry = EntrySpec::Full(FullEntrySpec {
                    rule: spec.rule,
                    message: spec.message,
                    fix: spec.fix,
                    threads: spec.threads,
                    path_argument: None,
                    cost: spec.cost,
                    takes: None,
                    twin: None,
                    since: None,
                    runner: None,
                })
                .resolve(&ty, CLIENT_RULE)
                .expect("built-in clients name valid rules");
                let client = Client {
                    entry,
                    attributes: Members(spec.attributes),
                    blocks: spec.blocks.map(Members),
                    no_io: Members(spec.no_io),
                    returns_client: Members(spec.returns_client),
                };
                clients.insert(ty, client);
            }
            let object_roots = objects.keys().map(|name| top_level(name).to_owned()).collect();
            let mut owners_by_method: HashMap<String, Vec<String>> = HashMap::default();
            for name in calls.keys() {
                if let Some((owner, method)) = name.rsplit_once('.') {
                    owners_by_method.entry(method.to_owned()).or_default().push(owner.to_owned());
                }
            }
            let mut twin_packages: Vec<String> =
                calls.values().filter_map(|entry| Some(entry.twin.as_ref()?.package.clone())).collect();
            twin_packages.sort_unstable();
            twin_packages.dedup();
            Catalogue {
                twin_packages,
                owners_by_method,
                calls,
                any_method: by_owner(any_method),
                any_attribute: by_owner(any_attribute),
                clients,
                objects,
                object_roots,
                supertypes: file.supertypes,
                constructors,
                elements: file.elements,
                annotations,
                well_known_modules: file.well_known_modules,
                plain_decorators: file.plain_decorators,
                caching_decorators: file.caching_decorators,
                loop_bound: file.loop_bound,
                packages,
            }
        });
        &BUILTIN
    }

    /// The entry for a call by qualified name: listed as such, a public method of a type
    /// listed with `.*`, or a call through a client's module-level object
    /// (`openai.chat.completions.create`, `stripe.Customer.create`).
    pub fn call(&self, qualified_name: &str) -> Option<&Entry> {
        self.calls
            .get(qualified_name)
            .or_else(|| self.any_method_call(qualified_name))
            .or_else(|| self.object_call(qualified_name))
    }

    /// The entry for a call of the method `method` of an object of the type `ty`, named
    /// `ty.method` (`qualified_name`): listed as such, a public method of a type listed
    /// with `.*`, a method of a client that blocks, or else its supertype's method.
    pub fn method_call(&self, qualified_name: &str) -> Option<&Entry> {
        self.calls.get(qualified_name).or_else(|| self.any_method_call(qualified_name)).or_else(|| {
            let (ty, method) = qualified_name.rsplit_once('.')?;
            match self.clients.get(ty) {
                Some(client) => client.call(method),
                None => self.method_call(&format!("{}.{method}", self.supertypes.get(ty)?)),
            }
        })
    }

    fn any_method_call(&self, qualified_name: &str) -> Option<&Entry> {
        let (owner, method) = qualified_name.rsplit_once('.')?;
        if method.starts_with('_') { None } else { self.any_method.get(owner) }
    }

    /// A call through a module-level object with a type: the object's name, the
    /// attributes that lead from it, then the method (`openai.chat.completions.create`,
    /// `django.contrib.auth.models.User.objects.get`).
    fn object_call(&self, qualified_name: &str) -> Option<&Entry> {
        let (owner, method) = qualified_name.rsplit_once('.')?;
        let ty = self.object_type(owner)?;
        self.method_call(&format!("{ty}.{method}"))
    }

    /// The type of a module-level object with a type (see `objects` in `catalogue.yaml`),
    /// or of an attribute path from one: `openai.chat.completions` is the client,
    /// `django.contrib.auth.models.User.objects` a queryset.
    pub fn object_type(&self, path: &str) -> Option<&str> {
        if !self.object_roots.contains(top_level(path)) {
            return None;
        }
        let mut object = path;
        loop {
            if let Some(ty) = self.objects.get(object) {
                let mut attributes = path[object.len()..].split('.').filter(|attribute| !attribute.is_empty());
                return attributes.try_fold(ty.as_str(), |ty, attribute| {
                    self.member_type(ty, attribute).or_else(|| self.attribute_type(ty, attribute))
                });
            }
            object = &object[..object.rfind('.')?];
        }
    }

    /// The type the catalogue lists for the member `member` of an object of the type
    /// `owner` (a property, or what a method returns), or of its supertype.
    pub fn member_type(&self, owner: &str, member: &str) -> Option<&str> {
        let listed = self.constructors.get(&format!("{owner}.{member}")).map(String::as_str);
        listed.or_else(|| self.member_type(self.supertypes.get(owner)?, member))
    }

    /// Whether objects of the type `ty` are classes, which the catalogue says calling
    /// gives an instance of (`django.db.models.base.ModelBase`): a class of the project
    /// deriving from one is such an object too.
    pub fn is_class_type(&self, ty: &str) -> bool {
        self.constructors.contains_key(&format!("{ty}.__call__"))
    }

    /// The types (and modules) with an entry listed for their method `method` (not those
    /// listed with `.*`).
    pub fn owners_of_method(&self, method: &str) -> &[String] {
        self.owners_by_method.get(method).map_or(&[], Vec::as_slice)
    }

    /// The type of the attribute `member` of an object of the type `owner`: any public
    /// attribute of a type listed with `.*` (an attribute of an XML-RPC proxy,
    /// `proxy.system`, is a proxy again), or an attribute that leads through a client
    /// (`client.chat`).
    pub fn attribute_type(&self, owner: &str, member: &str) -> Option<&str> {
        if let Some(ty) = self.any_attribute.get(owner) {
            return (!member.starts_with('_')).then_some(ty.as_str());
        }
        let (ty, client) = self.clients.get_key_value(owner)?;
        client.leads_through(member).then_some(ty.as_str())
    }

    /// The type of what the method `method` of an object of the type `owner` returns,
    /// when the catalogue's clients tell it: the client again (`client.with_options()`).
    pub fn returned_client(&self, owner: &str, method: &str) -> Option<&str> {
        let (ty, client) = self.clients.get_key_value(owner)?;
        (!method.starts_with('_') && client.returns_client.matches(method)).then_some(ty.as_str())
    }

    pub fn is_well_known_module(&self, name: &str) -> bool {
        self.well_known_modules.iter().any(|module| module == name)
    }

    /// Whether the catalogue names anything of the top-level package `name`: then it
    /// says what of the package blocks, and nothing is learnt of it.
    pub fn names_package(&self, name: &str) -> bool {
        self.packages.contains(name)
    }
}

/// The top-level package of a qualified name (`httpx` of `httpx.Client.get`).
pub fn top_level(qualified_name: &str) -> &str {
    qualified_name.split('.').next().unwrap_or(qualified_name)
}

/// The sync clients of one installed package that have an async twin (`fakesdk.Client`
/// and `fakesdk.AsyncClient`, `fakesdk.Client` and `fakesdk.aio.Client`), learnt from the
/// project's environment (see `analysis::twins`). An object built from such a client is
/// tracked like a catalogue type, and each of its public methods, also through its
/// attributes (`client.chat.completions.create()`), blocks: AG114, with the twin to use
/// instead, run in a thread by an unsafe fix (the client is shared).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LearnedClients {
    /// Sync class (qualified) → its entry, sorted by class.
    clients: Vec<(Box<str>, Entry)>,
}

impl LearnedClients {
    /// The clients of `(sync class, async twin)` pairs, both qualified.
    pub fn new(twins: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut clients: Vec<(Box<str>, Entry)> = twins
            .into_iter()
            .map(|(sync, twin)| {
                let entry = Entry {
                    message: Some(format!("`{twin}`")),
                    threads: Threads::ThreadSafe,
                    ..Entry::offloaded(crate::data::registry::BLOCKING_SDK_CLIENT.code)
                };
                (sync.into_boxed_str(), entry)
            })
            .collect();
        clients.sort_by(|a, b| a.0.cmp(&b.0));
        clients.dedup_by(|a, b| a.0 == b.0);
        LearnedClients { clients }
    }

    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// The sync classes and their entries.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.clients.iter().map(|(class, entry)| (&**class, entry))
    }
}

/// Where the clients learnt from the project's environment come from: the driver reads
/// the environment, and the analysis asks for the packages each module imports.
pub trait ClientSource: Send + Sync {
    /// The sync clients with an async twin that the installed top-level package `name`
    /// exports; `None` when it has none (or is not installed).
    fn clients(&self, name: &str) -> Option<Arc<LearnedClients>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_has_the_cost_class_of_what_it_does() {
        let catalogue = Catalogue::builtin();
        let cost = |name: &str| catalogue.call(name).map(|entry| entry.cost);
        // A single stat-like call, and what reads or writes contents, of the same rule.
        for name in ["os.path.exists", "os.stat", "os.path.getsize", "os.path.isfile", "os.makedirs", "os.unlink"] {
            assert_eq!(cost(name), Some(Cost::Metadata), "{name}");
        }
        for name in ["os.chmod", "os.path.realpath", "pathlib.Path.exists", "pathlib.Path.mkdir"] {
            assert_eq!(cost(name), Some(Cost::Metadata), "{name}");
        }
        for name in ["shutil.copytree", "shutil.rmtree", "shutil.make_archive", "os.fsync", "pathlib.Path.read_text"] {
            assert_eq!(cost(name), Some(Cost::Data), "{name}");
        }
        assert_eq!(cost("builtins.open"), Some(Cost::Data));
        assert_eq!(cost("sqlite3.Cursor.execute"), Some(Cost::Data));
        assert_eq!(cost("time.sleep"), Some(Cost::Sleep));
        assert_eq!(cost("requests.get"), Some(Cost::Network));
        assert_eq!(cost("subprocess.run"), Some(Cost::Process));
        assert_eq!(cost("threading.Lock.acquire"), Some(Cost::Wait));
        assert_eq!(cost("bcrypt.hashpw"), Some(Cost::Cpu));
        // An SDK client's calls, by the client's entry.
        let client = catalogue.clients.values().next().expect("the catalogue has clients");
        assert_eq!(client.entry.cost, Cost::Network);
        // Each class is some entry's: the defaults and overrides reach every one.
        let used: HashSet<Cost> = catalogue.calls.values().map(|entry| entry.cost).collect();
        assert_eq!(used, Cost::ALL.into_iter().collect::<HashSet<_>>());
        // An entry without a class takes its rule's; a class named is kept.
        let spec: EntrySpec = serde_yaml::from_str("{rule: AG105}").unwrap();
        assert_eq!(spec.resolve("os.stat", "AG109").unwrap().cost, Cost::Metadata);
        let spec: EntrySpec = serde_yaml::from_str("{rule: AG105, cost: data}").unwrap();
        assert_eq!(spec.resolve("app.copy", "AG109").unwrap().cost, Cost::Data);
        let spec: EntrySpec = serde_yaml::from_str("\"`app.aload`\"").unwrap();
        assert_eq!(spec.resolve("app.load", "AG109").unwrap().cost, Cost::Network);
        assert!(serde_yaml::from_str::<EntrySpec>("{cost: slow}").is_err());
    }

    #[test]
    fn builtin_catalogue_parses_and_names_known_rules() {
        let catalogue = Catalogue::builtin();
        assert_eq!(catalogue.calls["time.sleep"].rule, "AG101");
        assert_eq!(catalogue.calls["time.sleep"].fix, FixKind::Sleep);
        assert_eq!(catalogue.calls["subprocess.Popen"].fix, FixKind::None);
        assert_eq!(catalogue.constructors["requests.session"], "requests.Session");
        // Every type a constructor returns has a blocking method, or a member that
        // returns another tracked type (a session's clients), or is a type that a rule
        // inspects itself (event loops, task groups, runners, locks).
        for ty in catalogue.constructors.values() {
            let prefix = format!("{ty}.");
            let has_member = catalogue.calls.keys().chain(catalogue.constructors.keys()).any(|name| {
                name.strip_prefix(&prefix).is_some_and(|member| !member.is_empty() && !member.contains('.'))
            }) || catalogue.any_method.contains_key(ty)
                || catalogue.clients.contains_key(ty)
                || catalogue.supertypes.contains_key(ty);
            assert!(has_member || ty.starts_with("asyncio."), "{ty} has no blocking method");
        }
        assert_eq!(catalogue.calls["sqlite3.Cursor.execute"].threads, Threads::NotThreadSafe);
        assert_eq!(catalogue.calls["redis.Redis.get"].threads, Threads::ThreadSafe);
        assert_eq!(catalogue.calls["time.sleep"].threads, Threads::Any);
        assert_eq!(catalogue.call("xmlrpc.client.ServerProxy.getStatus").map(|entry| entry.rule), Some("AG112"));
        assert!(catalogue.call("xmlrpc.client.ServerProxy.__enter__").is_none());
        assert_eq!(catalogue.attribute_type("xmlrpc.client.ServerProxy", "system"), Some("xmlrpc.client.ServerProxy"));
        let to_save = PathArgument { position: 1, keyword: "f".to_owned() };
        assert_eq!(catalogue.calls["torch.save"].path_argument, Some(to_save));
        assert_eq!(catalogue.calls["bcrypt.hashpw"].rule, "AG115");
        assert_eq!(catalogue.calls["bcrypt.hashpw"].takes.as_deref(), Some("100–300 ms of CPU"));
        // Every call that blocks by working says how long it takes.
        for (name, entry) in &catalogue.calls {
            assert_eq!(entry.rule == "AG115", entry.takes.is_some(), "{name}");
        }
        assert!(catalogue.names_package("httpx") && catalogue.names_package("builtins"));
        assert!(!catalogue.names_package("fakesdk"));
    }

    #[test]
    fn every_call_through_a_client_blocks_but_what_does_no_io() {
        let catalogue = Catalogue::builtin();
        let rule = |name: &str| catalogue.method_call(name).map(|entry| entry.rule);
        assert_eq!(rule("openai.OpenAI.create"), Some("AG114"));
        assert_eq!(catalogue.method_call("openai.OpenAI.create").unwrap().threads, Threads::ThreadSafe);
        assert_eq!(rule("openai.OpenAI.with_options"), None, "no I/O");
        assert_eq!(rule("openai.OpenAI._request"), None, "private");
        assert_eq!(rule("stripe.StripeClient.create_async"), None, "a pattern: the async twins");
        assert_eq!(rule("google.cloud.pubsub_v1.PublisherClient.topic_path"), None);
        // A method listed by name wins over its client's entry.
        assert_eq!(catalogue.method_call("cohere.Client.chat_stream").unwrap().fix, FixKind::OffloadList);
        // Only the listed verbs of a client with `blocks`.
        assert_eq!(rule("twilio.rest.Client.fetch"), Some("AG114"));
        assert_eq!(rule("twilio.rest.Client.messages"), None);
        // Attributes lead through the client unless they are settings or the async client.
        assert_eq!(catalogue.attribute_type("openai.OpenAI", "chat"), Some("openai.OpenAI"));
        assert_eq!(catalogue.attribute_type("openai.OpenAI", "api_key"), None);
        assert_eq!(catalogue.attribute_type("google.genai.Client", "aio"), None);
        assert_eq!(catalogue.attribute_type("google.cloud.storage.Client", "name"), None, "none listed");
        assert_eq!(catalogue.returned_client("openai.OpenAI", "with_options"), Some("openai.OpenAI"));
        assert_eq!(catalogue.returned_client("openai.OpenAI", "create"), None);
        // Module-level objects, and the attributes after them.
        assert_eq!(catalogue.call("openai.chat.completions.create").map(|entry| entry.rule), Some("AG114"));
        assert_eq!(catalogue.call("stripe.checkout.Session.create").map(|entry| entry.rule), Some("AG114"));
        assert!(catalogue.call("stripe.Customer.construct_from").is_none());
        assert!(catalogue.call("openai.chat.api_key.startswith").is_none());
        assert!(catalogue.call("openai.OpenAI").is_none(), "constructing a client does no I/O");
        // The constructors, and the classes among them as annotations.
        assert_eq!(catalogue.constructors["openai.Client"], "openai.OpenAI");
        assert_eq!(catalogue.annotations["anthropic.AnthropicVertex"], "anthropic.AnthropicVertex");
        assert!(!catalogue.annotations.contains_key("docker.from_env"));
    }

    #[test]
    fn django_models_are_typed_through_their_members() {
        let catalogue = Catalogue::builtin();
        let model_class = "django.db.models.base.ModelBase";
        assert_eq!(catalogue.object_type("django.contrib.auth.models.User"), Some(model_class));
        assert_eq!(catalogue.object_type("django.contrib.auth.models.User.objects"), Some("django.db.models.QuerySet"));
        assert_eq!(catalogue.object_type("django.contrib.auth.models.User.objects.nothing"), None);
        assert!(catalogue.is_class_type(model_class) && !catalogue.is_class_type("django.db.models.QuerySet"));
        assert_eq!(catalogue.member_type(model_class, "__call__"), Some("django.db.models.Model"));
        // A user has a model's methods too.
        let save = catalogue.method_call("django.contrib.auth.models.User.save").unwrap();
        assert_eq!(save.rule, "AG116");
        let twin = save.twin.as_ref().unwrap();
        assert_eq!((twin.name.as_str(), twin.package.as_str(), twin.since), ("asave", "django", (4, 2)));
        assert_eq!(save.fix, FixKind::AsyncTwin);
        assert_eq!(save.runner.as_deref(), Some("asgiref.sync.sync_to_async"));
        assert_eq!(
            catalogue.call("django.contrib.auth.models.User.objects.get").map(|entry| entry.rule),
            Some("AG116")
        );
        assert!(catalogue.call("django.contrib.auth.models.User.objects.filter").is_none(), "lazy");
        assert_eq!(catalogue.twin_packages, ["django"]);
    }

    #[test]
    fn a_twin_needs_its_release_and_is_the_fix() {
        let spec = |yaml: &str| serde_yaml::from_str::<EntrySpec>(yaml).unwrap().resolve("lib.Client.get", "AG109");
        let twin = spec("{twin: aget, since: '2.1'}").unwrap();
        assert_eq!(twin.twin.map(|twin| (twin.package, twin.since)), Some(("lib".to_owned(), (2, 1))));
        assert!(spec("{twin: aget}").is_err());
        assert!(spec("{twin: aget, since: soon}").is_err());
        assert!(spec("{twin: aget, since: '2.1', fix: offload}").is_err());
        assert!(spec("{fix: async-twin}").is_err());
    }

    #[test]
    fn member_patterns_match_at_one_end_or_whole() {
        let members = Members(vec!["*_async".into(), "parse_*".into(), "copy".into()]);
        assert!(members.matches("create_async") && members.matches("parse_topic_path") && members.matches("copy"));
        assert!(!members.matches("create") && !members.matches("copy_object"));
        assert!(Members(vec!["*".into()]).matches("anything"));
    }

    #[test]
    fn loop_thread_calls_are_the_async_libraries_but_their_thread_safe_entries() {
        let loop_bound = &Catalogue::builtin().loop_bound;
        assert!(loop_bound.needs_loop_thread("asyncio.get_running_loop"));
        assert!(loop_bound.needs_loop_thread("asyncio.AbstractEventLoop.call_soon"));
        assert!(!loop_bound.needs_loop_thread("asyncio.AbstractEventLoop.call_soon_threadsafe"));
        assert!(!loop_bound.needs_loop_thread("asyncio.run_coroutine_threadsafe"));
        assert!(!loop_bound.needs_loop_thread("trio.from_thread.run_sync"));
        assert!(!loop_bound.needs_loop_thread("asyncio_helpers.spawn"));
        assert!(loop_bound.is_loop_callback_name("async_listen_once"));
        assert!(!loop_bound.is_loop_callback_name("asynchronous"));
    }
}
