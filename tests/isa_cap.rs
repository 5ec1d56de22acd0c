//! `isa::set_isa_cap` and the `CORESUM_ISA` warning, which set process-global state: a binary of
//! their own, one test function (the order of the steps matters).

use coresum::Isa;
use coresum::isa::{IsaCapError, isa_choice, set_isa_cap};
use std::sync::Mutex;

/// Records what the library logs.
struct Recorder(Mutex<Vec<String>>);

impl log::Log for Recorder {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {}", record.level(), record.args());
        self.0.lock().unwrap().push(line);
    }
    fn flush(&self) {}
}

static RECORDER: Recorder = Recorder(Mutex::new(Vec::new()));

#[test]
fn cap_in_code_before_first_use_and_warning_through_log() {
    log::set_logger(&RECORDER).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    // SAFETY: the only test of this binary, and nothing else runs yet: no thread reads the
    // environment concurrently.
    unsafe { std::env::set_var("CORESUM_ISA", "bogus") };

    let chosen = set_isa_cap(Isa::Scalar).expect("nothing chose a path yet");
    assert_eq!(chosen, Isa::Scalar);
    assert_eq!(coresum::isa(), Isa::Scalar);
    let choice = isa_choice();
    assert_eq!(choice.isa, Isa::Scalar);
    assert_eq!(choice.requested.as_deref(), Some("bogus"));
    let warning = choice
        .warning
        .as_deref()
        .expect("a bad CORESUM_ISA is reported");
    assert!(warning.contains("unknown ISA"), "{warning}");
    let logged = RECORDER.0.lock().unwrap().clone();
    assert!(
        logged
            .iter()
            .any(|l| l.starts_with("WARN") && l.contains("unknown ISA")),
        "{logged:?}"
    );

    // Sums now run on the capped path, and it can no longer change.
    assert_eq!(coresum::sum(&[1u8, 2, 3]), 6);
    assert_eq!(
        set_isa_cap(Isa::Avx512),
        Err(IsaCapError {
            chosen: Isa::Scalar
        })
    );
    assert_eq!(coresum::isa(), Isa::Scalar);
}
