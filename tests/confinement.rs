//! A workspace cannot make promptwright read or write outside it: datasets, schema
//! files, cassettes, prompt files and the state folder are confined after resolving
//! symlinks. Each attack is refused with exit 2 at its line, the outside file is left
//! untouched, and its content is never echoed.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use common::{code, run_in, stderr, stdout, write};

const SECRET: &str = "TOP-SECRET-CONTENT";

/// A workspace in `base/ws`, and `base/outside/rc` holding a secret.
fn setup(providers: &str, suite: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let base = tempfile::tempdir().unwrap();
    let root = base.path().join("ws");
    write(
        &root,
        "workspace.toml",
        format!(
            "[workspace]\nname = \"t\"\ndefault_provider = \"e\"\n[providers.e]\nkind = \"echo\"\n{providers}"
        ),
    );
    write(
        &root,
        "prompts/p.toml",
        "[[messages]]\nrole = \"user\"\ncontent = \"hi {{ n }}\"\n",
    );
    write(&root, "evals/s.toml", suite);
    write(
        base.path(),
        "outside/rc",
        format!("{SECRET}\n{{\"not\": 1}}\n"),
    );
    (base, root)
}

const SUITE: &str = "prompt = \"p\"\n[[cases]]\nid = \"a\"\nvars = { n = 1 }\n";

fn outside(base: &tempfile::TempDir) -> std::path::PathBuf {
    std::fs::canonicalize(base.path().join("outside/rc")).unwrap()
}

fn assert_refused(o: &std::process::Output, at: &str, base: &tempfile::TempDir) {
    let err = stderr(o);
    assert_eq!(code(o), 2, "{err}");
    assert!(err.contains(at), "expected {at} in:\n{err}");
    assert!(err.contains("outside the workspace"), "{err}");
    assert!(
        err.contains(&outside(base).display().to_string()),
        "the real path is shown:\n{err}"
    );
    assert!(
        !err.contains(SECRET) && !stdout(o).contains(SECRET),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(outside(base)).unwrap(),
        format!("{SECRET}\n{{\"not\": 1}}\n"),
        "the outside file is untouched"
    );
}

#[test]
fn a_cassette_out_of_the_workspace_is_refused_and_record_never_appends_to_it() {
    for cassette in ["../outside/rc", "evals/../../outside/rc"] {
        let (base, root) = setup(
            &format!("[providers.r]\nkind = \"replay\"\ncassette = \"{cassette}\"\n"),
            SUITE,
        );
        let o = run_in(&root, &["check"]);
        assert_refused(&o, "workspace.toml:8:12", &base);
        let o = run_in(&root, &["eval", "--record"]);
        assert_refused(&o, "workspace.toml:8:12", &base);
    }
}

#[test]
fn an_absolute_cassette_path_out_of_the_workspace_is_refused() {
    let (base, root) = setup("", SUITE);
    let rc = base.path().join("outside/rc");
    let ws = std::fs::read_to_string(root.join("workspace.toml")).unwrap();
    write(
        &root,
        "workspace.toml",
        format!(
            "{ws}[providers.r]\nkind = \"replay\"\ncassette = \"{}\"\n",
            rc.display()
        ),
    );
    assert_refused(
        &run_in(&root, &["eval", "--record"]),
        "workspace.toml:8:12",
        &base,
    );
}

#[test]
fn a_cassette_symlink_pointing_out_is_refused_even_when_its_target_does_not_exist() {
    let (base, root) = setup(
        "[providers.r]\nkind = \"replay\"\ncassette = \"evals/c.jsonl\"\n",
        SUITE,
    );
    std::os::unix::fs::symlink(base.path().join("outside/rc"), root.join("evals/c.jsonl")).unwrap();
    assert_refused(
        &run_in(&root, &["eval", "--record"]),
        "workspace.toml:8:12",
        &base,
    );
    // A dangling link would create the file it points to on the first append.
    std::fs::remove_file(root.join("evals/c.jsonl")).unwrap();
    std::os::unix::fs::symlink(
        base.path().join("outside/new-rc"),
        root.join("evals/c.jsonl"),
    )
    .unwrap();
    let o = run_in(&root, &["eval", "--record"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    assert!(!base.path().join("outside/new-rc").exists());
}

#[test]
fn a_dataset_out_of_the_workspace_is_refused_without_quoting_it() {
    // Directly, and through a symlink inside the workspace.
    let (base, root) = setup("", "prompt = \"p\"\ndataset = \"../../outside/rc\"\n");
    assert_refused(&run_in(&root, &["check"]), "evals/s.toml:2:11", &base);
    let (base, root) = setup("", "prompt = \"p\"\ndataset = \"data/d.jsonl\"\n");
    std::fs::create_dir_all(root.join("evals/data")).unwrap();
    std::os::unix::fs::symlink(
        base.path().join("outside/rc"),
        root.join("evals/data/d.jsonl"),
    )
    .unwrap();
    assert_refused(&run_in(&root, &["check"]), "evals/s.toml:2:11", &base);
    assert_refused(&run_in(&root, &["eval"]), "evals/s.toml:2:11", &base);
}

#[test]
fn a_schema_file_out_of_the_workspace_is_refused_without_quoting_it() {
    let (base, root) = setup(
        "",
        "prompt = \"p\"\n[[assert]]\ntype = \"json-schema\"\nvalue = \"../../outside/rc\"\n",
    );
    assert_refused(&run_in(&root, &["check"]), "evals/s.toml:4:9", &base);
}

#[test]
fn a_prompt_file_linked_out_of_the_workspace_is_not_read() {
    let (base, root) = setup("", SUITE);
    std::os::unix::fs::symlink(base.path().join("outside/rc"), root.join("prompts/q.toml"))
        .unwrap();
    assert_refused(&run_in(&root, &["check"]), "prompts/q.toml", &base);
}

#[test]
fn a_state_folder_linked_out_of_the_workspace_is_not_written() {
    let (base, root) = setup("", SUITE);
    let target = base.path().join("outside/state");
    std::fs::create_dir_all(&target).unwrap();
    std::os::unix::fs::symlink(&target, root.join(".promptwright")).unwrap();
    let o = run_in(&root, &["eval"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("outside the workspace"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
}
