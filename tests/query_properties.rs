//! Property: no query text makes search panic, abort or run away, even parsed on a small
//! stack (deeply nested input once overflowed Tantivy's own query grammar; ours has no
//! recursion, and this holds it to that).

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use candidate_security::{Guide, SearchError, SearchRequest};
use proptest::prelude::*;

static GUIDE: LazyLock<Arc<Guide>> =
    LazyLock::new(|| Arc::new(Guide::embedded().expect("embedded corpus")));

/// Search on a thread with a 256 KiB stack; return whether it finished with Ok or a query error.
fn search_on_small_stack(query: String) -> bool {
    let guide = GUIDE.clone();
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || match guide.search(&SearchRequest::new(query)) {
            Ok(results) => results.documents.len() <= 10,
            Err(SearchError::Query(_)) => true,
            Err(SearchError::Index(_)) => false,
        })
        .expect("spawn");
    handle.join().unwrap_or(false)
}

fn syntax_heavy() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "(", ")", "\"", "-", "*", ":", "~2", "^3", "[", "]", "AND", "OR", "NOT", " ", "phishing",
        "2fa", "password", "\u{0}", "\u{202e}", "é", "ＰＨ", "😀", "title:", "\\", "/", ".",
        "-phis",
    ]);
    prop::collection::vec(pieces, 0..120).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_answered_or_refused(query in any::<String>()) {
        let started = Instant::now();
        prop_assert!(search_on_small_stack(query));
        // Generous bound against runaway expansion; not a performance target.
        prop_assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn syntax_and_nesting_are_plain_text(query in syntax_heavy()) {
        prop_assert!(search_on_small_stack(query));
    }
}

#[test]
fn deep_nesting_beyond_the_limit_is_refused_not_parsed() {
    let query = format!("{}a{}", "(".repeat(900), ")".repeat(900));
    assert!(search_on_small_stack(query));
}
