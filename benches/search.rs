//! In-process search benchmark: start-up to a ready index, resident memory, and per-query
//! latency (with highlighted snippets for the top ten documents) over the dev relevance
//! queries and over typing sequences ("p", "ph", "phi", ... "phishing email").
//!
//!     cargo bench --bench search
//!
//! Prints figures; asserts nothing (machines here are shared and noisy).

use std::hint::black_box;
use std::time::{Duration, Instant};

use candidate_security::eval::parse_judgements;
use candidate_security::{Guide, SearchRequest};

/// The allocator the server binary uses (src/main.rs), so these figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROUNDS: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn measure(guide: &Guide, queries: &[String]) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(queries.len() * ROUNDS);
    for _ in 0..ROUNDS {
        for query in queries {
            let request = SearchRequest::new(query.as_str());
            let started = Instant::now();
            let results = guide.search(&request);
            samples.push(started.elapsed());
            black_box(results.ok());
        }
    }
    samples.sort();
    samples
}

fn report(name: &str, queries: usize, samples: &[Duration]) {
    println!(
        "{name:<28} {queries:>5} queries × {ROUNDS}  p50 {:>7.1} µs  p90 {:>7.1} µs  p99 {:>7.1} µs  max {:>8.1} µs",
        percentile(samples, 0.50).as_secs_f64() * 1e6,
        percentile(samples, 0.90).as_secs_f64() * 1e6,
        percentile(samples, 0.99).as_secs_f64() * 1e6,
        samples.last().map_or(0.0, |d| d.as_secs_f64() * 1e6),
    );
}

fn main() {
    let before = resident_kib();
    let mut startups = Vec::new();
    let mut guide = None;
    for _ in 0..5 {
        let started = Instant::now();
        let built = Guide::embedded().expect("the embedded corpus loads");
        startups.push(started.elapsed());
        guide = Some(built);
    }
    let Some(guide) = guide else { return };
    startups.sort();
    println!(
        "start-up to a ready index: median {:.1} ms (min {:.1}, max {:.1}) over 5; {} documents, {} sections",
        percentile(&startups, 0.5).as_secs_f64() * 1e3,
        startups[0].as_secs_f64() * 1e3,
        startups[startups.len() - 1].as_secs_f64() * 1e3,
        guide.corpus().documents.len(),
        guide.corpus().section_count(),
    );
    // As the server does after start-up (src/main.rs): give back what building freed.
    // SAFETY: `mi_collect` takes no pointers and has no preconditions.
    unsafe { libmimalloc_sys::mi_collect(true) };
    if let (Some(before), Some(after)) = (before, resident_kib()) {
        println!(
            "resident memory: {:.1} MiB before loading, {:.1} MiB with the index",
            before as f64 / 1024.0,
            after as f64 / 1024.0
        );
    }

    let dev = parse_judgements("dev", include_str!("../tests/relevance/dev-queries.tsv"))
        .expect("dev set");
    let dev: Vec<String> = dev.into_iter().map(|j| j.query).collect();
    let typing: Vec<String> = [
        "phishing email",
        "someone posted my address",
        "whatsapp hacked",
        "suspicious package",
        "two-step verification",
    ]
    .iter()
    .flat_map(|phrase| {
        let chars: Vec<char> = phrase.chars().collect();
        (1..=chars.len()).map(move |n| chars[..n].iter().collect::<String>())
    })
    .collect();
    let mut all = measure(&guide, &dev);
    report("dev relevance queries", dev.len(), &all);
    let typed = measure(&guide, &typing);
    report("typing sequences", typing.len(), &typed);
    all.extend(typed);
    all.sort();
    report("all", dev.len() + typing.len(), &all);
}
