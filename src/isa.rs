//! Which instruction-set path the kernels run on: detected once, capped by `CORESUM_ISA` or by
//! [`set_isa_cap`], cached.
//!
//! The choice is made the first time a sum needs it and never changes afterwards, so every later call
//! pays one relaxed atomic load. `CORESUM_ISA` can only *lower* the choice (to avoid AVX-512 clock
//! drops, or to force a path in tests and benchmarks); asking for a path the CPU lacks, or for a name
//! coresum does not know, keeps the best path that is allowed, logs one warning through the `log`
//! crate and records it in [`isa_choice`]. The library itself never writes to stderr.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// An instruction-set path of the kernels. Ordered from the most portable to the widest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Isa {
    /// Plain Rust, any target. Exact, and the reference the SIMD paths are tested against.
    Scalar,
    /// x86-64 SSE2 (128-bit lanes): every x86-64 CPU.
    Sse2,
    /// x86-64 AVX2 with FMA (256-bit lanes).
    Avx2,
    /// x86-64 AVX-512 F + BW (512-bit lanes).
    Avx512,
    /// aarch64 NEON (128-bit lanes).
    Neon,
}

/// The environment variable that caps the path: `scalar`, `sse2`, `avx2`, `avx512` or `neon`.
pub const ISA_ENV: &str = "CORESUM_ISA";

impl Isa {
    /// Every path, in the order of [`Isa`].
    pub const ALL: [Isa; 5] = [Isa::Scalar, Isa::Sse2, Isa::Avx2, Isa::Avx512, Isa::Neon];

    /// The name used by `CORESUM_ISA` and printed by [`fmt::Display`].
    pub const fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Sse2 => "sse2",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
            Isa::Neon => "neon",
        }
    }

    /// Whether this path is compiled into this build and supported by the running CPU (the
    /// capability check of the path's kernel table; free where the build's target features
    /// already guarantee it).
    pub fn is_available(self) -> bool {
        crate::arch::Kernels::get(self).is_some()
    }

    /// Every path this build and CPU can run, from the most portable to the widest.
    pub fn available() -> Vec<Isa> {
        Isa::ALL
            .into_iter()
            .filter(|isa| isa.is_available())
            .collect()
    }

    /// The widest available path, ignoring `CORESUM_ISA`.
    pub fn detected() -> Isa {
        [Isa::Avx512, Isa::Neon]
            .into_iter()
            .map(Isa::best_at_most)
            .max()
            .unwrap_or(Isa::Scalar)
    }

    /// The paths `cap` allows, widest first: the same family (x86 or ARM) and no wider (Scalar,
    /// always allowed, is left out).
    fn candidates(cap: Isa) -> &'static [Isa] {
        match cap {
            Isa::Scalar => &[],
            Isa::Sse2 => &[Isa::Sse2],
            Isa::Avx2 => &[Isa::Avx2, Isa::Sse2],
            Isa::Avx512 => &[Isa::Avx512, Isa::Avx2, Isa::Sse2],
            Isa::Neon => &[Isa::Neon],
        }
    }

    /// The widest available path that `cap` allows: the same family (x86 or ARM) and no wider.
    fn best_at_most(cap: Isa) -> Isa {
        Isa::candidates(cap)
            .iter()
            .copied()
            .find(|isa| isa.is_available())
            .unwrap_or(Isa::Scalar)
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `CORESUM_ISA` value that names no path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownIsa(pub String);

impl fmt::Display for UnknownIsa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown ISA {:?}: expected one of scalar, sse2, avx2, avx512, neon",
            self.0
        )
    }
}

impl std::error::Error for UnknownIsa {}

impl FromStr for Isa {
    type Err = UnknownIsa;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Isa::ALL
            .into_iter()
            .find(|isa| isa.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownIsa(s.to_owned()))
    }
}

/// What the process settled on, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsaChoice {
    /// The path every sum runs on.
    pub isa: Isa,
    /// The widest path the CPU supports.
    pub detected: Isa,
    /// The raw `CORESUM_ISA` value, if set.
    pub requested: Option<String>,
    /// Why the request could not be honoured as given, if it could not.
    pub warning: Option<String>,
}

impl IsaChoice {
    /// Resolves a `CORESUM_ISA` value against the running CPU.
    pub fn resolve(requested: Option<&str>) -> IsaChoice {
        let detected = Isa::detected();
        let (isa, warning) = match requested.map(str::parse::<Isa>) {
            None => (detected, None),
            Some(Err(e)) => (detected, Some(format!("{ISA_ENV}: {e}; using {detected}"))),
            Some(Ok(cap)) => {
                let isa = Isa::best_at_most(cap);
                let warning = (isa != cap).then(|| {
                    format!("{ISA_ENV}={cap}: not available on this CPU or build; using {isa}")
                });
                (isa, warning)
            }
        };
        IsaChoice {
            isa,
            detected,
            requested: requested.map(str::to_owned),
            warning,
        }
    }
}

