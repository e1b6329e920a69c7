//! The records of a database read back through `kehu export` (the binary, as an operator
//! would), as the model of torture's edits holds them.

use super::run;
use crate::common::parse_csv;
use crate::common::run::Run;
use crate::common::torture::Records;
use std::path::Path;

/// The cells of the named columns of every row of a CSV export.
fn columns(csv: &str, names: &[&str]) -> Vec<Vec<String>> {
    let (header, rows) = parse_csv(csv);
    let at: Vec<usize> =
        names.iter().map(|n| header.iter().position(|h| h == n).expect("export column")).collect();
    rows.into_iter().map(|r| at.iter().map(|&i| r[i].clone()).collect()).collect()
}

fn cents(amount: &str) -> i64 {
    let (whole, frac) = amount.split_once('.').unwrap_or((amount, "0"));
    whole.parse::<i64>().expect("amount") * 100 + format!("{frac:0<2}")[..2].parse::<i64>().expect("cents")
}

/// Reads the records through `kehu export`; the failed run when one fails.
pub fn read(db: &Path) -> Result<Records, Run> {
    let export = |kind: &str| {
        let r = run(db, &["export", "--kind", kind]);
        if r.ok() { Ok(r.out) } else { Err(r) }
    };
    let mut s = Records::default();
    for r in columns(&export("customers")?, &["id", "name", "ref"]) {
        s.customers.insert(r[0].parse().expect("id"), (r[1].clone(), r[2].clone()));
    }
    for r in columns(&export("purchases")?, &["id", "customer_id", "amount"]) {
        s.purchases.insert(r[0].parse().expect("id"), (r[1].parse().expect("owner"), cents(&r[2])));
    }
    for r in columns(&export("interactions")?, &["id", "customer_id", "text"]) {
        s.interactions.insert(r[0].parse().expect("id"), (r[1].parse().expect("owner"), r[2].clone()));
    }
    Ok(s)
}

/// `s` without the customers whose ref starts with `prefix` (and their purchases): what the
/// trial's imports added, checked by ref on its own.
pub fn without_imports(s: &Records, prefix: &str) -> Records {
    let mut s = s.clone();
    let gone: Vec<u64> =
        s.customers.iter().filter(|(_, (_, r))| r.starts_with(prefix)).map(|(id, _)| *id).collect();
    for id in &gone {
        s.customers.remove(id);
    }
    s.purchases.retain(|_, (o, _)| !gone.contains(o));
    s.interactions.retain(|_, (o, _)| !gone.contains(o));
    s
}
