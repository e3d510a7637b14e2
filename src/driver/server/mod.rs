//! `aioguard server`: a Language Server Protocol server on stdin and stdout, for editors.
//!
//! The [`Workspace`] holds what `aioguard check` would load for the editor's folder: the
//! settings (the nearest configuration, with the `initializationOptions`), the cache,
//! and, when a project-wide rule is on, the index of every module of the project. An
//! open document is checked from its text in the editor, against that index, by the
//! same checker as `aioguard check`; its text also replaces its module's summary in the
//! index, so that an edit to a helper changes the findings of the coroutines that call
//! it, and every open document is checked again. Edits are checked once typing pauses
//! ([`DEBOUNCE`]); opening and saving check at once.
//!
//! Code actions: each finding's fix (a `quickfix`; one that may change behaviour is
//! labelled "(unsafe)"), `source.fixAll.aioguard` (the safe fixes, as `aioguard check
//! --fix` applies them) and "ignore with `# noqa: CODE`". A finding's chain of calls
//! (AG110) comes as related information, one location per hop. The configuration is
//! loaded again when it changes (a watched file, or saved in the editor).
//!
//! Nothing a client sends stops the server: a text that does not parse gives AG001, a
//! request about a document that is not open an error response, a panic an error
//! logged. Closed documents are forgotten, so memory follows the open documents and the
//! project's size.

mod convert;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionParams, CodeActionProviderCapability,
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams, InitializeParams, MessageType, PublishDiagnosticsParams, Range, Registration,
    RegistrationParams, SaveOptions, ServerCapabilities, ServerInfo, ShowMessageParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextEdit, Uri, WorkspaceEdit,
};
use ruff_python_parser::parse_module;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Deserialize;

use crate::analysis::project::index::Unread;
use crate::analysis::project::summary::FileSummary;
use crate::analysis::project::{self, ProjectIndex, ProjectView};
use crate::data::config::{CONFIG_FILE_NAMES, Overrides, Settings};
use crate::data::diagnostic::{Applicability, Finding};
use crate::data::discovery;
use crate::driver::cache::{self, Cache};
use crate::driver::learn::{self, Learner};
use crate::driver::{WORKER_STACK_BYTES, add_noqa, index_project, linter, load_settings};
use convert::{Encoding, Placed, file_path};

/// How long typing must pause before an edited document is checked.
pub const DEBOUNCE: Duration = Duration::from_millis(20);

/// The code action kind of fixing every safe fix of a document.
const FIX_ALL: &str = "source.fixAll.aioguard";

/// The settings an editor may set, as `initializationOptions`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct EditorOptions {
    /// Replaces the configuration's `select`.
    select: Option<Vec<String>>,
    /// Added to the configuration's `ignore`.
    ignore: Vec<String>,
    /// A configuration file to use instead of the nearest one.
    configuration: Option<PathBuf>,
    /// Offer the fixes that may change behaviour (labelled "(unsafe)"); on unless `false`.
    unsafe_fixes: Option<bool>,
    /// Keep no cache between sessions.
    no_cache: bool,
}

/// Runs the server on stdin and stdout until the client says `exit`.
pub fn run() -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    // Deeply nested expressions recurse deeply, as in `aioguard check`'s workers.
    let server = std::thread::Builder::new()
        .name("aioguard-server".to_owned())
        .stack_size(WORKER_STACK_BYTES)
        .spawn(move || serve(&connection))
        .map_err(|error| format!("cannot start the server: {error}"))?;
    let served = server.join().unwrap_or_else(|_| Err("the server stopped on an internal error".to_owned()));
    io_threads.join().map_err(|error| format!("the connection failed: {error}"))?;
    served
}

