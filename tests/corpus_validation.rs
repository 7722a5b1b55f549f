//! The corpus loader reports every problem in a guidance directory at once, as `path:line`.

mod common;

use candidate_security::corpus::{Corpus, CorpusError};
use common::{front_matter, write_files};

fn load(files: &[(&str, String)]) -> (tempfile::TempDir, Result<Corpus, CorpusError>) {
    let dir = tempfile::tempdir().expect("temp dir");
    write_files(dir.path(), files);
    let result = Corpus::from_dir(dir.path());
    (dir, result)
}

/// `(file name, line, message)` of each problem, for compact assertions.
fn problems(dir: &tempfile::TempDir, error: &CorpusError) -> Vec<(String, usize, String)> {
    let root = dir.path().display().to_string();
    error
        .problems
        .iter()
        .map(|p| (p.path.replace(&root, ""), p.line, p.message.clone()))
        .collect()
}

fn assert_problem(found: &[(String, usize, String)], file: &str, line: usize, needle: &str) {
    assert!(
        found
            .iter()
            .any(|(f, l, m)| f.ends_with(file) && *l == line && m.contains(needle)),
        "expected {file}:{line}: …{needle}… in {found:#?}"
    );
}

#[test]
fn a_valid_directory_loads() {
    let doc = front_matter("good", "Good", "cyber")
        + "Intro.\n\n## Part one\n\nText.\n\n- [ ] Do it {#do-it}\n";
    let (_dir, result) = load(&[
        ("guidance/good.md", doc),
        (
            "synonyms.toml",
            "[[group]]\nterms = [\"a\", \"b c\"]\n".to_owned(),
        ),
    ]);
    let corpus = result.expect("valid corpus");
    assert_eq!(corpus.documents.len(), 1);
    assert_eq!(corpus.synonyms.len(), 1);
    let document = &corpus.documents[0];
    let anchors: Vec<_> = document
        .sections
        .iter()
        .map(|s| s.anchor.as_str())
        .collect();
    assert_eq!(anchors, ["introduction", "part-one"]);
    assert_eq!(
        document
            .checklist()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        ["do-it"]
    );
}

#[test]
fn every_problem_in_every_file_is_reported_at_once() {
    let missing_and_bad_date = "+++\ntitle = \"T\"\nslug = \"first\"\ncategory = \"cyber\"\naudience = [\"candidate\"]\nowners = [\"X\"]\nlast_reviewed = 2026-02-30\ncolour = \"blue\"\n\n[[sources]]\ntitle = \"S\"\nurl = \"http://insecure.example.org/\"\n+++\n\nText.\n".to_owned();
    let sections = front_matter("second", "Second", "protective")
        + "Intro.\n\n## Same\n\nOne.\n\n## Same\n\nTwo.\n\n## Empty one\n\n## Last\n\nSee [this](/guidance/nowhere) and [that](/guidance/second#missing).\n";
    let (dir, result) = load(&[
        ("guidance/first.md", missing_and_bad_date),
        ("guidance/second.md", sections),
        (
            "guidance/wrong-name.md",
            front_matter("other-slug", "Other", "general") + "Text.\n",
        ),
        ("guidance/no-front-matter.md", "Just text.\n".to_owned()),
    ]);
    let error = result.expect_err("the corpus has problems");
    let found = problems(&dir, &error);
    // TOML dates are checked by the TOML parser itself, so a bad date stops that file's front matter.
    assert_problem(&found, "first.md", 7, "not valid TOML");
    assert_problem(&found, "second.md", 20, "duplicate section id `same`");
    assert_problem(&found, "second.md", 24, "is empty");
    assert_problem(
        &found,
        "second.md",
        28,
        "`/guidance/nowhere` points to a guidance document that does not exist",
    );
    assert_problem(&found, "second.md", 28, "has no section `#missing`");
    assert_problem(
        &found,
        "wrong-name.md",
        3,
        "must equal the file name `wrong-name.md`",
    );
    assert_problem(
        &found,
        "no-front-matter.md",
        1,
        "must start with a `+++` line",
    );
    assert!(error.to_string().ends_with(&format!(
        "{} problems found in the guidance corpus",
        found.len()
    )));
}

