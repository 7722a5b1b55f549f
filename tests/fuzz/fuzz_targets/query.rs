//! Fuzz target: any UTF-8 text through query parsing, expansion, scoring and snippets
//! (`Guide::search`), on a thread with a 128 KiB stack so that recursion too deep for a
//! small stack crashes at once instead of hiding behind the fuzzer's 8 MiB main stack
//! (security plan, finding 7 and recipe R7). A panic or an abort is a crash.
//!
//!     benches/fuzz.sh        # or: cargo fuzz run --fuzz-dir tests/fuzz --sanitizer none query

#![no_main]

use std::sync::LazyLock;

use candidate_security::{Guide, SearchRequest};
use libfuzzer_sys::fuzz_target;

/// Stack of the thread each input is searched on.
const STACK_BYTES: usize = 128 * 1024;

/// The embedded guide, built once (on the fuzzer's own thread, with its large stack).
static GUIDE: LazyLock<Guide> =
    LazyLock::new(|| Guide::embedded().expect("the embedded corpus loads"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let guide: &'static Guide = &GUIDE;
    let text = text.to_owned();
    let searched = std::thread::Builder::new()
        .name("search-small-stack".to_owned())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            // Errors (query too long, too many words) are answers; only panics and aborts
            // are findings.
            let _ = guide.search(&SearchRequest::new(text));
        })
        .expect("spawn the search thread")
        .join();
    if let Err(panic) = searched {
        std::panic::resume_unwind(panic);
    }
});