fn serve(connection: &Connection) -> Result<(), String> {
    let (id, params) = connection.initialize_start().map_err(|error| error.to_string())?;
    let params: InitializeParams =
        serde_json::from_value(params).map_err(|error| format!("bad `initialize` parameters: {error}"))?;
    let options = params.initialization_options.clone().map(serde_json::from_value::<EditorOptions>).transpose();
    let (options, bad_options) = match options {
        Ok(options) => (options.unwrap_or_default(), None),
        Err(error) => (EditorOptions::default(), Some(error)),
    };
    let encoding =
        Encoding::negotiate(params.capabilities.general.as_ref().and_then(|g| g.position_encodings.as_deref()));
    let root = workspace_root(&params);
    let capabilities = ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::FULL),
            save: Some(SaveOptions { include_text: Some(false) }.into()),
            ..TextDocumentSyncOptions::default()
        })),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, CodeActionKind::from(FIX_ALL)]),
            resolve_provider: Some(false),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    };
    let result = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": ServerInfo { name: "aioguard".to_owned(), version: Some(env!("CARGO_PKG_VERSION").to_owned()) },
    });
    connection.initialize_finish(id, result).map_err(|error| error.to_string())?;
    let watches = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|workspace| workspace.did_change_watched_files)
        .and_then(|watched| watched.dynamic_registration)
        .unwrap_or(false);
    // Paths are shown, and a project without configuration rooted, as from the folder.
    let _ = std::env::set_current_dir(&root);
    let mut server = Server {
        connection,
        encoding,
        workspace: Workspace::empty(root.clone(), options.clone()),
        documents: HashMap::default(),
        pending: HashMap::default(),
        next_request: 0,
    };
    if let Some(error) = bad_options {
        let message = format!("aioguard: the initializationOptions are ignored: {error}");
        server.notify("window/showMessage", ShowMessageParams { typ: MessageType::WARNING, message });
    }
    server.reload();
    if watches {
        server.watch_files();
    }
    server.main_loop()
}

/// The folder the editor opened: the first workspace folder, else the root URI, else
/// the current directory.
fn workspace_root(params: &InitializeParams) -> PathBuf {
    let folder = params.workspace_folders.as_ref().and_then(|folders| folders.first()).map(|folder| &folder.uri);
    #[allow(deprecated)]
    let uri = folder.or(params.root_uri.as_ref());
    uri.and_then(file_path).or_else(|| std::env::current_dir().ok()).unwrap_or_default()
}

/// What `aioguard check` would load for the folder.
struct Workspace {
    root: PathBuf,
    options: EditorOptions,
    settings: Settings,
    cache: Option<Arc<Cache>>,
    /// The index of the project and its top-level module names, when a project-wide
    /// rule is on.
    project: Option<(ProjectIndex, HashSet<Box<str>>)>,
}

impl Workspace {
    /// A workspace with the default settings and no project, until one is loaded.
    fn empty(root: PathBuf, options: EditorOptions) -> Self {
        let overrides = Overrides { select: options.select.clone(), ignore: options.ignore.clone() };
        let settings = Settings::new(Default::default(), root.clone(), None, &overrides)
            .or_else(|_| Settings::new(Default::default(), root.clone(), None, &Overrides::default()))
            .expect("the default settings are valid");
        Workspace { root, options, settings, cache: None, project: None }
    }

    fn load(root: &Path, options: &EditorOptions) -> Result<Self, String> {
        let overrides = Overrides { select: options.select.clone(), ignore: options.ignore.clone() };
        let mut settings = load_settings(root, options.configuration.as_deref(), false, &overrides)?;
        let environment = learn::environment_of(&settings);
        settings.library_versions = learn::library_versions(&settings, root, environment.as_ref());
        let cache =
            (!options.no_cache).then(|| Arc::new(cache::open(&settings, None, root, &overrides, environment.as_ref())));
        if let Some(environment) = environment {
            settings.client_source = Some(Arc::new(Learner::new(environment, cache.clone())));
        }
        let project = project::is_needed(settings.rules).then(|| index_project(root, &settings, cache.as_deref()));
        if let Some(cache) = &cache {
            // A cache that cannot be written costs only the next session's time.
            let _ = cache.persist();
        }
        Ok(Workspace { root: root.to_path_buf(), options: options.clone(), settings, cache, project })
    }

    /// The findings of a document's text.
    fn check(&self, path: &Path, text: &str) -> Vec<Finding> {
        if self.settings.is_excluded(path) {
            return Vec::new();
        }
        let enabled = self.settings.rules_for(path);
        let diagnostics = linter::check_text(text, &self.settings, enabled, self.view(path));
        linter::findings_of(&discovery::display_path(path), text, diagnostics)
    }

