// Times the scanner alone on one message file: `cargo run --release --example scan_timing FILE`.
fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let buf = std::fs::read(&path).unwrap_or_default();
    let mut index = vec![0u32; kmipkit_core::index_words(buf.len())];
    let opts = kmipkit_core::ScanOptions::default();
    let n = 2_000_000u32;
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let mut c = 0usize;
        for _ in 0..n {
            c += kmipkit_core::scan(std::hint::black_box(&buf), &mut index, &opts).map(|s| s.count).unwrap_or(0);
        }
        println!("{} items, {:.1} ns per scan", c / n as usize, t.elapsed().as_nanos() as f64 / f64::from(n));
    }
}
