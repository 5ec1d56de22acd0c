//! Reading elements into fixed-size buffers and summing them there: a regular file read with
//! `pread` by every worker of the pool at once, or a stream (a pipe, standard input, a member of an
//! `.npz` archive) read by one thread while another sums.
//!
//! Nothing is memory-mapped: a file truncated while it is summed makes a read come up short, which
//! is an error, where a map would kill the process with SIGBUS. Reading into a buffer that stays in
//! the core's cache costs one copy the map did not, but that copy runs on every worker in parallel,
//! and it is where big-endian and misaligned data are decoded for free (the buffer is aligned;
//! the bytes are swapped in place). Memory stays bounded whatever the file: one buffer per worker,
//! or a few for a stream.

use crate::dtype::Endian;
use crate::total::Total;
use coresum::{ExactSum, Mode, Pool};
use std::fs::File;
use std::io::{ErrorKind, Read};
// Unix only, like `widen_pipe` and standard input's descriptor in `sum.rs`.
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

/// Bytes per buffer: small enough to stay in a core's L2 cache between the read and the sum.
const BUFFER_BYTES: usize = 1 << 20;

/// Buffers a stream may have read ahead of the sum.
const STREAM_DEPTH: usize = 4;

/// An element type the files hold, and how its buffers add into a [`Total`].
///
/// # Safety
///
/// Implementors are plain data with no padding, for which every bit pattern is a valid value:
/// buffers of them are filled by reading bytes into them.
pub unsafe trait Element: coresum::Summable + Default {
    /// The element with its bytes in the opposite order.
    fn swap_bytes(self) -> Self;

    /// The sum of no elements of this type.
    fn zero() -> Total;

    /// Adds the elements of `data` into `total` (made by [`zero`](Self::zero)), in `mode`.
    fn add(total: &mut Total, data: &[Self], mode: Mode);
}

/// The sum of `data` on this process's ISA path, on this thread.
fn kernel_sum<T: coresum::Summable>(data: &[T], mode: Mode) -> T::Output {
    match coresum::sum_on_with(coresum::isa(), data, mode) {
        Ok(sum) => sum,
        // The process-wide ISA is by construction one this CPU runs.
        Err(_) => coresum::sum_with(data, mode),
    }
}

macro_rules! integer {
    ($variant:ident: $($t:ty),*) => {$(
        // SAFETY: a primitive integer: no padding, every bit pattern valid.
        unsafe impl Element for $t {
            fn swap_bytes(self) -> Self {
                <$t>::swap_bytes(self)
            }

            fn zero() -> Total {
                Total::$variant(0)
            }

            fn add(total: &mut Total, data: &[Self], mode: Mode) {
                if let Total::$variant(sum) = total {
                    // Cannot overflow: 2^64 elements of 64 bits do not fit any file.
                    *sum += kernel_sum(data, mode);
                }
            }
        }
    )*};
}
integer!(Signed: i8, i16, i32, i64);
integer!(Unsigned: u8, u16, u32, u64);

/// Floats: in `Mode::Exact` every element goes into the exact accumulator, so the chunks of a file
/// sum to the same bits as the whole; in the other modes each buffer is summed in that mode and
/// its result added exactly, so the chunking (fixed by the file, not by the threads) is part of
/// the rounding.
macro_rules! float {
    ($($t:ty => |$sum:ident, $data:ident| $exact:expr;)*) => {$(
        // SAFETY: an IEEE float type: no padding, every bit pattern valid.
        unsafe impl Element for $t {
            fn swap_bytes(self) -> Self {
                <$t>::from_bits(self.to_bits().swap_bytes())
            }

            fn zero() -> Total {
                Total::float()
            }

            fn add(total: &mut Total, data: &[Self], mode: Mode) {
                if let Total::Float($sum) = total {
                    if mode == Mode::Exact {
                        let ($sum, $data): (&mut ExactSum, &[$t]) = ($sum, data);
                        $exact
                    } else {
                        $sum.add(kernel_sum(data, mode));
                    }
                }
            }
        }
    )*};
}
float! {
    f64 => |sum, data| sum.add_slice(data);
    f32 => |sum, data| sum.add_slice_f32(data);
    half::f16 => |sum, data| add_widened(sum, data, half::f16::to_f32);
    half::bf16 => |sum, data| add_widened(sum, data, half::bf16::to_f32);
}

/// Adds 16-bit floats through `f32`, which holds each exactly.
fn add_widened<T: Copy>(sum: &mut ExactSum, data: &[T], widen: fn(T) -> f32) {
    let mut wide = [0f32; 4096];
    for block in data.chunks(wide.len()) {
        for (w, &x) in wide.iter_mut().zip(block) {
            *w = widen(x);
        }
        sum.add_slice_f32(&wide[..block.len()]);
    }
}

/// The bytes of a buffer of elements, to read into.
fn bytes_of<T: Element>(buffer: &mut [T]) -> &mut [u8] {
    // SAFETY: `Element` types have no padding and accept every bit pattern, so any bytes written
    // through this view leave valid elements; the view covers exactly the buffer's memory and
    // borrows it mutably for its lifetime.
    unsafe { std::slice::from_raw_parts_mut(buffer.as_mut_ptr().cast(), size_of_val(buffer)) }
}

