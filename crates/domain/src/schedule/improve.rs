//! Improving a greedy plan by reordering: the planner places hearings one
//! by one in an order, so which of two hearings that want the same judge,
//! counsel, person or video room goes first decides whether both are heard
//! in time. This searches orders near the greedy one: a hearing that
//! missed its clock is moved just ahead of one it competes with, the plan
//! is made again, and the move is kept only if more hearings are then in
//! time. Bounded by a number of re-plans, not by a clock, so the same
//! input always gives the same plan.

/// What one order gave: how many hearings were in time, and the positions
/// (in that order) of those that could have been and were not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub score: usize,
    pub missed: Vec<usize>,
}

/// `order` with the item at `from` moved to just before position `to`
/// (`to < from`); the items between shift one place back.
pub fn move_before<T: Copy>(order: &[T], from: usize, to: usize) -> Vec<T> {
    let mut out = order.to_vec();
    if to < from && from < out.len() {
        let item = out.remove(from);
        out.insert(to, item);
    }
    out
}

/// The moves tried for one missed item, nearest competitor first: a small
/// step changes the plan least, so it is the likeliest to keep everyone
/// else in time.
pub fn moves_for<T: Copy>(order: &[T], missed: usize, skip: &[usize], compete: &impl Fn(T, T) -> bool) -> Vec<usize> {
    let Some(item) = order.get(missed).copied() else { return Vec::new() };
    (0..missed).rev().filter(|i| !skip.contains(i) && compete(order[*i], item)).collect()
}

/// First-improvement search over single moves, from `order` whose plan
/// gave `first`, making at most `max_replans` further plans. Returns the
/// best order found and its outcome.
pub fn improve<T: Copy>(
    order: Vec<T>,
    first: Outcome,
    mut evaluate: impl FnMut(&[T]) -> Outcome,
    compete: impl Fn(T, T) -> bool,
    max_replans: usize,
) -> (Vec<T>, Outcome) {
    let mut order = order;
    let mut best = first;
    let mut evaluations = 0;
    'search: loop {
        for &m in &best.missed {
            for to in moves_for(&order, m, &best.missed, &compete) {
                if evaluations >= max_replans {
                    break 'search;
                }
                let candidate = move_before(&order, m, to);
                let out = evaluate(&candidate);
                evaluations += 1;
                if out.score > best.score {
                    order = candidate;
                    best = out;
                    continue 'search;
                }
            }
        }
        break;
    }
    (order, best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_puts_the_item_just_before_the_target() {
        assert_eq!(move_before(&[1, 2, 3, 4, 5], 3, 1), vec![1, 4, 2, 3, 5]);
        assert_eq!(move_before(&[1, 2, 3], 2, 0), vec![3, 1, 2]);
        // not a move forward: unchanged
        assert_eq!(move_before(&[1, 2, 3], 0, 2), vec![1, 2, 3]);
        assert_eq!(move_before(&[1, 2, 3], 7, 0), vec![1, 2, 3]);
    }

    #[test]
    fn moves_try_the_nearest_competitor_first_and_skip_other_missed_items() {
        // items compete when they have the same parity
        let compete = |a: i32, b: i32| a % 2 == b % 2;
        let order = [2, 4, 1, 6, 3, 8];
        assert_eq!(moves_for(&order, 5, &[], &compete), vec![3, 1, 0]);
        assert_eq!(moves_for(&order, 5, &[3], &compete), vec![1, 0]);
        assert_eq!(moves_for(&order, 0, &[], &compete), Vec::<usize>::new());
    }

    /// A toy planner: one resource, one item per slot in order; an item
    /// is in time if the slot it would take is at or before its clock,
    /// and one that is not takes no slot.
    fn toy(order: &[(char, usize)]) -> Outcome {
        let mut next_slot = 0;
        let mut missed = Vec::new();
        for (i, (_, clock)) in order.iter().enumerate() {
            if next_slot <= *clock {
                next_slot += 1;
            } else {
                missed.push(i);
            }
        }
        Outcome { score: next_slot, missed }
    }

    fn all_compete(_: (char, usize), _: (char, usize)) -> bool {
        true
    }

    #[test]
    fn a_missed_item_moved_ahead_of_a_competitor_saves_it_when_nobody_is_lost() {
        // C's clock is the first slot; greedy order hears A and B first.
        let order = vec![('A', 2), ('B', 2), ('C', 0)];
        assert_eq!(toy(&order), Outcome { score: 2, missed: vec![2] });
        // C before B gains nothing (C still misses); C before A saves it
        let (best, out) = improve(order.clone(), toy(&order), toy, all_compete, 50);
        assert_eq!(best, vec![('C', 0), ('A', 2), ('B', 2)]);
        assert_eq!(out, Outcome { score: 3, missed: vec![] });
    }

    #[test]
    fn the_search_stops_at_its_budget_and_keeps_no_move_that_does_not_gain() {
        let order = vec![('A', 2), ('B', 2), ('C', 0)];
        let mut evaluations = 0;
        let counting = |o: &[(char, usize)]| {
            evaluations += 1;
            toy(o)
        };
        // one plan beyond the greedy one: C before B, which gains nothing
        let (kept, out) = improve(order.clone(), toy(&order), counting, all_compete, 1);
        assert_eq!(evaluations, 1);
        assert_eq!((kept, out.score), (order, 2));
    }
}
