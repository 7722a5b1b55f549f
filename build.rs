//! Embeds the web app's static files (`assets/static/`) with memory-serve: compressed with
//! brotli at build time, served with ETags and on content-hashed routes.

fn main() {
    memory_serve::load_directory_with_embed("assets/static", true);
}
