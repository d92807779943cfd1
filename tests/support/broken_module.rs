//! A release build with one module file broken.

use std::path::PathBuf;

use super::{dist, workspace};

/// A copy of the release build (`target/e2e/sites/<name>`) in which one file of a module, the
/// one named `<prefix>*<suffix>` (`_bg.wasm` or `.js`), starts broken, one bit flipped, so its
/// hash no longer matches; a test mends it and breaks it again.
pub struct BrokenModule {
    pub dir: PathBuf,
    wasm: PathBuf,
    good: Vec<u8>,
}

impl BrokenModule {
    pub fn new(name: &str, prefix: &str, suffix: &str) -> Self {
        let dir = workspace().join("target/e2e/sites").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(dist()).unwrap().flatten() {
            if entry.path().is_file() {
                std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
            }
        }
        let wasm = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(prefix) && n.ends_with(suffix))
            })
            .unwrap_or_else(|| panic!("the build has no {prefix}*{suffix}"));
        let good = std::fs::read(&wasm).unwrap();
        let module = BrokenModule { dir, wasm, good };
        module.break_it();
        module
    }

    pub fn break_it(&self) {
        let mut bad = self.good.clone();
        let i = bad.len() / 2;
        bad[i] ^= 0x01;
        std::fs::write(&self.wasm, bad).unwrap();
    }

    pub fn mend(&self) {
        std::fs::write(&self.wasm, &self.good).unwrap();
    }
}
