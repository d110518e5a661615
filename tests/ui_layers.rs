//! The ui's layers, read from its source: every file of `src/ui` imports only its own layer
//! and the layers below it, `ui::core` touches no browser API, and no import circle runs
//! through the files of `src/ui`.
//!
//! Layers, lowest first: `core` (decisions, native) ← `view` (elements, drawing) ← `app` (the
//! viewer's state) ← `web` (events, workers, storage, messages). The code that runs inside the
//! workers (`workers`) sees `core` only; `web` may use the workers' message types.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Which layers each layer may import.
const ALLOWED: [(&str, &[&str]); 5] = [
    ("core", &["core"]),
    ("view", &["core", "view"]),
    ("app", &["core", "view", "app"]),
    ("workers", &["core", "workers"]),
    ("web", &["core", "view", "app", "web", "workers"]),
];

/// Crates that only exist in the browser build.
const BROWSER_CRATES: [&str; 4] = ["web_sys", "js_sys", "wasm_bindgen", "wasm_bindgen_futures"];

type Module = Vec<String>;

/// Every `.rs` file under `dir` with its module path below `ui` (`web/router.rs` → [web, router];
/// `view/canvas/mod.rs` → [view, canvas]; `mod.rs` → []).
fn modules(root: &Path) -> BTreeMap<Module, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.insert(
                    module_of(root, &path),
                    std::fs::read_to_string(&path).unwrap(),
                );
            }
        }
    }
    out
}

