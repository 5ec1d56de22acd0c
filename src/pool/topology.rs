//! Which cores the process may use, which of them are distinct physical cores, and how a core list
//! is written (`CORESUM_CORES=0-3,8`).

use super::PoolError;

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

/// Reads `CORESUM_THREADS` and `CORESUM_CORES`, if set.
pub(crate) fn env_overrides() -> Result<(Option<usize>, Option<Vec<usize>>), PoolError> {
    let invalid = |var: &'static str, value: String, reason: String| PoolError::InvalidEnv {
        var,
        value,
        reason,
    };
    let threads = match std::env::var("CORESUM_THREADS") {
        Ok(value) => Some(
            value
                .trim()
                .parse::<usize>()
                .map_err(|_| invalid("CORESUM_THREADS", value.clone(), "not a number".into()))?,
        ),
        Err(_) => None,
    };
    let cores = match std::env::var("CORESUM_CORES") {
        Ok(value) => Some(
            parse_core_list(&value).map_err(|reason| invalid("CORESUM_CORES", value, reason))?,
        ),
        Err(_) => None,
    };
    Ok((threads, cores))
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
    fn allowed_cores_are_physical_superset() {
        let allowed = allowed_cores();
        assert!(!allowed.is_empty());
        let physical = physical_cores(&allowed);
        assert!(!physical.is_empty());
        assert!(physical.iter().all(|c| allowed.contains(c)));
    }
}
