//! `Pool::sum_stream`: any chunking of the data into buffers sums to the bits of one
//! `coresum::sum`; the stream is not polled while the bound is reached; dropping the task at any
//! point releases every buffer; it runs under tokio, smol and futures-executor.

use coresum::{Mode, Pool, SumError};
use futures_core::Stream;
use futures_util::stream;
use proptest::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Every buffer goes to the workers (no inline threshold).
fn pool(threads: usize) -> Pool {
    Pool::builder()
        .threads(threads)
        .pin(false)
        .inline_bytes(0)
        .spin(Duration::from_micros(20))
        .build()
        .unwrap()
}

/// `data` cut into owned buffers at `cuts`.
fn buffers<T: Copy>(data: &[T], cuts: &[usize]) -> Vec<Vec<T>> {
    let mut ends: Vec<usize> = cuts.iter().map(|&c| c % (data.len() + 1)).collect();
    ends.sort_unstable();
    ends.push(data.len());
    let starts = std::iter::once(0).chain(ends.clone());
    starts.zip(ends).map(|(s, e)| data[s..e].to_vec()).collect()
}

fn cancelling_floats() -> impl Strategy<Value = Vec<f64>> {
    let value = prop_oneof![
        (-1e6f64..1e6),
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
        Just(1e300),
        Just(-1e300),
        Just(1.0),
    ];
    prop::collection::vec(value, 0..40_000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_chunking_sums_like_one_slice(
        data in cancelling_floats(),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
        bound in 1usize..5,
    ) {
        let two = pool(2);
        let cut = buffers(&data, &cuts);
        let task = two.sum_stream_bounded(stream::iter(cut.clone()), Mode::Exact, bound);
        let got = futures_executor::block_on(task).unwrap();
        prop_assert_eq!(got.to_bits(), coresum::sum(&data).to_bits());

        let ints: Vec<i64> = data.iter().map(|&x| x as i64).collect();
        let int_buffers = buffers(&ints, &cuts);
        let reference: i128 = ints.iter().map(|&x| i128::from(x)).sum();
        prop_assert_eq!(two.sum_stream(stream::iter(int_buffers)).wait(), Ok(reference));

        // Fast and Compensated: reproducible for the same buffers, whatever the threads or bound.
        for mode in [Mode::Fast, Mode::Compensated] {
            let one = two.sum_stream_bounded(stream::iter(cut.clone()), mode, 1).wait();
            let other = pool(1).sum_stream_with(stream::iter(cut.clone()), mode).wait();
            prop_assert_eq!(one.map(f64::to_bits), other.map(f64::to_bits));
        }
    }

    #[test]
    fn dropping_the_task_anywhere_releases_every_buffer(
        polls in 0usize..12,
        count in 0usize..40,
        len in prop_oneof![Just(1000usize), Just(200_000)],
    ) {
        let pool = pool(2);
        let data: Arc<[u32]> = (0..len as u32).collect::<Vec<_>>().into();
        let buffers = vec![data.clone(); count];
        let mut task = pool.sum_stream_bounded(stream::iter(buffers), Mode::Exact, 3);
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..polls {
            if Pin::new(&mut task).poll(&mut cx).is_ready() {
                break;
            }
        }
        drop(task);
        // Workers drop their reference when their claimed run ends.
        let start = Instant::now();
        while Arc::strong_count(&data) > 1 && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(1));
        }
        prop_assert_eq!(Arc::strong_count(&data), 1);
    }
}

/// A stream of `total` buffers that counts how many it has handed out.
struct Counting {
    handed: Arc<AtomicUsize>,
    total: usize,
    buffer: Arc<[u64]>,
}

impl Stream for Counting {
    type Item = Arc<[u64]>;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Arc<[u64]>>> {
        let handed = self.handed.fetch_add(1, Ordering::SeqCst);
        Poll::Ready((handed < self.total).then(|| self.buffer.clone()))
    }
}

