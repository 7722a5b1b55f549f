//! Bodies rendered and compressed once (at start-up), served with a strong ETag, `304 Not
//! Modified`, and the best encoding the client accepts.

use std::io::Write;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// A body in plain, gzip and brotli forms with its ETag and headers.
#[derive(Debug, Clone)]
pub struct Precompressed {
    plain: Bytes,
    gzip: Bytes,
    brotli: Bytes,
    etag: HeaderValue,
    content_type: HeaderValue,
    cache_control: HeaderValue,
}

impl Precompressed {
    /// Compress `body` once; responses share the bytes without copying them.
    pub fn new(
        body: Vec<u8>,
        content_type: &'static str,
        cache_control: &'static str,
    ) -> Precompressed {
        let digest = Sha256::digest(&body);
        let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let gzip = gzip(&body);
        let brotli = brotli(&body);
        Precompressed {
            etag: HeaderValue::try_from(format!("\"{tag}\""))
                .unwrap_or(HeaderValue::from_static("\"0\"")),
            plain: Bytes::from(body),
            gzip: Bytes::from(gzip),
            brotli: Bytes::from(brotli),
            content_type: HeaderValue::from_static(content_type),
            cache_control: HeaderValue::from_static(cache_control),
        }
    }

    /// A body already compressed with brotli (`brotli` must decompress to `plain`): no work
    /// at start-up. Clients that do not accept brotli get the plain bytes.
    pub fn from_brotli(
        plain: Bytes,
        brotli: Bytes,
        content_type: &'static str,
        cache_control: &'static str,
    ) -> Precompressed {
        let digest = Sha256::digest(&plain);
        let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Precompressed {
            etag: HeaderValue::try_from(format!("\"{tag}\""))
                .unwrap_or(HeaderValue::from_static("\"0\"")),
            plain,
            gzip: Bytes::new(),
            brotli,
            content_type: HeaderValue::from_static(content_type),
            cache_control: HeaderValue::from_static(cache_control),
        }
    }

    /// Answer a request with these headers: 304 when the ETag matches, else the body in
    /// the best accepted encoding.
    pub fn respond(&self, request_headers: &HeaderMap) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, self.etag.clone());
        headers.insert(header::CACHE_CONTROL, self.cache_control.clone());
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if etag_matches(request_headers, &self.etag) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(header::CONTENT_TYPE, self.content_type.clone());
        let (encoding, body) = match preferred_encoding(request_headers) {
            Encoding::Brotli => (Some("br"), self.brotli.clone()),
            Encoding::Gzip if !self.gzip.is_empty() => (Some("gzip"), self.gzip.clone()),
            Encoding::Gzip => (None, self.plain.clone()),
            Encoding::Identity => (None, self.plain.clone()),
        };
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        (headers, Body::from(body)).into_response()
    }
}

/// A content encoding the server can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The best encoding the `Accept-Encoding` header allows (brotli, then gzip).
pub(super) fn preferred_encoding(headers: &HeaderMap) -> Encoding {
    let mut best = Encoding::Identity;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            match name.as_str() {
                "br" => best = Encoding::Brotli,
                "gzip" if best != Encoding::Brotli => best = Encoding::Gzip,
                _ => {}
            }
        }
    }
    best
}

fn etag_matches(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(ours) = etag.to_str() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|candidate| {
            let candidate = candidate.trim();
            candidate == "*" || candidate == ours || candidate.strip_prefix("W/") == Some(ours)
        })
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

fn brotli(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 6,
        ..Default::default()
    };
    let mut input = body;
    if brotli::BrotliCompress(&mut input, &mut out, &params).is_err() {
        out.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn encodings_follow_accept_encoding() {
        assert_eq!(
            preferred_encoding(&headers(&[("accept-encoding", "gzip, deflate, br")])),
            Encoding::Brotli
        );
        assert_eq!(
            preferred_encoding(&headers(&[("accept-encoding", "gzip")])),
            Encoding::Gzip
        );
        assert_eq!(
            preferred_encoding(&headers(&[("accept-encoding", "br;q=0, gzip")])),
            Encoding::Gzip
        );
        assert_eq!(preferred_encoding(&headers(&[])), Encoding::Identity);
    }

    #[test]
    fn compressed_forms_round_trip() {
        let body = b"<p>hello hello hello hello</p>".repeat(20);
        let page = Precompressed::new(body.clone(), "text/html; charset=utf-8", "no-cache");
        let mut decoded = Vec::new();
        let _ = brotli::BrotliDecompress(&mut &page.brotli[..], &mut decoded);
        assert_eq!(decoded, body);
        let mut gunzipped = Vec::new();
        let _ = std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&page.gzip[..]),
            &mut gunzipped,
        );
        assert_eq!(gunzipped, body);
        assert!(page.brotli.len() < body.len() && page.gzip.len() < body.len());
    }

    #[test]
    fn etags_match_strong_weak_and_star() {
        let etag = HeaderValue::from_static("\"abc\"");
        assert!(etag_matches(
            &headers(&[("if-none-match", "\"abc\"")]),
            &etag
        ));
        assert!(etag_matches(
            &headers(&[("if-none-match", "\"x\", W/\"abc\"")]),
            &etag
        ));
        assert!(etag_matches(&headers(&[("if-none-match", "*")]), &etag));
        assert!(!etag_matches(
            &headers(&[("if-none-match", "\"abd\"")]),
            &etag
        ));
    }
}
