//! Opening the model named on the command line as an [`Embedder`], with its cache.

use crate::cli::ModelArgs;
use anyhow::{Context, Result};
use pird_align::{overlap_spans, Overlaps};
use pird_embed::{
    model_fingerprint, resolve_model, BatchLimits, EmbedStats, Embedder, EmbeddingCache, ModelDir,
    SentenceTokenizer,
};
use std::path::{Path, PathBuf};

/// An embedder with the model directory it was opened from and the label recorded in tables.
pub struct OpenModel {
    /// The embedder.
    pub embedder: Embedder,
    /// The model directory.
    pub dir: ModelDir,
    /// The name recorded in the `model` column: a directory's name or the Hugging Face id.
    pub label: String,
}

/// Resolves, loads and (unless `--no-cache`) attaches the cache to the model of `args`.
pub fn open_model(args: &ModelArgs) -> Result<OpenModel> {
    let path = resolve_model(&args.model).with_context(|| {
        format!(
            "no model at '{}': run scripts/fetch-model in the pird checkout (and run pird from there), or pass --model DIR",
            args.model
        )
    })?;
    let dir = ModelDir::open(&path)?;
    let tokenizer = SentenceTokenizer::load(&dir)?;
    let encoder = pird_embed::load_encoder(&dir, &args.encoder_options())?;
    let limits = BatchLimits {
        token_budget: args.batch_tokens,
        ..BatchLimits::default()
    };
    let mut embedder = Embedder::new(tokenizer, encoder, limits);
    if let Some(cache_path) = cache_path(args) {
        let fingerprint = model_fingerprint(&dir)
            .with_context(|| format!("{}: cannot fingerprint the model", dir.path.display()))?;
        let fingerprint = cache_fingerprint(&fingerprint, args.precision());
        match EmbeddingCache::open(&cache_path, &fingerprint) {
            Ok(cache) => embedder = embedder.with_cache(cache),
            // Another pird (e.g. a second batch shard on this machine) holds it: go on without.
            Err(error) if error.is_in_use() => eprintln!(
                "pird: warning: {error}; embedding without the cache (give each concurrent run its own --cache)"
            ),
            Err(error) => return Err(error.into()),
        }
    }
    Ok(OpenModel {
        embedder,
        label: model_label(&args.model),
        dir,
    })
}

/// The score calibration stored with the model in `dir`, if any; warns when it was fitted on
/// texts prepared otherwise than pird prepares them now (its background no longer matches).
pub fn load_calibration(dir: &ModelDir) -> Result<Option<pird_align::Calibration>> {
    let calibration = pird_align::Calibration::load(&dir.path)?;
    if let Some(fitted) = &calibration {
        if fitted.text_form.as_deref() != Some(pird_embed::TEXT_FORM) {
            eprintln!(
                "pird: warning: {}: the score calibration was fitted on texts embedded {}, pird now embeds them {}; rerun `pird model calibrate` (scripts/fetch-model does)",
                dir.path.display(),
                fitted.text_form.as_deref().unwrap_or("as they were"),
                pird_embed::TEXT_FORM
            );
        }
    }
    Ok(calibration)
}

/// Embeds every run of up to `longest` consecutive sentences (joined with a space, as Vecalign
/// embeds its overlaps) of each document, all documents in one pass so that batches stay full.
pub fn embed_runs(
    model: &mut OpenModel,
    documents: &[&[String]],
    longest: usize,
    bar: &indicatif::ProgressBar,
) -> Result<Vec<Overlaps>> {
    Ok(embed_runs_counted(model, documents, longest, bar)?.0)
}

/// [`embed_runs`], also returning what the embedder did (distinct texts, cache hits, …).
pub fn embed_runs_counted(
    model: &mut OpenModel,
    documents: &[&[String]],
    longest: usize,
    bar: &indicatif::ProgressBar,
) -> Result<(Vec<Overlaps>, EmbedStats)> {
    let spans: Vec<Vec<(usize, usize)>> = documents
        .iter()
        .map(|doc| overlap_spans(doc.len(), longest))
        .collect();
    let texts: Vec<String> = documents
        .iter()
        .zip(&spans)
        .flat_map(|(doc, spans)| {
            spans
                .iter()
                .map(|&(start, len)| doc[start..start + len].join(" "))
        })
        .collect();
    bar.set_length(bar.length().unwrap_or(0) + texts.len() as u64);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let (vectors, stats) = model.embedder.embed(&refs, &mut |n| bar.inc(n as u64))?;
    let mut start = 0;
    let mut runs = Vec::with_capacity(documents.len());
    for (doc, spans) in documents.iter().zip(&spans) {
        let end = start + spans.len();
        runs.push(Overlaps::from_spans(
            doc.len(),
            longest,
            vectors.slice(ndarray::s![start..end, ..]),
        )?);
        start = end;
    }
    Ok((runs, stats))
}

/// The cache's key for vectors of the model with `fingerprint` computed in `precision`: narrow
/// formats move vectors by ~1e-3 in cosine, so they must not answer for fp32; fp32 vectors of
/// the two backends agree within 1e-6 and share entries.
fn cache_fingerprint(fingerprint: &str, precision: pird_embed::Precision) -> String {
    match precision {
        pird_embed::Precision::F32 => fingerprint.to_string(),
        narrow => format!("{fingerprint}+{narrow}"),
    }
}

/// The cache file, or `None` with `--no-cache`.
fn cache_path(args: &ModelArgs) -> Option<PathBuf> {
    if args.no_cache {
        return None;
    }
    if let Some(path) = &args.cache {
        return Some(path.clone());
    }
    if let Some(path) = std::env::var_os("PIRD_CACHE") {
        return Some(PathBuf::from(path));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("pird/embeddings.redb"))
}

/// A directory's own name, or the model id as given (the `model` column of tables).
pub fn model_label(model: &str) -> String {
    let path = Path::new(model);
    if path.is_dir() {
        if let Some(name) = path
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        {
            return name;
        }
    }
    model.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_formats_have_their_own_cache_key() {
        use pird_embed::Precision;
        assert_eq!(cache_fingerprint("abc", Precision::F32), "abc");
        assert_eq!(cache_fingerprint("abc", Precision::F16), "abc+fp16");
        assert_eq!(cache_fingerprint("abc", Precision::Bf16), "abc+bf16");
    }
}
