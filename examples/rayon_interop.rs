//! Running coresum's chunk plan and SIMD kernels on a rayon pool you already have.
//!
//! ```text
//! cargo run --release --example rayon_interop
//! ```

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rayon_pool = rayon::ThreadPoolBuilder::new().num_threads(2).build()?;
    let data: Vec<f64> = (1..=10_000_000).map(|i| 1.0 / f64::from(i)).collect();

    // Exact (correctly rounded) and identical to `coresum::sum` bit for bit.
    let on_rayon = rayon_pool.install(|| coresum::rayon::sum(&data));
    let on_coresum = coresum::sum(&data);
    assert_eq!(on_rayon.to_bits(), on_coresum.to_bits());
    println!("harmonic(10^7) = {on_rayon:?} on rayon, {on_coresum:?} on coresum's pool");

    let bytes = vec![200u8; 64 << 20];
    println!(
        "64 MiB of 200s: {}",
        rayon_pool.install(|| coresum::rayon::sum(&bytes))
    );
    Ok(())
}
