//! Writing a fixed file in place: atomically (a temporary file in the same directory,
//! then a rename over the original), with the original's permissions, through a symbolic
//! link to its target (the link stays a link), and only if the file still holds what
//! was read. On any error the file is left as it was and no temporary file remains.

use std::io::Write;
use std::path::Path;

/// Replaces the contents of `path` (`original` when it was read) with `fixed`.
pub fn replace_file(path: &Path, original: &[u8], fixed: &[u8]) -> Result<(), String> {
    let target = std::fs::canonicalize(path).map_err(|error| format!("cannot resolve the path: {error}"))?;
    let metadata = std::fs::metadata(&target).map_err(|error| format!("cannot read the metadata: {error}"))?;
    if metadata.permissions().readonly() {
        return Err("the file is read-only; not rewritten".to_owned());
    }
    let current = std::fs::read(&target).map_err(|error| format!("cannot read: {error}"))?;
    if current != original {
        return Err("the file changed while it was being fixed; not rewritten".to_owned());
    }
    let directory = target.parent().unwrap_or(Path::new("."));
    let mut temporary = tempfile::Builder::new()
        .prefix(".aioguard-")
        .suffix(".tmp")
        .tempfile_in(directory)
        .map_err(|error| format!("cannot create a temporary file in {}: {error}", directory.display()))?;
    let written = temporary
        .write_all(fixed)
        .and_then(|()| temporary.as_file().set_permissions(metadata.permissions()))
        .and_then(|()| temporary.as_file().sync_all());
    written.map_err(|error| format!("cannot write: {error}"))?;
    temporary.persist(&target).map_err(|error| format!("cannot replace the file: {}", error.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_the_target_of_a_link_keeping_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.py");
        std::fs::write(&target, "old\n").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.py");
        std::os::unix::fs::symlink(&target, &link).unwrap();

        replace_file(&link, b"old\n", b"new\n").unwrap();

        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new\n");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o640);
        assert_eq!(entries(dir.path()), ["link.py", "real.py"]);
    }

    #[test]
    fn refuses_a_changed_or_read_only_file_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.py");
        std::fs::write(&path, "edited meanwhile\n").unwrap();
        let error = replace_file(&path, b"as read\n", b"fixed\n").unwrap_err();
        assert!(error.contains("changed"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited meanwhile\n");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let error = replace_file(&path, b"edited meanwhile\n", b"fixed\n").unwrap_err();
        assert!(error.contains("read-only"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited meanwhile\n");
        assert_eq!(entries(dir.path()), ["m.py"]);
    }
}
