//! What an operator may do, in three steps: a viewer looks, staff work the till and the forms,
//! a manager does everything. The table of which action needs which role is the console's
//! (`ui/role.rs`); here is only the role itself.

use crate::keyed_enum;

keyed_enum! {
    /// An operator's role, least powerful first (so `role >= Role::Staff` reads as it says).
    ///
    /// `kehu serve` takes it from a key's `kehu-role="…"` option; a key without one is
    /// [`Role::Staff`], the till keeps working after an upgrade while the dangerous powers
    /// (revealing phones, merging, deleting, other operators' records) wait for a key marked
    /// manager. The local console and the command line run as [`Role::Manager`]: whoever runs
    /// them owns the database files anyway.
    Role { Viewer => "viewer", Staff => "staff", Manager => "manager" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_read_by_their_keys() {
        assert!(Role::Viewer < Role::Staff && Role::Staff < Role::Manager);
        assert_eq!(" Manager ".parse::<Role>().ok(), Some(Role::Manager));
        assert!("admin".parse::<Role>().is_err());
        assert_eq!(Role::Viewer.key(), "viewer");
    }
}
