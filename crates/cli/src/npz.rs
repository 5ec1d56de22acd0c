//! NumPy's `.npz` archives (`np.savez`, `np.savez_compressed`): a zip file of `.npy` members,
//! stored or deflated, each summed as a stream under the name NumPy loads it by.

use crate::sum::{SumArgs, Summed};
use std::fs::File;
use std::path::Path;

/// Whether `path` names an `.npz` archive (by its extension: zip's magic bytes could start raw data).
pub fn is_npz(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("npz"))
}

/// Sums every array of the archive at `path`, in archive order, into `out`: each reported as
/// `path:name`, `name` being the member's without `.npy` (the key `np.load` gives it).
pub fn sum_archive(args: &SumArgs, path: &Path, out: &mut Vec<Summed>) -> Result<(), String> {
    let name = path.display();
    let file = File::open(path).map_err(|e| format!("cannot open {name}: {e}"))?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|e| format!("{name}: not a readable .npz archive: {e}"))?;
    let before = out.len();
    for index in 0..archive.len() {
        let mut member = archive
            .by_index(index)
            .map_err(|e| format!("{name}: member {index}: {e}"))?;
        if member.is_dir() {
            continue;
        }
        let member_name = member
            .name()
            .map_err(|e| format!("{name}: member {index}: {e}"))?
            .into_owned();
        let key = member_name.strip_suffix(".npy").unwrap_or(&member_name);
        let label = format!("{name}:{key}");
        out.push(args.sum_stream(&mut member, &label, true)?);
    }
    if out.len() == before {
        return Err(format!("{name} holds no arrays"));
    }
    Ok(())
}
