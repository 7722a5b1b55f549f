//! What compressing a search answer costs and saves: for the JSON of `/api/search` over the
//! dev queries, the bytes and the CPU time per answer with no compression, gzip and brotli at
//! several levels (the server compresses `/api/search` and `/search` per Accept-Encoding).
//!
//!     cargo bench --bench compression
//!
//! Prints figures; asserts nothing.

use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant};

use candidate_security::eval::parse_judgements;
use candidate_security::web::results_json;
use candidate_security::{Guide, SearchRequest};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROUNDS: usize = 20;

/// A named way to compress a body.
type Encoder = Box<dyn Fn(&[u8]) -> Vec<u8>>;

fn gzip(body: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

fn brotli(body: &[u8], quality: i32) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        lgwin: 18,
        ..Default::default()
    };
    let mut input = body;
    let _ = brotli::BrotliCompress(&mut input, &mut out, &params);
    out
}

fn main() {
    let guide = Guide::embedded().expect("embedded corpus");
    let mut queries = Vec::new();
    for (name, text) in [
        ("dev", include_str!("../tests/relevance/dev-queries.tsv")),
        (
            "dev 2026",
            include_str!("../tests/relevance/dev-queries-2026.tsv"),
        ),
    ] {
        queries.extend(
            parse_judgements(name, text)
                .expect("dev set")
                .into_iter()
                .map(|j| j.query),
        );
    }
    let bodies: Vec<Vec<u8>> = queries
        .iter()
        .map(|q| {
            results_json::to_vec(
                &guide
                    .search(&SearchRequest::new(q.as_str()))
                    .expect("search"),
            )
        })
        .collect();
    let plain: usize = bodies.iter().map(Vec::len).sum();
    println!(
        "{} answers, {:.0} bytes each on average, uncompressed",
        bodies.len(),
        plain as f64 / bodies.len() as f64
    );
    println!(
        "{:<12} {:>10} {:>8} {:>12} {:>12}",
        "encoding", "bytes/ans", "ratio", "median µs", "p99 µs"
    );
    let encoders: Vec<(String, Encoder)> = vec![
        ("gzip 1".into(), Box::new(|b| gzip(b, 1))),
        ("gzip 4".into(), Box::new(|b| gzip(b, 4))),
        ("gzip 6".into(), Box::new(|b| gzip(b, 6))),
        ("gzip 9".into(), Box::new(|b| gzip(b, 9))),
        ("brotli 1".into(), Box::new(|b| brotli(b, 1))),
        ("brotli 3".into(), Box::new(|b| brotli(b, 3))),
        ("brotli 4".into(), Box::new(|b| brotli(b, 4))),
        ("brotli 5".into(), Box::new(|b| brotli(b, 5))),
        ("brotli 6".into(), Box::new(|b| brotli(b, 6))),
        ("brotli 9".into(), Box::new(|b| brotli(b, 9))),
    ];
    for (name, encode) in &encoders {
        let mut samples: Vec<Duration> = Vec::with_capacity(bodies.len() * ROUNDS);
        let mut bytes = 0;
        for round in 0..ROUNDS {
            for body in &bodies {
                let started = Instant::now();
                let out = encode(black_box(body));
                samples.push(started.elapsed());
                if round == 0 {
                    bytes += out.len();
                }
                black_box(out);
            }
        }
        samples.sort();
        let median = samples[samples.len() / 2];
        let p99 = samples[(samples.len() as f64 * 0.99) as usize];
        println!(
            "{:<12} {:>10.0} {:>8.3} {:>12.1} {:>12.1}",
            name,
            bytes as f64 / bodies.len() as f64,
            bytes as f64 / plain as f64,
            median.as_secs_f64() * 1e6,
            p99.as_secs_f64() * 1e6
        );
    }
}
