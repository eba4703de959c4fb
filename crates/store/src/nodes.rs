//! The nodes that serve one database. A session is hosted by one node; an
//! invite to it names that node's public address, so a participant reaches
//! the node with the media through any load balancer.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::nodes;
use super::DbConn;
use crate::StoreError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, PartialEq)]
#[diesel(table_name = nodes)]
pub struct Node {
    pub id: String,
    pub public_url: Option<String>,
    pub started_at: NaiveDateTime,
}

/// Records this node's start and address (replacing what an earlier start
/// of the same id said).
pub fn register(conn: &mut DbConn, node: &Node) -> Result<(), StoreError> {
    let updated = diesel::update(nodes::table.find(&node.id))
        .set((nodes::public_url.eq(&node.public_url), nodes::started_at.eq(node.started_at)))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(nodes::table).values(node).execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<Node>, StoreError> {
    Ok(nodes::table.find(id).select(Node::as_select()).first(conn).optional()?)
}

/// Every node but `id`.
pub fn others(conn: &mut DbConn, id: &str) -> Result<Vec<Node>, StoreError> {
    Ok(nodes::table.filter(nodes::id.ne(id)).order(nodes::id.asc()).select(Node::as_select()).load(conn)?)
}
