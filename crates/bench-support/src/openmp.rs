//! The OpenMP peer: `scripts/omp_sum.c` compiled with gcc at run time and loaded with `dlopen`,
//! so it runs in the bench's process, on the same bytes, in the same run.

type SumI32 = unsafe extern "C" fn(*const i32, usize) -> i64;
type SumU8 = unsafe extern "C" fn(*const u8, usize) -> u64;
type RoundTrip = unsafe extern "C" fn();
type SetThreads = unsafe extern "C" fn(libc::c_int);

/// The loaded library's entry points.
pub struct OpenMp {
    sum_i32: SumI32,
    sum_u8: SumU8,
    round_trip: RoundTrip,
    set_threads: SetThreads,
}

impl OpenMp {
    /// Builds (`gcc -O3 -march=native -fopenmp`) and loads the library, with `threads` threads
    /// placed `OMP_PROC_BIND=close` on cores; `None`, after a line on stderr, where that fails.
    pub fn load(threads: usize) -> Option<OpenMp> {
        let library = std::env::temp_dir().join(format!("coresum-omp-{}.so", std::process::id()));
        let built = std::process::Command::new("gcc")
            .args(["-O3", "-march=native", "-fopenmp", "-shared", "-fPIC", "-o"])
            .arg(&library)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../scripts/omp_sum.c"
            ))
            .status()
            .is_ok_and(|s| s.success());
        if !built {
            eprintln!("openmp peer skipped: gcc -fopenmp failed");
            return None;
        }
        // SAFETY: set before the OpenMP runtime starts (it reads them on first use) and before
        // the bench starts threads that read the environment.
        unsafe {
            std::env::set_var("OMP_NUM_THREADS", threads.to_string());
            std::env::set_var("OMP_PROC_BIND", "close");
            std::env::set_var("OMP_PLACES", "cores");
        }
        let path = std::ffi::CString::new(library.as_os_str().as_encoded_bytes()).ok()?;
        // libgomp binds the loading thread to one core as it starts (OMP_PROC_BIND): give the
        // thread its mask back afterwards, so that it can still build pools on every core.
        // SAFETY: an all-zero `cpu_set_t` is a valid (empty) set.
        let mut mask: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: `mask` is a writable `cpu_set_t` of the size given; 0 is the calling thread.
        let saved =
            unsafe { libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut mask) } == 0;
        // SAFETY: a valid C string; the library has no initialisers beyond libgomp's.
        let handle = unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW) };
        if saved {
            // SAFETY: `mask` is the set read above, of the size given.
            unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &mask) };
        }
        // The mapping outlives the file: leave nothing behind in the temporary directory.
        let _ = std::fs::remove_file(&library);
        if handle.is_null() {
            eprintln!("openmp peer skipped: dlopen failed");
            return None;
        }
        let symbol = |name: &std::ffi::CStr| {
            // SAFETY: `handle` is a live library handle and `name` a valid C string; the lookup
            // also searches the library's dependencies (libgomp, for `omp_set_num_threads`).
            let address = unsafe { libc::dlsym(handle, name.as_ptr()) };
            (!address.is_null()).then_some(address)
        };
        // SAFETY: each symbol is the function of that name in omp_sum.c or libgomp, with this
        // signature.
        unsafe {
            Some(OpenMp {
                sum_i32: std::mem::transmute::<*mut libc::c_void, SumI32>(symbol(c"omp_sum_i32")?),
                sum_u8: std::mem::transmute::<*mut libc::c_void, SumU8>(symbol(c"omp_sum_u8")?),
                round_trip: std::mem::transmute::<*mut libc::c_void, RoundTrip>(symbol(
                    c"omp_round_trip",
                )?),
                set_threads: std::mem::transmute::<*mut libc::c_void, SetThreads>(symbol(
                    c"omp_set_num_threads",
                )?),
            })
        }
    }

    /// `omp_sum_i32`: a `parallel for reduction` over the slice.
    pub fn sum_i32(&self, data: &[i32]) -> i64 {
        // SAFETY: a valid slice, only read.
        unsafe { (self.sum_i32)(data.as_ptr(), data.len()) }
    }

    /// `omp_sum_u8`: the same over bytes.
    pub fn sum_u8(&self, data: &[u8]) -> u64 {
        // SAFETY: a valid slice, only read.
        unsafe { (self.sum_u8)(data.as_ptr(), data.len()) }
    }

    /// An almost empty parallel region: the fork-join round trip.
    pub fn round_trip(&self) {
        // SAFETY: takes no arguments and writes only the library's own array.
        unsafe { (self.round_trip)() }
    }

    /// The thread count of the next parallel regions (`omp_set_num_threads`).
    pub fn set_threads(&self, threads: usize) {
        // SAFETY: a plain setter; any positive count is valid.
        unsafe { (self.set_threads)(threads.max(1) as libc::c_int) }
    }
}
