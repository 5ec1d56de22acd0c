//! What the OS says about the machine: which cores the process may use, which of them are distinct
//! physical cores, how large the caches are, how a core list is written (`CORESUM_CORES=0-3,8`),
//! and pinning a thread to a core.

/// The two questions the pool asks the OS about cores. The pool builder holds one, so that unit
/// tests can stand in for an OS that refuses to pin or names no core.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Affinity {
    /// The cores the process may run on ([`allowed_cores`]).
    pub(crate) allowed: fn() -> Vec<usize>,
    /// Pins the calling thread to a core; whether the OS did.
    pub(crate) pin: fn(usize) -> bool,
}

/// The OS's own answers.
pub(crate) const OS_AFFINITY: Affinity = Affinity {
    allowed: allowed_cores,
    pin: pin_current_thread,
};

/// Pins the calling thread to `core`; whether the OS did (macOS on Apple silicon, for one, never does).
fn pin_current_thread(core: usize) -> bool {
    core_affinity::set_for_current(core_affinity::CoreId { id: core })
}

/// The cores this process may run on, ascending.
///
/// `core_affinity::get_core_ids()` reports the calling thread's affinity mask (taskset, cgroup
/// cpuset). It is asked from a freshly spawned thread, as the pool's workers will be. On Linux a
/// new thread inherits its creator's mask, so a caller that pinned its own thread to one core sees
/// only that core (documented on [`Cores::Allowed`](super::Cores::Allowed)).
pub fn allowed_cores() -> Vec<usize> {
    let ids = std::thread::Builder::new()
        .name("coresum-probe".into())
        .spawn(core_affinity::get_core_ids)
        .ok()
        .and_then(|probe| probe.join().ok())
        .flatten()
        .or_else(core_affinity::get_core_ids)
        .unwrap_or_default();
    let mut cores: Vec<usize> = ids.into_iter().map(|c| c.id).collect();
    cores.sort_unstable();
    cores.dedup();
    cores
}

/// The first logical CPU of each physical core among `allowed` (Linux sysfs topology; every
/// allowed core when the topology is unknown).
pub fn physical_cores(allowed: &[usize]) -> Vec<usize> {
    allowed
        .iter()
        .copied()
        .filter(|&core| {
            let path = format!("/sys/devices/system/cpu/cpu{core}/topology/thread_siblings_list");
            match std::fs::read_to_string(path)
                .ok()
                .map(|l| parse_core_list(l.trim()))
            {
                // Keep a core unless a lower-numbered sibling of it is also allowed.
                Some(Ok(siblings)) => !siblings.iter().any(|s| *s < core && allowed.contains(s)),
                _ => true,
            }
        })
        .collect()
}

/// Parses a Linux-style core list: `0-3,8,10-11` (ascending, without duplicates).
pub fn parse_core_list(text: &str) -> Result<Vec<usize>, String> {
    let mut cores = Vec::new();
    for part in text.split(',').map(str::trim) {
        let number = |s: &str| {
            s.trim()
                .parse::<usize>()
                .map_err(|_| format!("{s:?} is not a core number"))
        };
        match part.split_once('-') {
            Some((first, last)) => {
                let (first, last) = (number(first)?, number(last)?);
                if first > last {
                    return Err(format!("empty range {part:?}"));
                }
                cores.extend(first..=last);
            }
            None => cores.push(number(part)?),
        }
    }
    cores.sort_unstable();
    cores.dedup();
    Ok(cores)
}

/// The size of the level-`level` data or unified cache of CPU 0, from sysfs (Linux).
pub fn cache_bytes(level: u32) -> Option<usize> {
    let dir = std::fs::read_dir("/sys/devices/system/cpu/cpu0/cache").ok()?;
    dir.flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("index"))
        .find_map(|entry| {
            let read = |name: &str| std::fs::read_to_string(entry.path().join(name)).ok();
            let this_level: u32 = read("level")?.trim().parse().ok()?;
            let kind = read("type")?;
            if this_level != level || kind.trim() == "Instruction" {
                return None;
            }
            parse_size(read("size")?.trim())
        })
}

/// Parses sysfs sizes such as `512K`, `32M` or `1024`.
fn parse_size(text: &str) -> Option<usize> {
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, ""),
    };
    let scale = match unit {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return None,
    };
    digits.parse::<usize>().ok()?.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_lists() {
        assert_eq!(parse_core_list("0-3,8"), Ok(vec![0, 1, 2, 3, 8]));
        assert_eq!(parse_core_list(" 5 , 1-2 ,2"), Ok(vec![1, 2, 5]));
        assert!(parse_core_list("3-1").is_err());
        assert!(parse_core_list("a").is_err());
        assert!(parse_core_list("").is_err());
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("512K"), Some(512 << 10));
        assert_eq!(parse_size("32M"), Some(32 << 20));
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size("12Q"), None);
    }

    #[test]
    fn allowed_cores_are_physical_superset() {
        let allowed = allowed_cores();
        assert!(!allowed.is_empty());
        let physical = physical_cores(&allowed);
        assert!(!physical.is_empty());
        assert!(physical.iter().all(|c| allowed.contains(c)));
    }
}
