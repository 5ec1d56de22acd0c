//! Each rank's pool: the ranks on one node split the node's allowed cores between them.

use coresum::{Cores, Pool};
use mpi::attribute::CommAttribute;
use mpi::raw::AsRaw;
use mpi::topology::{AnyCommunicator, Color, Communicator};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

/// The cores this rank's pool runs on: its share of the cores it may run on, among the ranks of
/// `comm` on the same node (`MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)`) that may run on the same
/// cores.
///
/// Ranks whose affinity masks differ (an `mpirun --bind-to core` placement) keep their own
/// cores; ranks with the same mask (`--bind-to none`, or several ranks bound to one socket) split
/// it into contiguous, disjoint blocks, the lower node rank taking the lower cores. More such
/// ranks than cores share them, one core each, round-robin.
///
/// Collective over `comm`. The answer is cached on the communicator (an MPI attribute, freed with
/// it and not copied by `MPI_Comm_dup`): the splits cost tens of microseconds, far more than the
/// reduction itself. Every rank of `comm` calls this the same number of times, so either all of
/// them find the attribute or none does and all of them split.
pub fn node_cores<C: Communicator>(comm: &C) -> Vec<usize> {
    if let Some(NodeCores(cores)) = comm.get_attr::<NodeCores>() {
        return cores.clone();
    }
    let cores = split_node(comm);
    let value = Box::into_raw(Box::new(NodeCores(cores.clone())));
    // SAFETY: the attribute is a `Box<NodeCores>`, as `CommAttribute`'s default delete function
    // (run when `comm` is freed) expects; `get_key` made the key for this type. `set_attr` does the
    // same but wants `&mut` of a communicator that MPI lets us annotate through a shared handle.
    unsafe {
        mpi::ffi::MPI_Comm_set_attr(comm.as_raw(), NodeCores::get_key().as_raw(), value.cast());
    }
    cores
}

/// [`node_cores`]'s answer, cached on the communicator.
#[derive(Clone)]
struct NodeCores(Vec<usize>);

impl CommAttribute for NodeCores {}

/// [`node_cores`] without the cache.
fn split_node<C: Communicator>(comm: &C) -> Vec<usize> {
    let allowed = coresum::pool::allowed_cores();
    let node = comm.split_shared(comm.rank());
    let same_mask = node
        .split_by_color(Color::with_value(mask_colour(&allowed)))
        .expect("a defined colour always gives a communicator");
    let share = NodeShare {
        index: to_index(same_mask.rank()),
        ranks: to_index(same_mask.size()),
    };
    share.of(&allowed)
}

/// This rank's place among the ranks of a node that may run on the same cores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct NodeShare {
    /// Its index among them.
    index: usize,
    /// How many they are.
    ranks: usize,
}

impl NodeShare {
    /// This rank's cores out of `allowed` (see [`node_cores`]).
    fn of(self, allowed: &[usize]) -> Vec<usize> {
        let n = allowed.len();
        if n == 0 || self.ranks == 0 {
            return Vec::new();
        }
        if n < self.ranks {
            return vec![allowed[self.index % n]];
        }
        allowed[self.index * n / self.ranks..(self.index + 1) * n / self.ranks].to_vec()
    }
}

fn to_index(value: i32) -> usize {
    usize::try_from(value).expect("MPI ranks and sizes are non-negative")
}

/// A non-negative MPI colour that ranks with the same mask share.
fn mask_colour(cores: &[usize]) -> i32 {
    let mut hasher = DefaultHasher::new();
    cores.hash(&mut hasher);
    (hasher.finish() & 0x7fff_ffff) as i32
}

/// The pool of the last core set asked for, kept: ranks usually sum on the same communicator
/// again and again, and starting and pinning workers costs far more than the reduction.
static POOL: Mutex<Option<(Vec<usize>, Arc<Pool>)>> = Mutex::new(None);

/// This rank's pool, pinned to [`node_cores`] (collective over `comm`, through it), and cached for
/// the process; `None` where no pool can be started (callers then sum on their own thread).
pub fn node_pool<C: Communicator>(comm: &C) -> Option<Arc<Pool>> {
    let cores = node_cores(comm);
    let mut cached = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((cached_cores, pool)) = &*cached
        && *cached_cores == cores
    {
        return Some(Arc::clone(pool));
    }
    // Pinning can be refused (a container's seccomp policy, say): unpinned workers then.
    let pool = Pool::builder()
        .cores(Cores::List(cores.clone()))
        .build()
        .or_else(|_| {
            Pool::builder()
                .threads(cores.len().max(1))
                .pin(false)
                .build()
        })
        .ok()
        .map(Arc::new)?;
    *cached = Some((cores, Arc::clone(&pool)));
    Some(pool)
}

#[cfg(test)]
mod tests {
    use super::NodeShare;

    #[test]
    fn shares_are_disjoint_and_cover_the_cores() {
        let allowed: Vec<usize> = (10..23).collect();
        for ranks in 1..=13 {
            let all: Vec<usize> = (0..ranks)
                .flat_map(|index| NodeShare { index, ranks }.of(&allowed))
                .collect();
            assert_eq!(all, allowed, "{ranks} ranks");
        }
        let few = [4, 5];
        let cores: Vec<Vec<usize>> = (0..5)
            .map(|index| NodeShare { index, ranks: 5 }.of(&few))
            .collect();
        assert_eq!(cores, [[4], [5], [4], [5], [4]]);
        assert!(NodeShare { index: 0, ranks: 1 }.of(&[]).is_empty());
    }
}
