//! Console figures on a demo shop: search keystroke latency, extended-query latency and frame
//! render time. Prints one `name value unit` line per figure.
//!
//! `cargo bench --bench console` (100,000 customers; `KEHU_BENCH_CUSTOMERS` changes it).

use chrono::NaiveDate;
use kehu::classify::Rules;
use kehu::demo::DemoSpec;
use kehu::domain::History;
use kehu::ui::{Action, App, AppInit, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};

fn histories(n: u64, today: NaiveDate) -> Vec<History> {
    kehu::demo::histories(&DemoSpec::new(n, 7, today))
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort_unstable();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1e3
}

fn main() {
    let n: u64 = std::env::var("KEHU_BENCH_CUSTOMERS").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let hs = histories(n, today);
    let started = Instant::now();
    let mut app = App::new(AppInit {
        db_label: "bench".into(),
        operator: "bench".into(),
        ..AppInit::from_histories(&hs, Rules::default(), today)
    });
    drop(hs);
    println!("app_build_{n} {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
    app.update(Action::Resize(80, 24));

    // Queries typed one key at a time, as staff type them.
    let queries = [
        ("name", "chen"),
        ("latin_name", "smit"),
        ("phone", "1381"),
        ("phone_tail", "5678"),
        ("ref", "m000"),
    ];
    for (kind, q) in queries {
        let mut keys = Vec::new();
        let mut last = Vec::new();
        for _ in 0..10 {
            app.update(Action::StartSearch);
            for (i, c) in q.chars().enumerate() {
                let t = Instant::now();
                app.update(Action::Input(c));
                let d = t.elapsed();
                keys.push(d);
                if i == q.len() - 1 {
                    last.push(d);
                }
            }
            app.update(Action::Cancel);
        }
        println!("search_key_{kind}_p50 {:.2} ms", percentile(&mut keys, 0.5));
        println!("search_key_{kind}_p99 {:.2} ms", percentile(&mut keys, 0.99));
        println!("search_extend_{kind}_p99 {:.2} ms", percentile(&mut last, 0.99));
    }

    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let mut frames = Vec::new();
    for i in 0..200 {
        app.update(if i % 2 == 0 { Action::Down } else { Action::Up });
        let t = Instant::now();
        term.draw(|f| render(&app, f)).expect("draw");
        frames.push(t.elapsed());
    }
    println!("render_frame_80x24_p50 {:.3} ms", percentile(&mut frames, 0.5));
    println!("render_frame_80x24_p99 {:.3} ms", percentile(&mut frames, 0.99));
}
