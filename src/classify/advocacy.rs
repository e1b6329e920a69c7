//! Advocacy: whether the customer has brought in others (a fact about other customers' records).

use super::Classed;
use crate::keyed_enum;

keyed_enum! {
    /// Whether the customer refers others.
    Advocacy { Advocate => "advocate", None => "none" }
}

/// Classes the number of customers who name this one as their referrer.
pub fn advocacy(referred: u32) -> Classed<Advocacy> {
    let a = Advocacy::Advocate;
    match referred {
        0 => Classed::new(Advocacy::None, reason!("{} — has not referred anyone", Advocacy::None)),
        1 => Classed::new(a, reason!("{} — referred {} customer", a, referred)),
        _ => Classed::new(a, reason!("{} — referred {} customers", a, referred)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_referral_makes_an_advocate() {
        assert_eq!(advocacy(0).class, Advocacy::None);
        assert_eq!(advocacy(1).class, Advocacy::Advocate);
        assert_eq!(advocacy(2).reason, "advocate — referred 2 customers");
    }
}
