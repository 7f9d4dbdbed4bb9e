//! Which model folder the embed stage uses (catalog -> fetch -> extract -> cite -> index ->
//! **embed** -> search): one named on the command line, else one named by `PAPERDEX_MODEL`, else
//! the data directory's own `model/` folder, where [`super::download`] puts all-MiniLM-L6-v2.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::MODEL_FILES;

/// The environment variable that names a model folder.
pub const MODEL_ENV: &str = "PAPERDEX_MODEL";

/// Where a model folder was named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelOrigin {
    /// An explicit path, from the command line.
    Explicit,
    /// The `PAPERDEX_MODEL` environment variable.
    Environment,
    /// The data directory's `model/` folder.
    DataDir,
}

/// A model folder holding every file of [`MODEL_FILES`], and where it was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelLocation {
    /// The folder.
    pub dir: PathBuf,
    /// Where it was named.
    pub origin: ModelOrigin,
}

/// The data directory's own model folder.
pub fn model_dir(data_dir: &Path) -> PathBuf {
    crate::store::Store::new(data_dir).model_dir()
}

/// Finds the model folder to use: `explicit` first, then `env` (the value of
/// [`MODEL_ENV`], passed in so callers and tests decide where it comes from), then the data
/// directory's `model/` folder. A folder the user named must be complete, or this fails
/// naming the missing file; the data directory's own folder simply does not count until it
/// is complete, and `None` means there is no model to use.
pub fn locate(
    explicit: Option<&Path>,
    env: Option<&OsStr>,
    data_dir: &Path,
) -> Result<Option<ModelLocation>> {
    let named = explicit
        .map(|dir| (dir.to_path_buf(), ModelOrigin::Explicit))
        .or_else(|| {
            env.filter(|v| !v.is_empty())
                .map(|v| (PathBuf::from(v), ModelOrigin::Environment))
        });
    if let Some((dir, origin)) = named {
        let source = match origin {
            ModelOrigin::Environment => format!(" named by {MODEL_ENV}"),
            _ => String::new(),
        };
        if !dir.is_dir() {
            bail!("The model folder {}{source} does not exist.", dir.display());
        }
        if let Some(name) = missing_file(&dir) {
            bail!(
                "The model folder {}{source} has no {name}; a model folder holds {}.",
                dir.display(),
                MODEL_FILES.join(", ")
            );
        }
        return Ok(Some(ModelLocation { dir, origin }));
    }
    let dir = model_dir(data_dir);
    Ok(missing_file(&dir).is_none().then_some(ModelLocation {
        dir,
        origin: ModelOrigin::DataDir,
    }))
}

/// The first of [`MODEL_FILES`] that `dir` lacks.
fn missing_file(dir: &Path) -> Option<&'static str> {
    MODEL_FILES
        .into_iter()
        .find(|name| !dir.join(name).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        for name in MODEL_FILES {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
    }

    #[test]
    fn an_explicit_folder_wins_over_the_environment_and_the_data_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let (mine, env, data) = (
            tmp.path().join("mine"),
            tmp.path().join("env"),
            tmp.path().join("data"),
        );
        complete(&mine);
        complete(&env);
        complete(&model_dir(&data));
        let found = locate(Some(&mine), Some(env.as_os_str()), &data)
            .unwrap()
            .unwrap();
        assert_eq!((found.dir, found.origin), (mine, ModelOrigin::Explicit));
        let found = locate(None, Some(env.as_os_str()), &data).unwrap().unwrap();
        assert_eq!((found.dir, found.origin), (env, ModelOrigin::Environment));
        let found = locate(None, Some(OsStr::new("")), &data).unwrap().unwrap();
        assert_eq!(
            (found.dir, found.origin),
            (model_dir(&data), ModelOrigin::DataDir)
        );
    }

    #[test]
    fn a_named_folder_must_be_complete_but_the_data_directorys_need_not_exist() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        assert_eq!(locate(None, None, &data).unwrap(), None);

        let partial = model_dir(&data);
        complete(&partial);
        std::fs::remove_file(partial.join("model.safetensors")).unwrap();
        assert_eq!(locate(None, None, &data).unwrap(), None);

        let err = locate(None, Some(partial.as_os_str()), &data)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("named by PAPERDEX_MODEL has no model.safetensors"),
            "{err}"
        );
        assert!(err.contains(&partial.display().to_string()), "{err}");
        let nowhere = tmp.path().join("nowhere");
        let err = locate(Some(&nowhere), None, &data).unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
    }
}
