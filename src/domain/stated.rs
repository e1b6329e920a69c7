//! What a customer told the shop about themselves: income band, education, occupation.
//!
//! Income and education are small lists, so that they can be segment dimensions and filters
//! (a free-text income cannot be counted); occupation is free text, as people say it, because
//! no short list fits every shop's customers.

use crate::keyed_enum;

keyed_enum! {
    /// Stated monthly personal income, in yuan bands.
    Income {
        Unknown => "unknown", Under3k => "under_3k", From3kTo5k => "3k_5k",
        From5kTo10k => "5k_10k", From10kTo20k => "10k_20k", Over20k => "over_20k",
    }
}
keyed_enum! {
    /// Stated highest education completed.
    Education {
        Unknown => "unknown", Primary => "primary", Junior => "junior_high", Senior => "senior_high",
        College => "college", Bachelor => "bachelor", Master => "master", Doctorate => "doctorate",
    }
}

/// Longest occupation accepted, in characters.
pub const MAX_OCCUPATION: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_with_dashes_too() {
        assert_eq!("5k-10k".parse::<Income>().unwrap(), Income::From5kTo10k);
        assert_eq!("senior-high".parse::<Education>().unwrap(), Education::Senior);
        assert!("rich".parse::<Income>().is_err());
    }
}