    /// The text with the safe fixes applied, as `aioguard check --fix` writes it; `None`
    /// when there is nothing to fix.
    fn fix_all(&self, path: &Path, text: &str) -> Result<Option<String>, String> {
        if self.settings.is_excluded(path) {
            return Ok(None);
        }
        let enabled = self.settings.rules_for(path);
        let view = self.view(path);
        let diagnostics = linter::check_text(text, &self.settings, enabled, view);
        let fixed = linter::fix_text(text, diagnostics, &self.settings, enabled, Applicability::Safe, view, None)?;
        Ok((fixed.fixed > 0).then_some(fixed.text))
    }

    fn view(&self, path: &Path) -> Option<ProjectView<'_>> {
        let (index, _) = self.project.as_ref()?;
        Some(ProjectView { index, file: index.file_of(path)? })
    }

    /// Makes the module at `path` read as `text` (as on disk when `None`) in the project
    /// index. A text that does not parse leaves the module as it was. Whether the index
    /// changed.
    fn update_module(&mut self, path: &Path, text: Option<&str>) -> bool {
        let Some((index, top_levels)) = self.project.take() else { return false };
        let Some(file) = index.file_of(path) else {
            self.project = Some((index, top_levels));
            return false;
        };
        let from_disk;
        let text = match text {
            Some(text) => text,
            None => match linter::read_source(path) {
                Ok(source) => {
                    from_disk = source.text;
                    &from_disk
                }
                Err(_) => "",
            },
        };
        let summary = parse_module(text).ok().and_then(|parsed| {
            let module = index.files()[file as usize].module.clone();
            project::summarize_parsed(path.to_path_buf(), module, text, &parsed, &self.settings, &top_levels)
        });
        // An edit that leaves the module's summary as it was (most edits inside a
        // function's body) leaves the index valid.
        let unchanged = |summary: &FileSummary| {
            postcard::to_allocvec(summary).ok() == postcard::to_allocvec(&index.files()[file as usize]).ok()
        };
        let Some(summary) = summary.filter(|summary| !unchanged(summary)) else {
            self.project = Some((index, top_levels));
            return false;
        };
        let mut files = index.into_files();
        files[file as usize] = summary;
        let index = ProjectIndex::build(files, top_levels.clone(), Unread::none(), &self.settings);
        self.project = Some((index, top_levels));
        true
    }
}

/// An open document.
struct Document {
    uri: Uri,
    path: PathBuf,
    text: String,
    version: i32,
    /// Its findings, as last published.
    findings: Vec<Finding>,
}

impl Document {
    /// Whether the editor's text is not the file's (or there is no such file).
    fn differs_from_disk(&self) -> bool {
        linter::read_source(&self.path).map_or(true, |source| source.text != self.text)
    }
}

struct Server<'c> {
    connection: &'c Connection,
    encoding: Encoding,
    workspace: Workspace,
    /// By URI.
    documents: HashMap<String, Document>,
    /// Edited documents to check once typing pauses, by URI.
    pending: HashMap<String, Instant>,
    next_request: i32,
}