#[test]
fn the_stream_is_not_polled_while_the_bound_is_reached() {
    let pool = pool(1);
    let buffer: Arc<[u64]> = vec![3; 50_000].into();
    let handed = Arc::new(AtomicUsize::new(0));
    let (started, release) = (Barrier::new(2), Barrier::new(2));
    let bound = 4;
    std::thread::scope(|scope| {
        // The only worker waits for `release`: no buffer can finish.
        let blocker = scope.spawn(|| {
            pool.broadcast(|_| {
                started.wait();
                release.wait();
            })
        });
        started.wait();
        let stream = Counting {
            handed: handed.clone(),
            total: 100,
            buffer: buffer.clone(),
        };
        let mut task = pool.sum_stream_bounded(stream, Mode::Exact, bound);
        let mut cx = Context::from_waker(Waker::noop());
        let pending = (0..5).all(|_| Pin::new(&mut task).poll(&mut cx).is_pending());
        let (polled, held, progress) = (
            handed.load(Ordering::SeqCst),
            Arc::strong_count(&buffer),
            task.progress(),
        );
        release.wait();
        assert!(pending);
        assert_eq!(polled, bound, "polled past the bound");
        // Ours, the stream's, and one per buffer in flight.
        assert_eq!(held, 2 + bound);
        assert_eq!(progress, (0, bound));
        assert_eq!(task.wait(), Ok(100 * 150_000));
        blocker.join().unwrap().unwrap();
    });
    drop(pool);
    assert_eq!(Arc::strong_count(&buffer), 1);
}

#[test]
fn panics_in_the_stream_or_an_owner_are_errors() {
    let pool = pool(2);
    let items = (0..5).map(|i| {
        assert!(i < 3, "stream broke");
        vec![1u16; 100_000]
    });
    let got = pool.sum_stream(stream::iter(items)).wait();
    assert_eq!(got, Err(SumError::Panicked("stream broke".into())));

    struct Bad;
    impl std::ops::Deref for Bad {
        type Target = [u8];
        fn deref(&self) -> &[u8] {
            panic!("owner broke")
        }
    }
    let got = pool.sum_stream(stream::iter([Bad])).wait();
    assert_eq!(got, Err(SumError::Panicked("owner broke".into())));

    // Empty streams and empty buffers.
    let empty = pool.sum_stream(stream::iter(Vec::<Vec<f32>>::new())).wait();
    assert_eq!(empty.map(f64::to_bits), Ok(0));
    let zeros = pool
        .sum_stream(stream::iter([vec![-0.0f64], vec![]]))
        .wait();
    assert_eq!(zeros.map(f64::to_bits), Ok((-0f64).to_bits()));

    // A finished task polled again; a small buffer is summed on the spot (default threshold).
    let inline = Pool::builder().threads(1).pin(false).build().unwrap();
    let mut task = inline.sum_stream(stream::iter([vec![1u8]]));
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(Pin::new(&mut task).poll(&mut cx), Poll::Ready(Ok(1)));
    assert!(task.is_finished());
    assert_eq!(
        Pin::new(&mut task).poll(&mut cx),
        Poll::Ready(Err(SumError::AlreadyTaken))
    );
}

#[test]
fn the_pool_dropped_first_leaves_the_rest_inline() {
    let pool = pool(2);
    let task = pool.sum_stream(stream::iter((0..6).map(|_| vec![2u32; 100_000])));
    drop(pool);
    assert_eq!(task.wait(), Ok(1_200_000));
}

/// Streams whose exact sum lies on or next to a rounding boundary, with the cancellation spread
/// over buffers: a one-slice sum leaves these to its error-free retry, which a stream cannot run
/// on buffers it has released. Checked against the element-by-element `ExactSum`.
#[test]
fn undecided_sums_across_buffers_are_exact() {
    let pool = pool(2);
    let half_ulp = f64::EPSILON / 2.0;
    let big: Vec<f64> = (0..60_000)
        .map(|i| (f64::from(i % 977) + 0.1) * 2f64.powi(i % 40))
        .collect();
    let negated: Vec<f64> = big.iter().rev().map(|x| -x).collect();
    let cases: Vec<Vec<Vec<f64>>> = vec![
        // A tie (1 + 2^-53, to even: 1.0), its two halves in different buffers, amid terms that
        // cancel exactly across buffers.
        vec![big.clone(), vec![1.0], negated.clone(), vec![half_ulp]],
        // Just above the tie: rounds up.
        vec![
            vec![1.0],
            big.clone(),
            vec![half_ulp],
            negated.clone(),
            vec![f64::from_bits(1)],
        ],
        // Just below it: rounds down.
        vec![
            vec![1.0, half_ulp],
            big.clone(),
            negated.clone(),
            vec![-f64::from_bits(1)],
        ],
        // Everything cancels but a subnormal.
        vec![big.clone(), vec![f64::from_bits(3)], negated.clone()],
        // Everything cancels: +0.0.
        vec![big.clone(), negated.clone()],
    ];
    for (case, cut) in cases.into_iter().enumerate() {
        let whole = cut.concat();
        let mut reference = coresum::ExactSum::new();
        whole.iter().for_each(|&x| reference.add(x));
        let want = reference.finish().to_bits();
        assert_eq!(
            coresum::sum(&whole).to_bits(),
            want,
            "case {case}: one slice"
        );
        for bound in [1, 3] {
            let task = pool.sum_stream_bounded(stream::iter(cut.clone()), Mode::Exact, bound);
            assert_eq!(
                task.wait().map(f64::to_bits),
                Ok(want),
                "case {case}, bound {bound}"
            );
        }
    }
}

