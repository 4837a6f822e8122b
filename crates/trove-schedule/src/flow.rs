//! Min-cost flow by successive shortest paths, one unit at a time, with
//! Johnson potentials and Dijkstra that stops at the sink.
//!
//! Placing releases on days under a capacity per day and per week is an
//! assignment problem whose capacities nest (days within weeks), which a
//! min-cost flow solves exactly. The crates of the field that do min-cost
//! flow either take a dense cost matrix (`pathfinding`'s Kuhn–Munkres:
//! releases × hours would be 10 000 × 8 760) or run a full Bellman–Ford or
//! Dijkstra per unit; adding one release at a time and stopping each
//! search at the sink explores only the days near that release, which is
//! what keeps 10 000 releases in seconds.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

const NONE: u32 = u32::MAX;

pub(crate) struct Flow {
    /// Edge `e` and its reverse `e ^ 1` are stored side by side.
    to: Vec<u32>,
    capacity: Vec<i64>,
    cost: Vec<i64>,
    next: Vec<u32>,
    first: Vec<u32>,
    /// Potentials: node `v`'s is `potential[v] + offset` (settling the
    /// nodes a search did not reach moves them all at once).
    potential: Vec<i64>,
    offset: i64,
    distance: Vec<i64>,
    previous: Vec<u32>,
    settled: Vec<bool>,
}

impl Flow {
    pub(crate) fn new(nodes: usize) -> Flow {
        Flow {
            to: Vec::new(),
            capacity: Vec::new(),
            cost: Vec::new(),
            next: Vec::new(),
            first: vec![NONE; nodes],
            potential: vec![0; nodes],
            offset: 0,
            distance: vec![i64::MAX; nodes],
            previous: vec![NONE; nodes],
            settled: vec![false; nodes],
        }
    }

    /// Adds an edge of non-negative cost; returns its index.
    pub(crate) fn add_edge(&mut self, from: usize, to: usize, capacity: i64, cost: i64) -> usize {
        debug_assert!(cost >= 0);
        let index = self.to.len();
        for (tail, head, cap, c) in [(from, to, capacity, cost), (to, from, 0, -cost)] {
            self.to.push(head as u32);
            self.capacity.push(cap);
            self.cost.push(c);
            self.next.push(self.first[tail]);
            self.first[tail] = (self.to.len() - 1) as u32;
        }
        index
    }

    /// The flow on an edge made by [`Flow::add_edge`].
    pub(crate) fn flow(&self, edge: usize) -> i64 {
        self.capacity[edge ^ 1]
    }

    fn edges(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        let mut edge = self.first[node];
        std::iter::from_fn(move || {
            (edge != NONE).then(|| {
                let current = edge as usize;
                edge = self.next[current];
                current
            })
        })
    }

    fn potential(&self, node: usize) -> i64 {
        self.potential[node] + self.offset
    }

    /// Sends one unit from `source`, a node no flow has entered yet, to
    /// `sink` along a cheapest path, rerouting earlier units where that is
    /// cheaper. The sink must be reachable from the source.
    pub(crate) fn push_one(&mut self, source: usize, sink: usize) {
        // The source has no incoming residual edge yet: give it the
        // potential that makes its outgoing reduced costs non-negative.
        let lowest = self
            .edges(source)
            .filter(|&e| self.capacity[e] > 0)
            .map(|e| self.potential(self.to[e] as usize) - self.cost[e])
            .max()
            .unwrap_or(0);
        self.potential[source] = lowest - self.offset;

        let mut heap = BinaryHeap::new();
        let mut touched = vec![source];
        self.distance[source] = 0;
        heap.push(Reverse((0i64, source as u32)));
        let mut settled_nodes = Vec::new();
        while let Some(Reverse((distance, node))) = heap.pop() {
            let node = node as usize;
            if self.settled[node] || distance > self.distance[node] {
                continue;
            }
            self.settled[node] = true;
            settled_nodes.push(node);
            if node == sink {
                break;
            }
            let here = self.potential(node);
            let mut edge = self.first[node];
            while edge != NONE {
                let e = edge as usize;
                edge = self.next[e];
                if self.capacity[e] <= 0 {
                    continue;
                }
                let head = self.to[e] as usize;
                if self.settled[head] {
                    continue;
                }
                let reduced = self.cost[e] + here - self.potential(head);
                debug_assert!(reduced >= 0, "negative reduced cost {reduced}");
                let candidate = distance + reduced;
                if candidate < self.distance[head] {
                    if self.distance[head] == i64::MAX {
                        touched.push(head);
                    }
                    self.distance[head] = candidate;
                    self.previous[head] = e as u32;
                    heap.push(Reverse((candidate, head as u32)));
                }
            }
        }
        let to_sink = self.distance[sink];
        debug_assert!(to_sink < i64::MAX, "the sink is unreachable");

        // Settled nodes move by their distance, the rest by the sink's:
        // every residual reduced cost stays non-negative.
        for &node in &settled_nodes {
            self.potential[node] += self.distance[node] - to_sink;
        }
        self.offset += to_sink;

        let mut node = sink;
        while node != source {
            let e = self.previous[node] as usize;
            self.capacity[e] -= 1;
            self.capacity[e ^ 1] += 1;
            node = self.to[e ^ 1] as usize;
        }
        for node in touched {
            self.distance[node] = i64::MAX;
            self.previous[node] = NONE;
            self.settled[node] = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two sources, two slots of capacity one: the second unit must
    /// reroute the first when that is cheaper overall.
    #[test]
    fn reroutes_earlier_units() {
        // Nodes: a=0, b=1, x=2, y=3, sink=4.
        let mut flow = Flow::new(5);
        let ax = flow.add_edge(0, 2, 1, 1);
        let ay = flow.add_edge(0, 3, 1, 2);
        let bx = flow.add_edge(1, 2, 1, 1);
        let by = flow.add_edge(1, 3, 1, 10);
        flow.add_edge(2, 4, 1, 0);
        flow.add_edge(3, 4, 1, 0);
        flow.push_one(0, 4);
        assert_eq!(flow.flow(ax), 1);
        flow.push_one(1, 4);
        // a moves to y (cost 2) so b takes x (cost 1): 3 instead of 11.
        assert_eq!(
            (flow.flow(ax), flow.flow(ay), flow.flow(bx), flow.flow(by)),
            (0, 1, 1, 0)
        );
    }
}