#[test]
fn front_matter_keys_are_checked_strictly() {
    let doc = "+++\ntitle = \"T\"\nslug = \"doc\"\ncategory = \"security\"\naudience = [\"voters\"]\nowners = []\nlast_reviewed = \"yesterday\"\ncolour = \"blue\"\n\n[[sources]]\ntitle = \"S\"\nurl = \"http://insecure.example.org/\"\n+++\n\nText.\n".to_owned();
    let (dir, result) = load(&[("guidance/doc.md", doc)]);
    let found = problems(&dir, &result.expect_err("problems"));
    assert_problem(&found, "doc.md", 1, "missing the required key `summary`");
    assert_problem(&found, "doc.md", 4, "unknown category `security`");
    assert_problem(&found, "doc.md", 5, "unknown audience `voters`");
    assert_problem(&found, "doc.md", 6, "`owners` must be a non-empty list");
    assert_problem(&found, "doc.md", 7, "`last_reviewed` must be a date");
    assert_problem(&found, "doc.md", 8, "unknown front matter key `colour`");
    assert_problem(&found, "doc.md", 10, "must be an https:// address");
    assert_eq!(found.len(), 7, "{found:#?}");
}

#[test]
fn impossible_and_future_dates_are_rejected() {
    for (date, needle) in [
        ("2026-13-01", "not valid TOML"),
        ("2999-01-01", "in the future"),
        ("2026-11-24T10:00:00", "without a time"),
    ] {
        let doc = front_matter("doc", "Doc", "cyber").replace("2026-01-15", date) + "Text.\n";
        let (dir, result) = load(&[("guidance/doc.md", doc)]);
        let found = problems(&dir, &result.expect_err("bad date"));
        assert!(
            found.iter().any(|(_, _, m)| m.contains(needle)),
            "{date}: {found:#?}"
        );
    }
}

#[test]
fn duplicate_checklist_ids_and_bad_ids_are_reported() {
    let doc = front_matter("doc", "Doc", "cyber")
        + "- [ ] One {#same}\n- [ ] Two {#same}\n- [ ] Three {#Not Valid}\n\n## Part {#bad anchor}\n\nText.\n";
    let (dir, result) = load(&[("guidance/doc.md", doc)]);
    let found = problems(&dir, &result.expect_err("problems"));
    assert_problem(&found, "doc.md", 15, "duplicate checklist id `same`");
    assert_problem(&found, "doc.md", 16, "checklist id `Not Valid`");
    assert_problem(&found, "doc.md", 18, "unknown heading attribute `anchor`");
}

#[test]
fn broken_synonyms_and_empty_directories_are_reported() {
    let (dir, result) = load(&[
        (
            "guidance/doc.md",
            front_matter("doc", "Doc", "cyber") + "Text.\n",
        ),
        (
            "synonyms.toml",
            "[[group]]\nterms = [\"only-one\"]\n".to_owned(),
        ),
    ]);
    let found = problems(&dir, &result.expect_err("problems"));
    assert_problem(&found, "synonyms.toml", 1, "at least two terms");

    let empty = tempfile::tempdir().expect("temp dir");
    let error = Corpus::from_dir(empty.path()).expect_err("no documents");
    assert!(
        error.problems[0].message.contains("no guidance documents"),
        "{error}"
    );
    let error = Corpus::from_dir(&empty.path().join("missing")).expect_err("no directory");
    assert!(error.problems[0].message.contains("cannot read"), "{error}");
}

#[test]
fn check_command_exits_non_zero_and_prints_path_line() {
    let (dir, _) = load(&[(
        "guidance/doc.md",
        front_matter("doc", "Doc", "cyber") + "## \n\nText\n",
    )]);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_candidate-security"))
        .arg("check")
        .arg(dir.path())
        .output()
        .expect("run the binary");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("doc.md:14: a `##` heading has no text"),
        "{stderr}"
    );

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_candidate-security"))
        .arg("check")
        .output()
        .expect("run the binary");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .starts_with("ok: the embedded corpus: 13 documents")
    );
}

#[test]
fn serve_refuses_a_broken_corpus_before_listening() {
    let (dir, _) = load(&[(
        "guidance/doc.md",
        front_matter("doc", "Doc", "cyber") + "## Empty\n",
    )]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_candidate-security"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--guidance-dir",
        ])
        .arg(dir.path())
        .output()
        .expect("run the binary");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("doc.md:14: section `Empty` is empty"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("serving"),
        "never started serving: {stderr}"
    );
}
