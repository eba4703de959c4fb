//! Who is who: staff roles (accounts) and party roles (people in a case),
//! and the side each party stands on.

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} `{}`; expected one of: {}",
                        stringify!($name),
                        other,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}
pub(crate) use string_enum;

string_enum! {
    /// The role of a staff account. A monitor (a monitoring cell) reads
    /// the figures of the courts of its province or district, never a
    /// child's identity, and writes nothing.
    StaffRole {
        Admin => "admin",
        Clerk => "clerk",
        Judge => "judge",
        SupportOfficer => "support_officer",
        Monitor => "monitor",
    }
}

string_enum! {
    /// The role of a person in a case.
    PartyRole {
        ChildWitness => "child_witness",
        Guardian => "guardian",
        SupportPerson => "support_person",
        Intermediary => "intermediary",
        Prosecutor => "prosecutor",
        DefenceCounsel => "defence_counsel",
        Accused => "accused",
        Witness => "witness",
    }
}

string_enum! {
    /// Which side of the never-meet line a party stands on.
    Side {
        Child => "child",
        Accused => "accused",
        Neutral => "neutral",
    }
}

impl PartyRole {
    /// The side a role stands on unless the clerk says otherwise: the child
    /// and those who accompany the child on one side, the accused and his
    /// counsel on the other. A prosecutor is neutral: they must be free to
    /// meet both.
    pub fn default_side(self) -> Side {
        match self {
            PartyRole::ChildWitness | PartyRole::Guardian | PartyRole::SupportPerson | PartyRole::Intermediary => {
                Side::Child
            }
            PartyRole::Accused | PartyRole::DefenceCounsel => Side::Accused,
            PartyRole::Prosecutor | PartyRole::Witness => Side::Neutral,
        }
    }

    pub fn is_child(self) -> bool {
        self == PartyRole::ChildWitness
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_child_and_the_accused_default_to_opposite_sides() {
        assert_eq!(PartyRole::ChildWitness.default_side(), Side::Child);
        assert_eq!(PartyRole::Guardian.default_side(), Side::Child);
        assert_eq!(PartyRole::Accused.default_side(), Side::Accused);
        assert_eq!(PartyRole::DefenceCounsel.default_side(), Side::Accused);
        assert_eq!(PartyRole::Prosecutor.default_side(), Side::Neutral);
    }

    #[test]
    fn roles_round_trip_through_text() {
        for role in StaffRole::ALL {
            assert_eq!(role.as_str().parse::<StaffRole>(), Ok(*role));
        }
        for role in PartyRole::ALL {
            assert_eq!(role.as_str().parse::<PartyRole>(), Ok(*role));
        }
        assert!("superuser".parse::<StaffRole>().is_err());
    }
}
