//! `export`: write the offline search bundle (the index as the browser engine reads it), or
//! with `--sizes` report its compressed size against the corpus text's, or with `--site DIR`
//! write the whole app as static files for any static host or CDN.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use std::sync::Arc;

use candidate_security::offline;
use candidate_security::web::export::write_site;

/// The `export` command's arguments.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// Where to write it; `-` for standard output.
    #[arg(long, default_value = "-")]
    out: PathBuf,
    /// Print the bundle's compressed size against the corpus text's instead.
    #[arg(long)]
    sizes: bool,
    /// Write the whole app into this directory as static files instead: every page, the
    /// hashed assets, the service worker, the manifest and the offline bundle. Upload the
    /// directory to any static host or CDN.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["out", "sizes"])]
    site: Option<PathBuf>,
    /// With --site: the path the copy will be hosted under, e.g. /security.
    #[arg(long, default_value = "", requires = "site")]
    base_path: String,
    /// Which guidance to use.
    #[command(flatten)]
    guidance: super::GuidanceArgs,
}

/// Build the bundle as JSON and write it to `--out` (`out` when that is `-`), or print the
/// size report.
pub fn run(args: ExportArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let guide = super::open(&args.guidance)?;
    if let Some(dir) = &args.site {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let report = runtime
            .block_on(write_site(Arc::new(guide), &args.base_path, dir))
            .with_context(|| format!("cannot export the site to {}", dir.display()))?;
        writeln!(
            out,
            "wrote {} files ({} pages, {:.1} MB) to {}; host it at {}",
            report.files,
            report.pages,
            report.bytes as f64 / 1e6,
            dir.display(),
            if args.base_path.is_empty() {
                "the root of a static host".to_owned()
            } else {
                format!("{}/ on a static host", args.base_path.trim_end_matches('/'))
            }
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let bundle = serde_json::to_vec(&offline::bundle(&guide)?)?;
    if args.sizes {
        let report = offline::size_report(&guide, &bundle);
        writeln!(
            out,
            "bundle {} bytes, {} brotli; corpus text {} bytes, {} brotli; ratio {:.2}",
            report.bundle_bytes,
            report.bundle_brotli,
            report.text_bytes,
            report.text_brotli,
            report.ratio()
        )?;
    } else if args.out.as_os_str() == "-" {
        out.write_all(&bundle)?;
    } else {
        std::fs::write(&args.out, &bundle)
            .with_context(|| format!("cannot write {}", args.out.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