fn module_of(root: &Path, file: &Path) -> Module {
    let rel: PathBuf = file.strip_prefix(root).unwrap().with_extension("");
    let mut parts: Module = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Source without comments (line and block), so doc text naming a module is not an import.
fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        if in_str {
            out.push(c);
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match (c, chars.peek()) {
            // A char literal of a quote ('"' or '\"') does not open a string.
            ('\'', Some('"')) | ('\'', Some('\\')) => {
                out.push(c);
                for n in chars.by_ref() {
                    out.push(n);
                    if n == '\'' {
                        break;
                    }
                }
            }
            ('"', _) => {
                in_str = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                let mut prev = ' ';
                for n in chars.by_ref() {
                    if prev == '*' && n == '/' {
                        break;
                    }
                    prev = n;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The paths named after `prefix` (e.g. `crate::ui::`), groups expanded one level:
/// `crate::ui::{a, b::C}` gives [a] and [b, C].
fn paths_after(src: &str, prefix: &str) -> Vec<Module> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let (head, tail) = read_path(rest);
        if let Some(group) = tail.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let (p, _) = read_path(item.trim());
                if !p.is_empty() && p[0] != "self" {
                    out.push(head.iter().cloned().chain(p).collect());
                } else if !head.is_empty() {
                    out.push(head.clone());
                }
            }
        } else if !head.is_empty() {
            out.push(head);
        }
    }
    out
}

/// Identifiers joined by `::` at the start of `s`, and what follows them.
fn read_path(s: &str) -> (Module, &str) {
    let mut parts = Vec::new();
    let mut rest = s;
    loop {
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            break;
        }
        parts.push(rest[..len].to_string());
        rest = &rest[len..];
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    (parts, rest)
}

/// Each module's imports of other modules of the ui (the longest module prefix of each path).
fn imports(mods: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut graph = BTreeMap::new();
    for (m, src) in mods {
        let code = strip_comments(src);
        let mut named = paths_after(&code, "crate::ui::");
        for p in paths_after(&code, "super::") {
            // `super` is the parent module; each further leading `super` one more level up.
            let mut base: Module = m[..m.len().saturating_sub(1)].to_vec();
            let mut rest = p.as_slice();
            while let Some(("super", tail)) = rest.split_first().map(|(h, t)| (h.as_str(), t)) {
                base.pop();
                rest = tail;
            }
            named.push(base.into_iter().chain(rest.iter().cloned()).collect());
        }
        let mut edges = BTreeSet::new();
        for path in named {
            let target = (1..=path.len())
                .rev()
                .map(|k| path[..k].to_vec())
                .find(|cand| mods.contains_key(cand));
            if let Some(t) = target {
                if &t != m {
                    edges.insert(t);
                }
            }
        }
        graph.insert(m.clone(), edges);
    }
    graph
}

/// One import circle of the graph, if there is one.
fn find_cycle(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        v: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        marks: &mut BTreeMap<Module, Mark>,
        path: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        marks.insert(v.clone(), Mark::Open);
        path.push(v.clone());
        for w in graph.get(v).into_iter().flatten() {
            match marks.get(w).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let start = path.iter().position(|p| p == w).unwrap();
                    let mut cycle = path[start..].to_vec();
                    cycle.push(w.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(c) = visit(w, graph, marks, path) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks.insert(v.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for v in graph.keys() {
        if marks.get(v).copied().unwrap_or(Mark::New) == Mark::New {
            if let Some(c) = visit(v, graph, &mut marks, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

fn name(m: &Module) -> String {
    format!("ui::{}", m.join("::"))
}

fn ui_graph() -> (BTreeMap<Module, String>, BTreeMap<Module, BTreeSet<Module>>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mods = modules(&root);
    let graph = imports(&mods);
    (mods, graph)
}

fn m(path: &str) -> Module {
    path.split("::").map(str::to_string).collect()
}

#[test]
fn the_reader_sees_the_imports_it_must() {
    // If parsing broke, every other check here would pass vacuously.
    let (mods, graph) = ui_graph();
    assert!(mods.len() > 40, "only {} files found", mods.len());
    let router = &graph[&m("web::router")];
    for dep in [
        "web::analysis",
        "web::gallery",
        "web::loader",
        "web::msg",
        "app::state",
    ] {
        assert!(
            router.contains(&m(dep)),
            "router → {dep} not seen: {router:?}"
        );
    }
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    assert!(edges > 80, "only {edges} imports found");
}

#[test]
fn no_import_circle_runs_through_the_ui() {
    let (_, graph) = ui_graph();
    if let Some(cycle) = find_cycle(&graph) {
        let names: Vec<String> = cycle.iter().map(name).collect();
        panic!("import circle: {}", names.join(" → "));
    }
}

/// The imports that go against the layers, as "from → to".
fn layer_breaches(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<String> {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.into_iter().collect();
    let mut wrong = Vec::new();
    for (from, deps) in graph {
        let Some(layer) = from.first() else { continue };
        let Some(ok) = allowed.get(layer.as_str()) else {
            wrong.push(format!("{} is in no layer", name(from)));
            continue;
        };
        for to in deps {
            let to_layer = to.first().map(String::as_str).unwrap_or("");
            if !ok.contains(&to_layer) {
                wrong.push(format!("{} → {}", name(from), name(to)));
            }
        }
    }
    wrong
}

#[test]
fn each_layer_imports_only_itself_and_the_layers_below() {
    let (_, graph) = ui_graph();
    let wrong = layer_breaches(&graph);
    assert!(wrong.is_empty(), "imports against the layers: {wrong:#?}");
}

#[test]
fn the_decisions_touch_no_browser_api() {
    let (mods, _) = ui_graph();
    let mut core = 0;
    for (module, src) in mods
        .iter()
        .filter(|(k, _)| k.first().is_some_and(|l| l == "core"))
    {
        core += 1;
        let code = strip_comments(src);
        for krate in BROWSER_CRATES {
            assert!(
                !code.contains(&format!("{krate}::")),
                "{} uses {krate}",
                name(module)
            );
        }
    }
    assert!(core >= 10, "only {core} files in ui::core");
}

#[test]
fn the_checker_finds_a_planted_circle_and_a_layer_breach() {
    let mut mods = BTreeMap::new();
    mods.insert(m("core::a"), "use crate::ui::view::b::Thing;".to_string());
    mods.insert(
        m("view::b"),
        "use crate::ui::{core::a, app::c};".to_string(),
    );
    mods.insert(
        m("app::c"),
        "// use crate::ui::web::d;\nfn f() { super::super::core::a::g() }".to_string(),
    );
    // A quote as a char literal opens no string: the comment after it is still a comment.
    mods.insert(
        m("web::d"),
        "let q = '\"'; // not crate::ui::app::c\nuse crate::ui::core::a; let e = '\\\"';"
            .to_string(),
    );
    let graph = imports(&mods);
    assert_eq!(graph[&m("web::d")], [m("core::a")].into_iter().collect());
    assert_eq!(
        graph[&m("view::b")],
        [m("core::a"), m("app::c")].into_iter().collect()
    );
    assert!(graph[&m("app::c")].contains(&m("core::a")), "{graph:?}");
    let cycle = find_cycle(&graph).expect("a circle");
    // core::a → view::b → core::a, or through app::c.
    assert!(cycle.len() >= 3);
    assert_eq!(cycle.first(), cycle.last());
    let wrong = layer_breaches(&graph);
    assert!(
        wrong.contains(&"ui::core::a → ui::view::b".to_string()),
        "{wrong:?}"
    );
    assert!(
        wrong.contains(&"ui::view::b → ui::app::c".to_string()),
        "{wrong:?}"
    );
    assert_eq!(wrong.len(), 2, "{wrong:?}");
}
