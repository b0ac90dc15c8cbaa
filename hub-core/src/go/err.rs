//! Small error types that hand the value back.

use std::fmt;

/// `try_send` found the buffer full and no receiver waiting: the value comes back.
/// (A `try_send` on a closed channel panics, as Go's `select { case c <- v: default: }` does.)
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct Full<T>(pub T);

impl<T> fmt::Debug for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Full(..)")
    }
}

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel full")
    }
}

impl<T> std::error::Error for Full<T> {}

/// Outcome of `try_recv`, as Go's `select { case v, ok := <-c: ... default: }` sees it.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecv<T> {
    /// A value was received (`ok == true`).
    Value(T),
    /// The channel is closed and drained (`ok == false`).
    Closed,
    /// Nothing ready: the `default` case.
    Empty,
}

/// `timeout` elapsed before the future completed.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline elapsed")
    }
}

impl std::error::Error for Elapsed {}
