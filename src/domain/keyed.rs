//! Enums with stable English keys, shared by CSV, JSON, rules and the command line.

/// Declares a fieldless enum with a stable lowercase key per variant, `ALL`, `key()`,
/// `Display` and `FromStr` (case-insensitive, also accepting `-` for `_`).
///
/// The store writes a variant as its index (bincode), so the order is part of the database
/// format: add variants at the end, never reorder or remove one.
#[macro_export]
macro_rules! keyed_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $key:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $key)] $variant),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable English key used in files and on the command line.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.key())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.key() == wanted)
                    .ok_or_else(|| $crate::domain::DomainError::UnknownKey {
                        what: stringify!($name),
                        value: s.to_string(),
                        expected: $name::ALL.iter().map(|v| v.key()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}
