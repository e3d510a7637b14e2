//! `aioguard server` with a real LSP client: `tests/server/scenario.py`, built on pygls
//! and lsprotocol (from `tests/tools/requirements.txt`), opens the project in
//! `tests/server/project`, edits a helper, receives diagnostics, requests code actions
//! and applies their workspace edits, as an editor does (the script says each step).
//! The README's editor set-ups are read as data: each starts `aioguard server` for
//! Python with initialization options the server knows.

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The initialization options the server reads.
const OPTIONS: &[&str] = &["select", "ignore", "configuration", "unsafeFixes", "noCache"];

#[test]
fn an_editor_session_with_a_real_client() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/server");
    common::copy_tree(&here.join("project"), &project);
    let output = Command::new(common::tools_python())
        .arg(here.join("scenario.py"))
        .arg(env!("CARGO_BIN_EXE_aioguard"))
        .arg(&project)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the scenario failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("scenario passed"), "{stdout}\n{stderr}");
}

/// The fenced block of `language` that follows `<!-- snippet: NAME -->` in README.md.
fn readme_snippet(name: &str, language: &str) -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let marker = format!("<!-- snippet: {name} -->\n```{language}\n");
    let start = readme.find(&marker).unwrap_or_else(|| panic!("README.md has no {language} snippet `{name}`"));
    let body = &readme[start + marker.len()..];
    body[..body.find("```\n").expect("the block ends")].to_owned()
}

fn assert_known_options(options: &serde_json::Map<String, Value>) {
    for key in options.keys() {
        assert!(OPTIONS.contains(&key.as_str()), "the server reads no initialization option `{key}`");
    }
}

#[test]
fn the_readme_editor_set_ups_start_the_server_for_python() {
    let vscode: Value = serde_json::from_str(&readme_snippet("vscode", "json")).unwrap();
    assert_eq!(vscode["glspc.server.command"], "aioguard");
    assert_eq!(vscode["glspc.server.commandArguments"], serde_json::json!(["server"]));
    assert_eq!(vscode["glspc.server.languageId"], serde_json::json!(["python"]));
    assert_known_options(vscode["glspc.server.initializationOptions"].as_object().unwrap());
    assert!(vscode["editor.codeActionsOnSave"].get("source.fixAll.aioguard").is_some());

    let helix: toml::Table = toml::from_str(&readme_snippet("helix", "toml")).unwrap();
    let server = &helix["language-server"]["aioguard"];
    assert_eq!(server["command"].as_str(), Some("aioguard"));
    assert_eq!(server["args"].as_array().unwrap(), &[toml::Value::from("server")]);
    let config: serde_json::Map<String, Value> =
        serde_json::from_value(serde_json::to_value(&server["config"]).unwrap()).unwrap();
    assert_known_options(&config);
    let python =
        helix["language"].as_array().unwrap().iter().find(|language| language["name"].as_str() == Some("python"));
    assert!(python.unwrap()["language-servers"].as_array().unwrap().contains(&toml::Value::from("aioguard")));

    let neovim = readme_snippet("neovim", "lua");
    assert!(neovim.contains(r#"cmd = { "aioguard", "server" }"#), "{neovim}");
    assert!(neovim.contains(r#"filetypes = { "python" }"#) && neovim.contains(r#"vim.lsp.enable("aioguard")"#));

    let zed: toml::Table = toml::from_str(&readme_snippet("zed-extension", "toml")).unwrap();
    assert_eq!(zed["language_servers"]["aioguard"]["languages"].as_array().unwrap(), &[toml::Value::from("Python")]);
    let settings: Value = serde_json::from_str(&readme_snippet("zed-settings", "json")).unwrap();
    assert!(settings["languages"]["Python"]["language_servers"].as_array().unwrap().contains(&"aioguard".into()));
    assert_known_options(settings["lsp"]["aioguard"]["initialization_options"].as_object().unwrap());
}
