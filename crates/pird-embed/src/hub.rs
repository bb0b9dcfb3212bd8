//! Finding a model: a local directory, or a Hugging Face id downloaded to the usual cache.

use std::path::{Path, PathBuf};

/// Files fetched for a model id; the first three are required.
#[cfg(feature = "hub")]
const MODEL_FILES: [(&str, bool); 7] = [
    ("config.json", true),
    ("tokenizer.json", true),
    ("model.safetensors", true),
    ("modules.json", false),
    ("1_Pooling/config.json", false),
    ("sentence_bert_config.json", false),
    ("config_sentence_transformers.json", false),
];

/// Why a model could not be found.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// The name is neither a directory nor a Hugging Face id.
    #[error("model '{0}' is not a directory, and not a Hugging Face id of the form owner/name")]
    NotFound(String),
    /// Downloads are not compiled in.
    #[error("model '{0}' is not a local directory, and this pird was built without the `hub` feature to download it")]
    NoHub(String),
    /// The download failed (no network, unknown id, missing file).
    #[error("cannot download {file} of model '{id}' from the Hugging Face hub ({message}); with no network, pass a local model directory (e.g. from scripts/fetch-model)")]
    Download {
        /// The model id.
        id: String,
        /// The file that failed.
        file: String,
        /// What the client said.
        message: String,
    },
}

/// The local directory of `model`: the path itself when it is a directory, else the snapshot
/// of the Hugging Face id in the hub cache (`HF_HOME`), downloaded first unless cached.
pub fn resolve_model(model: &str) -> Result<PathBuf, HubError> {
    let path = Path::new(model);
    if path.is_dir() {
        return Ok(path.to_path_buf());
    }
    let looks_like_id =
        model.split('/').count() == 2 && !model.starts_with('.') && !model.contains('\\');
    if !looks_like_id {
        return Err(HubError::NotFound(model.to_string()));
    }
    download(model)
}

#[cfg(feature = "hub")]
fn download(id: &str) -> Result<PathBuf, HubError> {
    use hf_hub::api::sync::ApiBuilder;
    use hf_hub::Cache;

    let cache = Cache::from_env().model(id.to_string());
    let api = ApiBuilder::from_env()
        .with_progress(false)
        .build()
        .map_err(|e| HubError::Download {
            id: id.to_string(),
            file: "(client)".into(),
            message: e.to_string(),
        })?;
    let repo = api.model(id.to_string());
    let mut config_path = None;
    for (file, required) in MODEL_FILES {
        let fetched = match cache.get(file) {
            Some(path) => Ok(path),
            None => repo.get(file),
        };
        match fetched {
            Ok(path) if file == "config.json" => config_path = Some(path),
            Ok(_) => {}
            Err(e) if required => {
                return Err(HubError::Download {
                    id: id.to_string(),
                    file: file.to_string(),
                    message: e.to_string(),
                })
            }
            Err(_) => {}
        }
    }
    let config = config_path.expect("config.json is required and was fetched");
    Ok(config
        .parent()
        .expect("a cached file has a parent directory")
        .to_path_buf())
}

#[cfg(not(feature = "hub"))]
fn download(id: &str) -> Result<PathBuf, HubError> {
    Err(HubError::NoHub(id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_used_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            resolve_model(dir.path().to_str().unwrap()).unwrap(),
            dir.path()
        );
    }

    #[test]
    fn a_missing_path_that_is_no_id_is_not_found() {
        let err = resolve_model("./no/such/model").unwrap_err();
        assert!(matches!(err, HubError::NotFound(_)), "{err}");
        assert!(matches!(
            resolve_model("nothing-here").unwrap_err(),
            HubError::NotFound(_)
        ));
    }
}