static CHOICE: OnceLock<IsaChoice> = OnceLock::new();

/// The choice from the CPU, `CORESUM_ISA` and, if given, a cap set in code; its warning logged.
fn choose(code_cap: Option<Isa>) -> IsaChoice {
    let requested = std::env::var(ISA_ENV).ok();
    let mut choice = IsaChoice::resolve(requested.as_deref());
    if let Some(cap) = code_cap {
        // Both caps apply: the widest available path that both allow.
        let allowed_by_env = Isa::candidates(choice.isa);
        choice.isa = Isa::candidates(cap)
            .iter()
            .copied()
            .find(|isa| isa.is_available() && allowed_by_env.contains(isa))
            .unwrap_or(Isa::Scalar);
        if Isa::best_at_most(cap) != cap {
            let warning = format!("set_isa_cap({cap}): not available on this CPU or build");
            choice.warning = Some(match choice.warning.take() {
                Some(env) => format!("{env}; {warning}; using {}", choice.isa),
                None => format!("{warning}; using {}", choice.isa),
            });
        }
    }
    if let Some(warning) = &choice.warning {
        log::warn!("coresum: {warning}");
    }
    choice
}

/// Whether the 8- and 16-bit integer dot products of the chosen path ([`isa`]) run on AVX-512
/// VNNI (`vpdpbusd`, `vpdpwssd`): on the `avx512` path, where the CPU has it.
pub fn dot_uses_vnni() -> bool {
    crate::arch::Kernels::active().dot.vnni
}

/// The process-wide choice, made on first use from the CPU, `CORESUM_ISA` and [`set_isa_cap`].
pub fn isa_choice() -> &'static IsaChoice {
    CHOICE.get_or_init(|| choose(None))
}

/// Caps the path every sum of this process runs on, as `CORESUM_ISA` does (both apply), before
/// the first sum or [`isa`] call makes the choice: for programs that embed coresum and cannot set
/// its environment. Returns the path chosen.
///
/// ```
/// # // Each doc test is a process of its own, so the choice is not made yet.
/// let isa = coresum::isa::set_isa_cap(coresum::Isa::Sse2).unwrap();
/// assert!(isa <= coresum::Isa::Sse2);
/// assert_eq!(coresum::isa(), isa);
/// assert!(coresum::isa::set_isa_cap(coresum::Isa::Scalar).is_err()); // too late now
/// ```
pub fn set_isa_cap(cap: Isa) -> Result<Isa, IsaCapError> {
    let mut set = false;
    let choice = CHOICE.get_or_init(|| {
        set = true;
        choose(Some(cap))
    });
    if set {
        Ok(choice.isa)
    } else {
        Err(IsaCapError { chosen: choice.isa })
    }
}

/// [`set_isa_cap`] was called after the process had chosen its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsaCapError {
    /// The path chosen earlier, which stays.
    pub chosen: Isa,
}

impl fmt::Display for IsaCapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the ISA path was already chosen ({}): cap it before the first sum",
            self.chosen
        )
    }
}

impl std::error::Error for IsaCapError {}

/// The path every sum in this process runs on.
pub fn isa() -> Isa {
    isa_choice().isa
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for isa in Isa::ALL {
            assert_eq!(isa.name().parse::<Isa>(), Ok(isa));
        }
        assert_eq!(" AVX2 ".parse::<Isa>(), Ok(Isa::Avx2));
        assert!("avx1024".parse::<Isa>().is_err());
    }

    #[test]
    fn cap_never_raises_and_warns_when_lowered() {
        let none = IsaChoice::resolve(None);
        assert_eq!(none.isa, Isa::detected());
        assert!(none.warning.is_none());

        let scalar = IsaChoice::resolve(Some("scalar"));
        assert_eq!(scalar.isa, Isa::Scalar);
        assert!(scalar.warning.is_none());

        let bogus = IsaChoice::resolve(Some("bogus"));
        assert_eq!(bogus.isa, Isa::detected());
        assert!(bogus.warning.unwrap().contains("unknown ISA"));

        for cap in Isa::ALL {
            let choice = IsaChoice::resolve(Some(cap.name()));
            assert!(choice.isa.is_available());
            assert_eq!(choice.isa == cap, choice.warning.is_none(), "{cap}");
            if cap != Isa::Neon && choice.isa != Isa::Neon {
                assert!(choice.isa <= cap);
            }
        }
    }
}
