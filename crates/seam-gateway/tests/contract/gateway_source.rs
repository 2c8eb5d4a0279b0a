//! What the gateway declares, read from its source at test time, so that an endpoint or a
//! method added without contract coverage fails the suite instead of going unnoticed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut pending = vec![root];
    let mut files = Vec::new();
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                files.push((path, text));
            }
        }
    }
    files.sort();
    files
}

/// Every Seam path in an `Endpoint::<kind>("/path", ...)` declaration.
pub fn endpoint_paths() -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    for (_, text) in sources() {
        for (at, _) in text.match_indices("Endpoint::") {
            let rest = &text[at + "Endpoint::".len()..];
            let Some(open) = rest.find('(') else { continue };
            // Only constructor calls: `Endpoint::read(`, not `Endpoint::path` in a comment.
            if !rest[..open]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                continue;
            }
            let args = rest[open + 1..].trim_start();
            let Some(literal) = args.strip_prefix('"') else {
                continue;
            };
            if let Some(end) = literal.find('"') {
                if literal.starts_with('/') {
                    paths.insert(literal[..end].to_owned());
                }
            }
        }
    }
    paths
}

/// Every `pub async fn` of the endpoint modules: the `WorkspaceClient` methods.
pub fn workspace_methods() -> BTreeSet<String> {
    let mut methods = BTreeSet::new();
    for (path, text) in sources() {
        if !path.components().any(|c| c.as_os_str() == "endpoints") {
            continue;
        }
        for (at, _) in text.match_indices("pub async fn ") {
            let name: String = text[at + "pub async fn ".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            methods.insert(name);
        }
    }
    methods
}

#[test]
fn the_source_reader_finds_the_gateways_endpoints_and_methods() {
    let paths = endpoint_paths();
    assert!(paths.contains("/acs/users/create"), "{paths:?}");
    assert!(paths.contains("/workspaces/get"), "{paths:?}");
    assert!(paths.iter().all(|p| p.starts_with('/') && !p.contains(' ')));
    let methods = workspace_methods();
    assert!(methods.contains("get_workspace"), "{methods:?}");
    assert!(methods.contains("create_acs_user"), "{methods:?}");
}