fn data() -> (Vec<Vec<f64>>, f64) {
    let buffers: Vec<Vec<f64>> = (0..20)
        .map(|b| {
            (0..50_000)
                .map(|i| f64::from(b * 7 + i % 13) * 0.1 - 1e15)
                .collect()
        })
        .collect();
    let whole = coresum::sum(&buffers.concat());
    (buffers, whole)
}

#[test]
fn under_futures_executor_and_smol() {
    let pool = pool(2);
    let (buffers, whole) = data();
    let got = futures_executor::block_on(pool.sum_stream(stream::iter(buffers.clone())));
    assert_eq!(got, Ok(whole));
    let got = smol::block_on(pool.sum_stream(stream::iter(buffers)));
    assert_eq!(got, Ok(whole));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_tokio_with_producers() {
    let pool = pool(2);
    let (buffers, whole) = data();
    let (send, mut receive) = tokio::sync::mpsc::channel::<Vec<f64>>(2);
    let producers: Vec<_> = buffers
        .chunks(5)
        .map(|mine| {
            let (send, mine) = (send.clone(), mine.to_vec());
            tokio::spawn(async move {
                for buffer in mine {
                    send.send(buffer).await.unwrap();
                }
            })
        })
        .collect();
    drop(send);
    let received = stream::poll_fn(move |cx| receive.poll_recv(cx));
    let got = pool.sum_stream(received).await;
    for producer in producers {
        producer.await.unwrap();
    }
    assert_eq!(
        got,
        Ok(whole),
        "Exact: the order of arrival does not matter"
    );
}

/// Wakes the thread that polls a task by hand, and says whether it was woken.
struct Flag {
    woken: AtomicBool,
    thread: std::thread::Thread,
}

impl std::task::Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.thread.unpark();
    }
}

/// Polls `task` to completion on this thread, polling again only when woken; the result and the
/// number of polls.
fn poll_counted<R>(mut task: coresum::SumTask<R>) -> (Result<R, SumError>, usize) {
    let flag = Arc::new(Flag {
        woken: AtomicBool::new(false),
        thread: std::thread::current(),
    });
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    for polls in 1.. {
        if let Poll::Ready(result) = Pin::new(&mut task).poll(&mut cx) {
            return (result, polls);
        }
        while !flag.woken.swap(false, Ordering::SeqCst) {
            std::thread::park();
        }
    }
    unreachable!()
}

/// The hand-off is hysteretic: a stream that is always ready wakes its task once per half a
/// bound of buffers (when that many remain in flight), not once per buffer.
#[test]
fn the_task_is_woken_once_per_half_bound() {
    // One worker: buffers finish in stream order, so the count does not depend on timing.
    let pool = pool(1);
    let (count, bound) = (200, 8);
    let buffer: Arc<[u64]> = vec![5; 20_000].into();
    let buffers = vec![buffer; count];
    let task = pool.sum_stream_bounded(stream::iter(buffers), Mode::Exact, bound);
    let (result, polls) = poll_counted(task);
    assert_eq!(result, Ok(5 * 20_000 * count as u128));
    // One poll per `bound / 2` buffers, plus the first and the last; once per buffer before.
    assert!(
        polls <= count / (bound / 2) + 4,
        "{polls} polls for {count} buffers"
    );
}

/// Buffers that finish out of order (a large one first, small ones after it, some summed on the
/// spot): the task waits on the newest unfinished buffer at or before its wake point, and no
/// wake-up is lost (a lost one would hang here).
#[test]
fn buffers_finishing_out_of_order_lose_no_wake_up() {
    let pool = Pool::builder().threads(2).pin(false).build().unwrap();
    for bound in [1, 2, 3, 4, 8] {
        let sizes = [4_000_000, 1_000, 200_000, 10, 300_000, 0, 150_000, 20_000];
        let buffers: Vec<Vec<u32>> = (0..40)
            .map(|i| vec![i as u32; sizes[i % sizes.len()]])
            .collect();
        let want: u128 = buffers.iter().flatten().map(|&x| u128::from(x)).sum();
        let task = pool.sum_stream_bounded(stream::iter(buffers), Mode::Exact, bound);
        assert_eq!(poll_counted(task).0, Ok(want), "bound {bound}");
    }
}
