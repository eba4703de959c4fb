//! One guard for every free-text field of every write: a registered
//! child's name never enters text that staff who may not see it read (an
//! administrator, the accused over the video link) or that the permanent
//! audit trail keeps. The rule is the domain's (`privacy::names_a_child`);
//! this loads the names it is checked against, inside the write's own
//! transaction, so a refusal writes nothing.

use crate::db::{self, DbConn};
use crate::domain::privacy::{self, FreeText};
use crate::error::AppError;

/// The registered children a text is checked against: those of its own
/// case (if it belongs to one), read strictly, and every other child of
/// the court, read by the whole name.
pub(crate) struct ChildNames {
    case_id: Option<i64>,
    names: Vec<(i64, String)>,
}

impl ChildNames {
    /// For text about one case: its children and the rest of its court's.
    pub fn of_case(c: &mut DbConn, case_id: i64, court_id: i64) -> Result<ChildNames, AppError> {
        Ok(ChildNames { case_id: Some(case_id), names: db::parties::child_names_of_court(c, court_id)? })
    }

    /// For text that belongs to a court but to no case (a room, a holiday,
    /// a staff account).
    pub fn of_court(c: &mut DbConn, court_id: i64) -> Result<ChildNames, AppError> {
        Ok(ChildNames { case_id: None, names: db::parties::child_names_of_court(c, court_id)? })
    }

    /// For text that belongs to no court yet: a new court's name, a system
    /// administrator's account.
    pub fn everywhere(c: &mut DbConn) -> Result<ChildNames, AppError> {
        Ok(ChildNames { case_id: None, names: db::parties::child_names_everywhere(c)? })
    }

    fn names_a_child(&self, kind: FreeText, text: &str) -> bool {
        let own = self.names.iter().filter(|(case, _)| Some(*case) == self.case_id).map(|(_, n)| n.as_str());
        let others = self.names.iter().filter(|(case, _)| Some(*case) != self.case_id).map(|(_, n)| n.as_str());
        privacy::names_a_child(kind, text, own, others)
    }

    /// Sentences about a case: an offence, details, reasons, notes.
    pub fn prose(&self, field: &str, text: &str) -> Result<(), AppError> {
        if self.names_a_child(FreeText::Prose, text) {
            return Err(AppError::invalid(
                field,
                format!(
                    "`{field}` names a child; write the child's pseudonym (Child A) instead, as this text is kept \
                     in the audit trail and shown to people who may not know the child's name"
                ),
            ));
        }
        Ok(())
    }

    /// A name or a label: the whole name of a registered child is refused.
    pub fn name(&self, field: &str, text: &str) -> Result<(), AppError> {
        if self.names_a_child(FreeText::Name, text) {
            return Err(AppError::invalid(
                field,
                format!(
                    "`{field}` holds the name of a child registered in this court; a child is known by the \
                     pseudonym (Child A) everywhere but the case's own record"
                ),
            ));
        }
        Ok(())
    }

    /// `prose` for an optional field.
    pub fn prose_opt(&self, field: &str, text: Option<&str>) -> Result<(), AppError> {
        text.map_or(Ok(()), |t| self.prose(field, t))
    }
}
