//! SQL conditions: the length cap and the large-stack thread their parsing runs on.
//!
//! Conditions (`age >= 15 AND in_labour_force = 1`) are parsed by polars' SQL front end
//! (`polars::sql::sql_expr`). It recurses once per binary operator, with large stack frames
//! (about 40 kB each in debug builds): `x+x+...` gives one level per two characters, and a
//! stack overflow would abort the process instead of returning an error. Conditions are
//! therefore capped at [`MAX_SQL_CHARS`] characters and parsed on a thread whose stack has
//! room for the deepest expression that cap allows ([`on_sql_stack`]).

/// The longest SQL condition accepted, in characters. Real conditions are far shorter; long
/// lists of codes are written `col IN (...)`, which does not nest.
pub const MAX_SQL_CHARS: usize = 4096;

/// Stack size of the threads that parse SQL: room for the deepest expression
/// [`MAX_SQL_CHARS`] allows, in a debug build. Reserved, not committed: untouched pages
/// cost no memory.
pub const SQL_STACK_BYTES: usize = 256 << 20;

/// Runs `task` on a thread with a [`SQL_STACK_BYTES`] stack while the calling thread runs
/// `alongside`, and returns both results. When no thread can be started, both run on the
/// calling thread, one after the other. A panic in `task` is resumed on the caller.
pub fn on_sql_stack_alongside<T: Send, R>(
    name: &str,
    task: impl FnOnce() -> T + Send,
    alongside: impl FnOnce() -> R,
) -> (T, R) {
    // The task sits in a slot that the thread (or, failing a thread, the caller) empties:
    // `run` only borrows the slot, so it is still at hand when the spawn fails.
    let slot = std::sync::Mutex::new(Some(task));
    let run = || {
        let task = slot.lock().ok().and_then(|mut slot| slot.take());
        task.map(|task| task())
    };
    let (done, beside) = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name(name.to_string())
            .stack_size(SQL_STACK_BYTES)
            .spawn_scoped(scope, run);
        match spawned {
            Ok(handle) => {
                let beside = alongside();
                let done = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (done, beside)
            }
            Err(_) => (run(), alongside()),
        }
    });
    (done.expect("the SQL task runs exactly once"), beside)
}

/// Runs `task` on a thread with a [`SQL_STACK_BYTES`] stack and returns its result (on the
/// calling thread when no thread can be started).
pub fn on_sql_stack<T: Send>(name: &str, task: impl FnOnce() -> T + Send) -> T {
    on_sql_stack_alongside(name, task, || ()).0
}

/// Whether `sql` is longer than [`MAX_SQL_CHARS`]: its length in characters when it is.
pub fn too_long(sql: &str) -> Option<usize> {
    let chars = sql.chars().count();
    (chars > MAX_SQL_CHARS).then_some(chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_expression_parses_on_the_sql_stack() {
        let sql = vec!["x"; MAX_SQL_CHARS / 2].join("+");
        assert!(too_long(&sql).is_none());
        let parsed = on_sql_stack("test-sql", || polars::sql::sql_expr(&sql).is_ok());
        assert!(parsed);
    }

    #[test]
    fn overlong_text_is_measured_in_characters() {
        assert_eq!(too_long(&"é".repeat(MAX_SQL_CHARS)), None);
        assert_eq!(
            too_long(&"é".repeat(MAX_SQL_CHARS + 1)),
            Some(MAX_SQL_CHARS + 1)
        );
    }
}
