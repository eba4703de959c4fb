//! One guard for every free-text field of every write: a registered
//! child's name never enters text that staff who may not see it read (an
//! administrator, the accused over the video link) or that the permanent
//! audit trail keeps. The rule is the domain's (`privacy::names_a_child`);
//! this loads the names it is checked against, inside the write's own
//! transaction, so a refusal writes nothing. Names are sealed at rest, so
//! the check runs on their blind index: the text's words and each child's
//! name parts are compared as keyed HMACs, and no name is decrypted.

use crate::db::{self, DbConn};
use crate::domain::privacy::{self, FreeText};
use crate::error::AppError;

/// The registered children a text is checked against: those of its own
/// case (if it belongs to one), read strictly, and every other child of
/// the court, read by the whole name.
pub(crate) struct ChildNames {
    case_id: Option<i64>,
    names: Vec<db::parties::NameIndex>,
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

    fn names_a_child(&self, kind: FreeText, text: &str) -> Result<bool, AppError> {
        if self.names.is_empty() {
            return Ok(false);
        }
        let words = db::identity::text_tokens(text)?;
        let own = self.names.iter().filter(|(case, _)| Some(*case) == self.case_id).map(|(_, n)| n.as_slice());
        let others = self.names.iter().filter(|(case, _)| Some(*case) != self.case_id).map(|(_, n)| n.as_slice());
        Ok(privacy::names_a_child_by_parts(kind, &words, own, others))
    }

    /// Sentences about a case: an offence, details, reasons, notes.
    pub fn prose(&self, field: &str, text: &str) -> Result<(), AppError> {
        if self.names_a_child(FreeText::Prose, text)? {
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
        if self.names_a_child(FreeText::Name, text)? {
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
