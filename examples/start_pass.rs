//! CPU time of the start-up customer pass, split in its halves: reading the customer records
//! and building the rows and search keys. Usage: start_pass DB [ROUNDS]
use kehu::store::{SledStore, Store};
use kehu::ui::Model;
use std::ops::ControlFlow;

/// CPU seconds this thread has used.
fn cpu() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let db = args.next().expect("DB");
    let rounds: usize = args.next().map_or(3, |r| r.parse().expect("rounds"));
    let store = SledStore::open(std::path::Path::new(&db)).expect("open");
    for _ in 0..rounds {
        let t = cpu();
        let mut read = Vec::new();
        store
            .customers_until(&mut |c| {
                read.push(c);
                ControlFlow::Continue(())
            })
            .expect("read");
        let r = cpu() - t;
        let t = cpu();
        let n = read.len();
        let model = Model::build(read, None);
        let b = cpu() - t;
        println!("customers {n} read_cpu {:.0} ms build_cpu {:.0} ms", r * 1e3, b * 1e3);
        std::hint::black_box(model);
    }
}