impl Server<'_> {
    fn main_loop(&mut self) -> Result<(), String> {
        loop {
            let message = match self.pending.values().min() {
                None => self.connection.receiver.recv().map_err(|_| "the client went away".to_owned())?,
                Some(deadline) => {
                    match self.connection.receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                        Ok(message) => message,
                        Err(error) if error.is_timeout() => {
                            self.check_due();
                            continue;
                        }
                        Err(_) => return Err("the client went away".to_owned()),
                    }
                }
            };
            match message {
                Message::Request(request) => {
                    if self.connection.handle_shutdown(&request).map_err(|error| error.to_string())? {
                        if let Some(cache) = &self.workspace.cache {
                            // What the session learnt; if it cannot be written, it is learnt again.
                            let _ = cache.persist();
                        }
                        return Ok(());
                    }
                    let id = request.id.clone();
                    let response =
                        std::panic::catch_unwind(AssertUnwindSafe(|| self.respond(request))).unwrap_or_else(|_| {
                            Response::new_err(
                                id,
                                ErrorCode::InternalError as i32,
                                "internal error (a bug in aioguard)".into(),
                            )
                        });
                    self.send(response.into());
                }
                Message::Notification(notification) => {
                    let method = notification.method.clone();
                    if std::panic::catch_unwind(AssertUnwindSafe(|| self.notified(notification))).is_err() {
                        self.log(MessageType::ERROR, format!("internal error handling `{method}` (a bug in aioguard)"));
                    }
                }
                // The answers to the server's own requests (registering watchers) need nothing.
                Message::Response(_) => {}
            }
        }
    }

    fn send(&self, message: Message) {
        // The client has gone when this fails: the receiving end notices and stops.
        let _ = self.connection.sender.send(message);
    }

    fn notify<P: serde::Serialize>(&self, method: &str, params: P) {
        self.send(Notification::new(method.to_owned(), params).into());
    }

    fn log(&self, kind: MessageType, message: String) {
        self.notify("window/logMessage", lsp_types::LogMessageParams { typ: kind, message });
    }

    /// Loads the workspace (again); on a bad configuration, says so and keeps the last one.
    fn reload(&mut self) {
        let root = self.workspace.root.clone();
        let options = self.workspace.options.clone();
        match std::panic::catch_unwind(AssertUnwindSafe(|| Workspace::load(&root, &options))) {
            Ok(Ok(workspace)) => {
                self.workspace = workspace;
                // The index was read from disk: the open documents' texts go back in.
                for document in self.documents.values() {
                    if document.differs_from_disk() {
                        self.workspace.update_module(&document.path, Some(&document.text));
                    }
                }
            }
            Ok(Err(error)) => {
                let message = format!("aioguard: {error}");
                self.notify("window/showMessage", ShowMessageParams { typ: MessageType::ERROR, message });
            }
            Err(_) => self.log(MessageType::ERROR, "internal error loading the project (a bug in aioguard)".into()),
        }
    }

    /// Asks the client to say when Python files or the configuration change on disk.
    fn watch_files(&mut self) {
        let globs = ["**/*.py", "**/*.pyi", "**/pyproject.toml"].into_iter().map(str::to_owned);
        let globs = globs.chain(CONFIG_FILE_NAMES.iter().map(|name| format!("**/{name}")));
        let watchers: Vec<serde_json::Value> = globs.map(|glob| serde_json::json!({ "globPattern": glob })).collect();
        let registration = Registration {
            id: "aioguard-watched-files".to_owned(),
            method: "workspace/didChangeWatchedFiles".to_owned(),
            register_options: Some(serde_json::json!({ "watchers": watchers })),
        };
        self.next_request += 1;
        let id = RequestId::from(format!("aioguard-{}", self.next_request));
        let params = RegistrationParams { registrations: vec![registration] };
        self.send(Request::new(id, "client/registerCapability".to_owned(), params).into());
    }

    fn respond(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        match request.method.as_str() {
            "textDocument/codeAction" => match serde_json::from_value::<CodeActionParams>(request.params) {
                Ok(params) => match self.code_actions(&params) {
                    Ok(actions) => Response::new_ok(id, actions),
                    Err(message) => Response::new_err(id, ErrorCode::InvalidParams as i32, message),
                },
                Err(error) => Response::new_err(id, ErrorCode::InvalidParams as i32, error.to_string()),
            },
            method => {
                Response::new_err(id, ErrorCode::MethodNotFound as i32, format!("unsupported request `{method}`"))
            }
        }
    }

    fn notified(&mut self, notification: Notification) {
        let method = notification.method.clone();
        let params = notification.params;
        let parsed = match method.as_str() {
            "textDocument/didOpen" => serde_json::from_value(params).map(|params| self.opened(params)),
            "textDocument/didChange" => serde_json::from_value(params).map(|params| self.changed(params)),
            "textDocument/didSave" => serde_json::from_value(params).map(|params| self.saved(params)),
            "textDocument/didClose" => serde_json::from_value(params).map(|params| self.closed(params)),
            "workspace/didChangeWatchedFiles" => {
                serde_json::from_value(params).map(|params| self.files_changed(params))
            }
            _ => Ok(()),
        };
        if let Err(error) = parsed {
            self.log(MessageType::WARNING, format!("bad `{method}` parameters: {error}"));
        }
    }

    fn opened(&mut self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        let Some(path) = file_path(&document.uri) else { return };
        let key = document.uri.as_str().to_owned();
        self.documents.insert(
            key.clone(),
            Document { uri: document.uri, path, text: document.text, version: document.version, findings: Vec::new() },
        );
        let differs = self.documents[&key].differs_from_disk();
        self.check_now(&key, differs);
    }

    fn changed(&mut self, params: DidChangeTextDocumentParams) {
        let key = params.text_document.uri.as_str().to_owned();
        let Some(document) = self.documents.get_mut(&key) else { return };
        // Full synchronisation: the last change is the whole text.
        let Some(change) = params.content_changes.into_iter().next_back() else { return };
        document.text = change.text;
        document.version = params.text_document.version;
        self.pending.insert(key, Instant::now() + DEBOUNCE);
    }

    fn saved(&mut self, params: DidSaveTextDocumentParams) {
        let key = params.text_document.uri.as_str().to_owned();
        if file_path(&params.text_document.uri).is_some_and(|path| is_configuration(&path)) {
            self.reload();
            self.check_all();
        } else if self.documents.contains_key(&key) {
            self.check_now(&key, true);
        }
    }

    fn closed(&mut self, params: DidCloseTextDocumentParams) {
        let key = params.text_document.uri.as_str().to_owned();
        self.pending.remove(&key);
        let Some(document) = self.documents.remove(&key) else { return };
        self.publish_findings(&document.uri, None, &[], "");
        // The module reads as on disk again for the other documents.
        if document.differs_from_disk() && self.workspace.update_module(&document.path, None) {
            self.check_all();
        }
    }

    fn files_changed(&mut self, params: DidChangeWatchedFilesParams) {
        let paths: Vec<(PathBuf, lsp_types::FileChangeType)> =
            params.changes.iter().filter_map(|change| Some((file_path(&change.uri)?, change.typ))).collect();
        if paths.iter().any(|(path, _)| is_configuration(path))
            || paths.iter().any(|(_, kind)| *kind != lsp_types::FileChangeType::CHANGED)
        {
            // A new configuration, or modules added or removed: the project is indexed again.
            self.reload();
            self.check_all();
            return;
        }
        let open: HashSet<&Path> = self.documents.values().map(|document| document.path.as_path()).collect();
        let mut changed = false;
        for (path, _) in paths.iter().filter(|(path, _)| !open.contains(path.as_path())) {
            changed |= self.workspace.update_module(path, None);
        }
        if changed {
            self.check_all();
        }
    }

    /// Checks the edited documents whose pause is over.
    fn check_due(&mut self) {
        let now = Instant::now();
        let due: Vec<String> =
            self.pending.iter().filter(|(_, deadline)| **deadline <= now).map(|(key, _)| key.clone()).collect();
        for key in due {
            self.check_now(&key, true);
        }
    }

    /// Checks a document and publishes its findings. When its text is new to the index
    /// (`update`) and changes its module's summary, the index is updated and every open
    /// document, this one too, is checked again: the document's findings come first,
    /// from the index as it was (indexing a large project again takes longer than a
    /// check), and those that depend on its new summary right after.
    fn check_now(&mut self, key: &str, update: bool) {
        self.pending.remove(key);
        let Some(document) = self.documents.get(key) else { return };
        let (path, text) = (document.path.clone(), document.text.clone());
        self.check_document(key);
        if update && self.workspace.update_module(&path, Some(&text)) {
            self.check_all();
        }
    }

    /// Checks every open document again.
    fn check_all(&mut self) {
        let keys: Vec<String> = self.documents.keys().cloned().collect();
        for key in keys {
            self.check_document(&key);
        }
    }

    fn check_document(&mut self, key: &str) {
        let Some(document) = self.documents.get(key) else { return };
        let findings =
            std::panic::catch_unwind(AssertUnwindSafe(|| self.workspace.check(&document.path, &document.text)));
        let findings = match findings {
            Ok(findings) => findings,
            Err(_) => {
                let message = format!("internal error checking {} (a bug in aioguard)", document.path.display());
                self.log(MessageType::ERROR, message);
                Vec::new()
            }
        };
        self.publish_findings(&document.uri, Some(document.version), &findings, &document.text);
        if let Some(document) = self.documents.get_mut(key) {
            document.findings = findings;
        }
    }

    fn publish_findings(&self, uri: &Uri, version: Option<i32>, findings: &[Finding], text: &str) {
        let placed = Placed::new(text, self.encoding);
        let diagnostics = findings.iter().map(|finding| placed.diagnostic(finding, &self.workspace.settings)).collect();
        self.notify(
            "textDocument/publishDiagnostics",
            PublishDiagnosticsParams { uri: uri.clone(), diagnostics, version },
        );
    }

    fn code_actions(&mut self, params: &CodeActionParams) -> Result<Vec<CodeActionOrCommand>, String> {
        let key = params.text_document.uri.as_str().to_owned();
        if !self.documents.contains_key(&key) {
            return Err(format!("unknown document {key}: it is not open"));
        }
        if self.pending.contains_key(&key) {
            self.check_now(&key, true);
        }
        let document = &self.documents[&key];
        let wants = |kind: &str| {
            params.context.only.as_ref().is_none_or(|only| {
                only.iter().any(|wanted| kind == wanted.as_str() || kind.starts_with(&format!("{}.", wanted.as_str())))
            })
        };
        let placed = Placed::new(&document.text, self.encoding);
        let mut actions = Vec::new();
        if wants(CodeActionKind::QUICKFIX.as_str()) {
            let offer_unsafe = self.workspace.options.unsafe_fixes.unwrap_or(true);
            for finding in document.findings.iter().filter(|finding| touches(&placed, finding, params.range)) {
                let diagnostic = placed.diagnostic(finding, &self.workspace.settings);
                if let Some(fix) =
                    finding.fix.as_ref().filter(|fix| offer_unsafe || fix.applicability == Applicability::Safe)
                {
                    let safe = fix.applicability == Applicability::Safe;
                    let edits = fix.edits.iter().map(|edit| placed.located_edit(edit)).collect();
                    actions.push(action(
                        if safe { fix.message.clone() } else { format!("{} (unsafe)", fix.message) },
                        CodeActionKind::QUICKFIX,
                        &document.uri,
                        edits,
                        Some(diagnostic.clone()),
                        safe,
                    ));
                }
                if !std::ptr::eq(finding.rule, &crate::data::registry::SYNTAX_ERROR)
                    && let Ok((edits, _)) = add_noqa::noqa_edits(&document.text, &[finding])
                    && !edits.is_empty()
                {
                    let edits = edits.iter().map(|edit| placed.edit(edit)).collect();
                    let title = format!("Ignore {} with `# noqa: {}`", finding.rule.code, finding.rule.code);
                    actions.push(action(
                        title,
                        CodeActionKind::QUICKFIX,
                        &document.uri,
                        edits,
                        Some(diagnostic),
                        false,
                    ));
                }
            }
        }
        if wants(FIX_ALL) && document.findings.iter().any(|finding| finding.is_fixable(Applicability::Safe)) {
            match self.workspace.fix_all(&document.path, &document.text) {
                Ok(Some(fixed)) => {
                    let whole = Range { start: lsp_types::Position { line: 0, character: 0 }, end: placed.end() };
                    let edit = TextEdit { range: whole, new_text: fixed };
                    let title = "Fix all safely fixable aioguard findings".to_owned();
                    actions.push(action(title, CodeActionKind::from(FIX_ALL), &document.uri, vec![edit], None, false));
                }
                Ok(None) => {}
                Err(error) => self.log(MessageType::ERROR, format!("{}: {error}", document.path.display())),
            }
        }
        Ok(actions)
    }
}

/// Whether a finding overlaps the range a code action request is about.
fn touches(placed: &Placed, finding: &Finding, range: Range) -> bool {
    let (start, end) = (placed.position(finding.start), placed.position(finding.end));
    start <= range.end && range.start <= end
}

fn action(
    title: String,
    kind: CodeActionKind,
    uri: &Uri,
    edits: Vec<TextEdit>,
    diagnostic: Option<lsp_types::Diagnostic>,
    preferred: bool,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(kind),
        diagnostics: diagnostic.map(|diagnostic| vec![diagnostic]),
        edit: Some(WorkspaceEdit {
            changes: Some(std::collections::HashMap::from([(uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }),
        is_preferred: preferred.then_some(true),
        ..CodeAction::default()
    })
}

/// Whether a file is one the configuration may be read from.
fn is_configuration(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name == "pyproject.toml" || CONFIG_FILE_NAMES.contains(&name))
}
