//! In-process search benchmark: start-up to a ready index, resident memory, and per-query
//! latency (with highlighted snippets for the top ten documents) over the dev relevance
//! queries, the paraphrase queries and typing sequences ("p", "ph", "phi", ... "phishing
//! email"), for words-only ranking and for words and meaning fused, side by side (the two
//! alternate query by query, so noise falls on both alike).
//!
//!     cargo bench --bench search
//!
//! Prints figures; asserts nothing (machines here are shared and noisy).

use std::hint::black_box;
use std::time::{Duration, Instant};

use candidate_security::eval::parse_judgements;
use candidate_security::search::Ranking;
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

/// Per ranking (lexical, fused), every query's latency over [`ROUNDS`] rounds, sorted.
fn measure(guide: &Guide, queries: &[String]) -> [Vec<Duration>; 2] {
    let mut samples: [Vec<Duration>; 2] = Default::default();
    for round in 0..ROUNDS {
        for query in queries {
            // Each round, the other ranking goes first, so warm caches favour neither.
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for slot in order {
                let ranking = [Ranking::Lexical, Ranking::Fused][slot];
                let request = SearchRequest::new(query.as_str()).with_ranking(ranking);
                let started = Instant::now();
                let results = guide.search(&request);
                samples[slot].push(started.elapsed());
                black_box(results.ok());
            }
        }
    }
    for list in &mut samples {
        list.sort();
    }
    samples
}

fn report_both(name: &str, queries: usize, samples: &[Vec<Duration>; 2]) {
    report(&format!("{name} (lexical)"), queries, &samples[0]);
    report(&format!("{name} (fused)"), queries, &samples[1]);
    let ratio = |p: f64| {
        percentile(&samples[1], p).as_secs_f64() / percentile(&samples[0], p).as_secs_f64()
    };
    println!(
        "{:<40} fused / lexical: p50 {:.2}×, p99 {:.2}×",
        "",
        ratio(0.5),
        ratio(0.99)
    );
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
    let started = Instant::now();
    let model = candidate_security::search::semantic::embedded_model().expect("the model loads");
    let model_ms = started.elapsed().as_secs_f64() * 1e3;
    // SAFETY: `mi_collect` takes no pointers and has no preconditions.
    unsafe { libmimalloc_sys::mi_collect(true) };
    let with_model = resident_kib();
    let mut reads = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        black_box(
            candidate_security::search::semantic::model::StaticModel::from_brotli(
                candidate_security::search::semantic::model::EMBEDDED_MODEL_BROTLI,
            )
            .ok(),
        );
        reads.push(started.elapsed());
    }
    reads.sort();
    println!(
        "semantic model again (decompress + parse): median {:.1} ms over 5",
        percentile(&reads, 0.5).as_secs_f64() * 1e3
    );
    println!(
        "semantic model: read (brotli) and parsed in {model_ms:.1} ms; {} pieces × {} dimensions, {} bytes",
        model.pieces_len(),
        model.dims(),
        model.bytes().len()
    );
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
    if let (Some(before), Some(model), Some(after)) = (before, with_model, resident_kib()) {
        println!(
            "resident memory: {:.1} MiB before loading, {:.1} MiB with the model, {:.1} MiB with the index",
            before as f64 / 1024.0,
            model as f64 / 1024.0,
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
    let paraphrase = parse_judgements(
        "paraphrase",
        include_str!("../tests/relevance/paraphrase-queries.tsv"),
    )
    .expect("paraphrase set");
    let paraphrase: Vec<String> = paraphrase.into_iter().map(|j| j.query).collect();
    let mut all = measure(&guide, &dev);
    report_both("dev relevance queries", dev.len(), &all);
    let para = measure(&guide, &paraphrase);
    report_both("paraphrase queries", paraphrase.len(), &para);
    let typed = measure(&guide, &typing);
    report_both("typing sequences", typing.len(), &typed);
    for (slot, list) in all.iter_mut().enumerate() {
        list.extend(&para[slot]);
        list.extend(&typed[slot]);
        list.sort();
    }
    report_both("all", dev.len() + paraphrase.len() + typing.len(), &all);
}