/// Puts the elements of `buffer`, read in `endian` order, into this machine's.
fn to_native<T: Element>(buffer: &mut [T], endian: Endian) {
    if endian != Endian::NATIVE {
        buffer.iter_mut().for_each(|x| *x = x.swap_bytes());
    }
}

/// Progress of one sum: counted by every reader, shown as a bar on a terminal once the sum has
/// taken a second.
struct Progress {
    started: Instant,
    total_bytes: u64,
    done: AtomicU64,
    bar: OnceLock<indicatif::ProgressBar>,
}

impl Progress {
    fn new(total_bytes: u64) -> Progress {
        Progress {
            started: Instant::now(),
            total_bytes,
            done: AtomicU64::new(0),
            bar: OnceLock::new(),
        }
    }

    fn advance(&self, bytes: usize) {
        let done = self.done.fetch_add(bytes as u64, Ordering::Relaxed) + bytes as u64;
        if self.started.elapsed() < Duration::from_secs(1) {
            return;
        }
        let bar = self.bar.get_or_init(|| {
            // Hidden by indicatif itself when stderr is not a terminal. A stream of unknown length
            // shows a byte count and a rate instead of a bar.
            let (length, template) = match self.total_bytes {
                0 => (None, "{bytes} {binary_bytes_per_sec} {elapsed}"),
                n => (Some(n), "{bar:40} {percent:>3}% {elapsed}"),
            };
            let bar = indicatif::ProgressBar::with_draw_target(
                length,
                indicatif::ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        bar.set_position(done);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

/// Where a file's elements are: `count` elements of `T` in `endian` order from byte `offset`.
#[derive(Clone, Copy, Debug)]
pub struct Extent {
    /// Byte offset of the first element.
    pub offset: u64,
    /// Number of elements.
    pub count: u64,
    /// Their byte order.
    pub endian: Endian,
}

/// Sums the elements of `extent` in the regular file `file` on every worker of `pool`: each takes
/// the next buffer-sized chunk, reads it with `pread`, decodes and sums it, until none are left.
/// A read that comes up short (the file was truncated meanwhile) is an error naming `name`.
pub fn sum_file<T: Element>(
    file: &File,
    name: &str,
    extent: Extent,
    pool: &Pool,
    mode: Mode,
) -> Result<Total, String> {
    fold_file(
        file,
        name,
        extent,
        pool,
        T::zero,
        |sum, _, data: &[T]| T::add(sum, data, mode),
        |mut total, sum| total.merge(&sum).map(|()| total),
    )
}

/// Folds the elements of `extent` in the regular file `file` on every worker of `pool`: each
/// starts from `init()`, takes the next buffer-sized chunk, reads it with `pread`, decodes it and
/// passes it to `step` with the chunk's number (chunks are numbered in file order), until none are
/// left; the workers' results are combined with `merge`, in no particular order. A read that
/// comes up short (the file was truncated meanwhile) is an error naming `name`.
pub fn fold_file<T: Element, S: Send>(
    file: &File,
    name: &str,
    extent: Extent,
    pool: &Pool,
    init: impl Fn() -> S + Sync,
    step: impl Fn(&mut S, u64, &[T]) + Sync,
    merge: impl Fn(S, S) -> Result<S, String> + Sync,
) -> Result<S, String> {
    let per_chunk = (BUFFER_BYTES / size_of::<T>()) as u64;
    let chunks = extent.count.div_ceil(per_chunk);
    let next = AtomicU64::new(0);
    let failed = AtomicBool::new(false);
    let result = Mutex::new(Ok(None));
    let progress = Progress::new(extent.count * size_of::<T>() as u64);
    let work = |_worker: usize| {
        let mut buffer = vec![T::default(); per_chunk.min(extent.count) as usize];
        let mut state = init();
        let outcome = loop {
            let chunk = next.fetch_add(1, Ordering::Relaxed);
            if chunk >= chunks || failed.load(Ordering::Relaxed) {
                break Ok(());
            }
            let first = chunk * per_chunk;
            let data = &mut buffer[..(extent.count - first).min(per_chunk) as usize];
            let at = extent.offset + first * size_of::<T>() as u64;
            if let Err(e) = file.read_exact_at(bytes_of(data), at) {
                failed.store(true, Ordering::Relaxed);
                break Err(match e.kind() {
                    ErrorKind::UnexpectedEof => format!("{name} was truncated while it was read"),
                    _ => format!("cannot read {name}: {e}"),
                });
            }
            to_native(data, extent.endian);
            step(&mut state, chunk, data);
            progress.advance(size_of_val(data));
        };
        let mut result = result.lock().unwrap_or_else(|e| e.into_inner());
        *result = match (std::mem::replace(&mut *result, Ok(None)), outcome) {
            (Ok(None), Ok(())) => Ok(Some(state)),
            (Ok(Some(merged)), Ok(())) => merge(merged, state).map(Some),
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
    };
    pool.broadcast(work).map_err(|e| e.to_string())?;
    let folded = result.into_inner().unwrap_or_else(|e| e.into_inner())?;
    // A pool has at least one worker; `init()` stands in for none.
    Ok(folded.unwrap_or_else(init))
}

/// Reads the elements of `extent` in the regular file `file` into memory, in this machine's byte
/// order. A read that comes up short is an error naming `name`.
pub fn read_file<T: Element>(file: &File, name: &str, extent: Extent) -> Result<Vec<T>, String> {
    let count = usize::try_from(extent.count)
        .map_err(|_| format!("{name} is too large to hold in memory"))?;
    let mut data = Vec::new();
    data.try_reserve_exact(count)
        .map_err(|_| format!("{name} is too large to hold in memory"))?;
    data.resize(count, T::default());
    file.read_exact_at(bytes_of(&mut data), extent.offset)
        .map_err(|e| match e.kind() {
            ErrorKind::UnexpectedEof => format!("{name} was truncated while it was read"),
            _ => format!("cannot read {name}: {e}"),
        })?;
    to_native(&mut data, extent.endian);
    Ok(data)
}

/// Sums a stream of elements in `endian` order: `count` of them (an error if the stream ends
/// sooner or goes on), or as many as it holds when `count` is `None`. One thread reads into a few
/// buffers while another sums them. Returns the sum and the number of elements.
pub fn sum_stream<T: Element>(
    reader: &mut dyn Read,
    name: &str,
    count: Option<u64>,
    endian: Endian,
    mode: Mode,
) -> Result<(Total, u64), String> {
    let per_buffer = BUFFER_BYTES / size_of::<T>();
    let (full_tx, full_rx) = mpsc::sync_channel::<(Vec<T>, usize)>(STREAM_DEPTH);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<T>>();
    for _ in 0..STREAM_DEPTH + 1 {
        // Cannot fail: the receiver is alive.
        let _ = empty_tx.send(vec![T::default(); per_buffer]);
    }
    let progress = Progress::new(count.unwrap_or(0) * size_of::<T>() as u64);
    std::thread::scope(|scope| {
        let summer = scope.spawn(move || {
            let mut sum = T::zero();
            for (buffer, len) in full_rx {
                T::add(&mut sum, &buffer[..len], mode);
                if empty_tx.send(buffer).is_err() {
                    break;
                }
            }
            sum
        });
        let read = (|| {
            let mut seen = 0u64;
            let mut buffer = empty_rx.recv().map_err(|_| "the summing thread stopped")?;
            loop {
                let want = count.map_or(per_buffer, |c| (c - seen).min(per_buffer as u64) as usize);
                let bytes = bytes_of(&mut buffer[..want]);
                let got = fill(reader, bytes).map_err(|e| format!("cannot read {name}: {e}"))?;
                if got % size_of::<T>() != 0 {
                    return Err(format!(
                        "{name}: {} bytes is not a whole number of {}-byte elements",
                        seen * size_of::<T>() as u64 + got as u64,
                        size_of::<T>()
                    ));
                }
                let len = got / size_of::<T>();
                to_native(&mut buffer[..len], endian);
                seen += len as u64;
                progress.advance(got);
                if len > 0 {
                    full_tx
                        .send((buffer, len))
                        .map_err(|_| "the summing thread stopped")?;
                    buffer = empty_rx.recv().map_err(|_| "the summing thread stopped")?;
                }
                if len < want || count == Some(seen) {
                    break;
                }
            }
            match count {
                Some(c) if seen < c => Err(format!(
                    "{name} ends after {seen} of the {c} elements its header promises"
                )),
                Some(_) if fill(reader, &mut [0u8])? > 0 => Err(format!(
                    "{name} goes on after the elements its header promises"
                )),
                _ => Ok(seen),
            }
        })();
        drop(full_tx);
        let sum = summer
            .join()
            .map_err(|_| "the summing thread panicked".to_string())?;
        Ok((sum, read?))
    })
}

/// Reads until `buffer` is full or the stream ends; returns the bytes read.
pub fn fill(reader: &mut (impl Read + ?Sized), buffer: &mut [u8]) -> Result<usize, String> {
    let mut got = 0;
    while got < buffer.len() {
        match reader.read(&mut buffer[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(got)
}

/// Bytes asked of the kernel for a pipe on standard input (64 KiB by default; Linux grants up to
/// `/proc/sys/fs/pipe-max-size`, 1 MiB unless raised).
#[cfg(target_os = "linux")]
const PIPE_BYTES: libc::c_int = 1 << 20;

/// Enlarges the pipe `fd` reads from, if it is one, so that a writer fills more between two of our
/// reads. Best effort: nothing changes where the kernel refuses.
pub fn widen_pipe(fd: &impl std::os::fd::AsRawFd) {
    #[cfg(target_os = "linux")]
    // SAFETY: `fcntl` with `F_SETPIPE_SZ` takes an int and only resizes the pipe's buffer; on a
    // descriptor that is not a pipe it fails with EBADF or EINVAL, which is ignored.
    unsafe {
        libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_BYTES);
    }
}
