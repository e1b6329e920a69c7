//! Numerical robustness of BG/NBD: extreme customers, monotonicity and finiteness (issue 4).

use kehu::predict::bgnbd::{self, ln_likelihood};
use kehu::predict::special::hyp2f1;
use kehu::predict::{BgNbdParams, Rfx, expected_purchases, p_alive};
use proptest::prelude::*;

const PAPER: BgNbdParams = BgNbdParams { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
/// Parameters of the daily CDNOW fit, as kehu will see them.
const DAILY: BgNbdParams = BgNbdParams { r: 0.2536, alpha: 38.13, a: 0.6074, b: 2.6472 };

#[test]
fn extreme_customers_stay_finite() {
    let cases = [
        Rfx { x: 500.0, t_x: 38.0, t: 38.86 },
        Rfx { x: 500.0, t_x: 1.0, t: 38.86 },
        Rfx { x: 1000.0, t_x: 1e6, t: 1e6 },
        Rfx { x: 3.0, t_x: 2.0, t: 1e9 },
        Rfx { x: 0.0, t_x: 0.0, t: 0.0 },
        Rfx { x: 0.0, t_x: 0.0, t: 1e9 },
    ];
    for p in [PAPER, DAILY] {
        for c in &cases {
            let ll = ln_likelihood(&p, c);
            let alive = p_alive(&p, c);
            let e = expected_purchases(&p, c, 39.0).expect("expectation");
            assert!(ll.is_finite(), "{c:?}: ln L {ll}");
            assert!((0.0..=1.0).contains(&alive), "{c:?}: P(alive) {alive}");
            assert!(e.is_finite() && e >= 0.0, "{c:?}: E {e}");
        }
    }
    // A heavy buyer (13 a week) who bought today is alive and keeps buying at about that rate...
    let heavy = Rfx { x: 500.0, t_x: 38.86, t: 38.86 };
    assert!(p_alive(&PAPER, &heavy) > 0.95);
    let e = expected_purchases(&PAPER, &heavy, 39.0).expect("expectation");
    eprintln!("heavy buyer: E[39 weeks] = {e}");
    assert!(e > 200.0 && e < 600.0, "E = {e}");
    // ...but six silent days are already 30 missed purchases, and after 37 weeks they are gone.
    assert!(p_alive(&PAPER, &Rfx { x: 500.0, t_x: 38.0, t: 38.86 }) < 0.05);
    assert!(p_alive(&PAPER, &Rfx { x: 500.0, t_x: 1.0, t: 38.86 }) < 1e-10);
}

#[test]
fn fit_survives_heavy_buyers_and_rejects_bad_rows() {
    let mut rows: Vec<Rfx> =
        (0..200).map(|i| Rfx { x: (i % 7) as f64, t_x: (i % 7) as f64 * 4.0, t: 40.0 }).collect();
    rows.push(Rfx { x: 500.0, t_x: 39.0, t: 40.0 });
    let fit = bgnbd::fit(&rows).expect("fit converges");
    assert!(fit.log_likelihood.is_finite());
    assert!(bgnbd::fit(&[Rfx { x: 1.0, t_x: 5.0, t: 4.0 }]).is_err(), "t_x > T must be rejected");
    assert!(bgnbd::fit(&[]).is_err());
    assert!(expected_purchases(&PAPER, &rows[0], f64::NAN).is_err());
}

#[test]
fn hyp2f1_known_values_used_by_eq10() {
    // ln(1 + z)/z = 2F1(1, 1; 2; −z): z = 3 needs the Pfaff branch.
    let got = hyp2f1(1.0, 1.0, 2.0, -3.0).expect("Pfaff branch");
    assert!((got - 4f64.ln() / 3.0).abs() < 1e-14, "{got}");
    // Gauss's sum at z → 1: 2F1(a, b; c; 1) = Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b)); with a = b = ½, c = 2
    // that is 4/π, approached slowly but surely at z = 0.9999.
    let near_one = hyp2f1(0.5, 0.5, 2.0, 0.9999).expect("slow convergence");
    assert!((near_one - 4.0 / std::f64::consts::PI).abs() < 1e-3, "{near_one}");
}

proptest! {
    #[test]
    fn p_alive_never_rises_with_age(x in 1u32..1000, frac in 0.0f64..1.0, t in 0.0f64..5000.0, more in 0.0f64..5000.0) {
        let t_x = frac * t;
        let young = p_alive(&DAILY, &Rfx { x: f64::from(x), t_x, t });
        let old = p_alive(&DAILY, &Rfx { x: f64::from(x), t_x, t: t + more });
        prop_assert!(old <= young + 1e-15, "{young} -> {old}");
    }

    #[test]
    fn expectations_are_finite_and_non_negative(x in 0u32..=1000, frac in 0.0f64..1.0, t in 0.0f64..5000.0, h in 0.0f64..720.0) {
        let c = if x == 0 { Rfx { x: 0.0, t_x: 0.0, t } } else { Rfx { x: f64::from(x), t_x: frac * t, t } };
        for p in [PAPER, DAILY] {
            let e = expected_purchases(&p, &c, h);
            prop_assert!(matches!(e, Ok(v) if v.is_finite() && v >= 0.0), "{:?} {} -> {:?}", c, h, e);
        }
    }
}
