//! Compression of answers made per request (`/api/search`, `/search`), by `Accept-Encoding`.
//!
//! An answer is 10–20 KB; on a phone with one bar of signal, a third of that arrives three
//! times sooner. `cargo bench --bench compression` measured, per dev-set answer (12.9 KB):
//! gzip level 4 → 4.3 KB in about 0.17 ms, brotli quality 3 → 4.4 KB in about 0.16 ms; higher
//! levels saved under 8 % more for twice the time or more, so these are the levels used.
//! Small bodies (errors) go as they are.

use std::io::Write;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::precompressed::{Encoding, preferred_encoding};

/// Bodies smaller than this are sent as they are: compressing saves too little.
const MIN_BYTES: usize = 1024;
/// gzip level for answers made per request.
const GZIP_LEVEL: u32 = 4;
/// brotli quality for answers made per request.
const BROTLI_QUALITY: i32 = 3;

/// A `no-store` response with `body`, compressed as the request accepts.
pub fn no_store(
    request_headers: &HeaderMap,
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    let encoding = if body.len() < MIN_BYTES {
        Encoding::Identity
    } else {
        preferred_encoding(request_headers)
    };
    let (name, body) = match encoding {
        Encoding::Brotli => (Some("br"), brotli(&body).unwrap_or(body)),
        Encoding::Gzip => (Some("gzip"), gzip(&body).unwrap_or(body)),
        Encoding::Identity => (None, body),
    };
    if let Some(name) = name {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
    }
    (status, headers, Body::from(body)).into_response()
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 3),
        flate2::Compression::new(GZIP_LEVEL),
    );
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

fn brotli(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() / 3);
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        lgwin: 18,
        ..Default::default()
    };
    let mut input = body;
    brotli::BrotliCompress(&mut input, &mut out, &params).ok()?;
    Some(out)
}
