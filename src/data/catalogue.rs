//! The catalogue of blocking calls: which qualified names block the event loop, which
//! constructors create tracked objects, and which annotations declare them.
//!
//! The data lives in `catalogue.yaml` (compiled into the binary) and is parsed once.
//! User configuration extends it through `extend-blocking-calls`, with the same entry
//! schema ([`EntrySpec`]). What aioguard learns from the project's environment (sync
//! clients with an async twin, [`LearnedClients`]) takes the form of entries too.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use serde::Deserialize;

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

/// One catalogue entry as written in YAML: a bare message string, or a mapping.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum EntrySpec {
    Message(String),
    Full(FullEntrySpec),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FullEntrySpec {
    pub rule: Option<String>,
    pub message: Option<String>,
    pub fix: Option<FixKind>,
    pub threads: Option<Threads>,
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
}

impl EntrySpec {
    /// Resolves the entry; `default_rule` applies where the entry names none.
    pub fn resolve(&self, default_rule: &'static str) -> Result<Entry, String> {
        match self {
            EntrySpec::Message(message) => Ok(Entry {
                rule: default_rule,
                message: Some(message.clone()),
                fix: FixKind::Offload,
                threads: Threads::Any,
            }),
            EntrySpec::Full(full) => {
                let rule = match &full.rule {
                    None => default_rule,
                    Some(code) => crate::data::registry::blocking_rule_code(code)
                        .ok_or_else(|| format!("`{code}` is not a blocking-call rule (AG101..AG109, AG111..AG113)"))?,
                };
                Ok(Entry {
                    rule,
                    message: full.message.clone(),
                    fix: full.fix.unwrap_or_default(),
                    threads: full.threads.unwrap_or_default(),
                })
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CatalogueFile {
    calls: HashMap<String, EntrySpec>,
    types: HashMap<String, String>,
    elements: HashMap<String, String>,
    annotations: HashMap<String, String>,
    well_known_modules: Vec<String>,
    plain_decorators: Vec<String>,
    loop_bound: LoopBound,
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
    pub loop_bound: LoopBound,
    /// The top-level packages any of its calls, types, elements or annotations names.
    packages: HashSet<String>,
}

impl Catalogue {
    pub fn builtin() -> &'static Catalogue {
        static BUILTIN: LazyLock<Catalogue> = LazyLock::new(|| {
            let file: CatalogueFile = serde_yaml::from_str(include_str!("catalogue.yaml"))
                .expect("the built-in catalogue is valid YAML (checked by a unit test)");
            let named = file.calls.keys().chain(file.types.keys()).chain(file.types.values());
            let named = named.chain(file.elements.keys()).chain(file.elements.values());
            let named = named.chain(file.annotations.keys()).chain(file.annotations.values());
            let packages = named.map(|name| top_level(name).to_owned()).collect();
            let (any_method, calls) = file
                .calls
                .into_iter()
                .map(|(name, spec)| {
                    let entry = spec.resolve("AG109").expect("built-in entries name valid rules");
                    (name, entry)
                })
                .partition::<HashMap<_, _>, _>(|(name, _)| name.ends_with(ANY_MEMBER));
            let (any_attribute, constructors) =
                file.types.into_iter().partition::<HashMap<_, _>, _>(|(name, _)| name.ends_with(ANY_MEMBER));
            let mut owners_by_method: HashMap<String, Vec<String>> = HashMap::new();
            for name in calls.keys() {
                if let Some((owner, method)) = name.rsplit_once('.') {
                    owners_by_method.entry(method.to_owned()).or_default().push(owner.to_owned());
                }
            }
            Catalogue {
                owners_by_method,
                calls,
                any_method: by_owner(any_method),
                any_attribute: by_owner(any_attribute),
                constructors,
                elements: file.elements,
                annotations: file.annotations,
                well_known_modules: file.well_known_modules,
                plain_decorators: file.plain_decorators,
                loop_bound: file.loop_bound,
                packages,
            }
        });
        &BUILTIN
    }

    /// The entry for a call by qualified name: listed as such, or a public method of a
    /// type listed with `.*`.
    pub fn call(&self, qualified_name: &str) -> Option<&Entry> {
        self.calls.get(qualified_name).or_else(|| {
            let (owner, method) = qualified_name.rsplit_once('.')?;
            if method.starts_with('_') { None } else { self.any_method.get(owner) }
        })
    }

    /// The types (and modules) with an entry listed for their method `method` (not those
    /// listed with `.*`).
    pub fn owners_of_method(&self, method: &str) -> &[String] {
        self.owners_by_method.get(method).map_or(&[], Vec::as_slice)
    }

    /// The type of every public attribute of `owner`, if the catalogue lists it with `.*`
    /// (an attribute of an XML-RPC proxy, `proxy.system`, is a proxy again).
    pub fn any_attribute_type(&self, owner: &str) -> Option<&str> {
        self.any_attribute.get(owner).map(String::as_str)
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
                    rule: crate::data::registry::BLOCKING_SDK_CLIENT.code,
                    message: Some(format!("`{twin}`")),
                    fix: FixKind::Offload,
                    threads: Threads::ThreadSafe,
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
            }) || catalogue.any_method.contains_key(ty);
            assert!(has_member || ty.starts_with("asyncio."), "{ty} has no blocking method");
        }
        assert_eq!(catalogue.calls["sqlite3.Cursor.execute"].threads, Threads::NotThreadSafe);
        assert_eq!(catalogue.calls["redis.Redis.get"].threads, Threads::ThreadSafe);
        assert_eq!(catalogue.calls["time.sleep"].threads, Threads::Any);
        assert_eq!(catalogue.call("xmlrpc.client.ServerProxy.getStatus").map(|entry| entry.rule), Some("AG112"));
        assert!(catalogue.call("xmlrpc.client.ServerProxy.__enter__").is_none());
        assert_eq!(catalogue.any_attribute_type("xmlrpc.client.ServerProxy"), Some("xmlrpc.client.ServerProxy"));
        assert!(catalogue.names_package("httpx") && catalogue.names_package("builtins"));
        assert!(!catalogue.names_package("fakesdk"));
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
