//! Calling into sled on files that may be damaged: sled 0.34 answers some damage with a panic
//! (an assertion deep in its page cache) and some with a loop that never returns. Here a call
//! runs on a thread of its own with a deadline, and a panic comes back as `Corrupt` — with
//! its message kept for the operator instead of printed over their screen.

use super::{StoreError, StoreResult};
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::sync::mpsc;
use std::time::Duration;

thread_local! {
    /// Set on a guarded thread: its panic message is kept here instead of printed.
    static KEPT: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs (once) the panic hook that keeps the messages of guarded threads; every other
/// panic goes to the hook that was there before.
fn install() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let kept = KEPT.with(|k| {
                let mut k = k.borrow_mut();
                match k.as_mut() {
                    Some(slot) => {
                        *slot = Some(panic_text(info));
                        true
                    }
                    None => false,
                }
            });
            if !kept {
                previous(info);
            }
        }));
    });
}

/// A panic's message as the operator reads it: its first line, shortened, and where (file name
/// and line only: the builder's paths mean nothing to a shop).
pub fn panic_text(info: &std::panic::PanicHookInfo<'_>) -> String {
    let text = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown failure".into());
    let mut first: String = text.lines().next().unwrap_or("").chars().take(160).collect();
    if first.len() < text.len() {
        first.push('…');
    }
    let at = info
        .location()
        .map(|l| {
            let file =
                std::path::Path::new(l.file()).file_name().map_or(l.file().into(), |f| f.to_string_lossy());
            format!(" in {file}:{}", l.line())
        })
        .unwrap_or_default();
    format!("{first}{at}")
}

/// Runs `f` on a thread of its own and waits at most `deadline` for it. A panic is `Corrupt`
/// naming `what`; so is a call that does not return in time (the thread is left behind: the
/// caller is expected to give up on the database).
pub(crate) fn within<T: Send + 'static>(
    what: &str,
    deadline: Duration,
    f: impl FnOnce() -> StoreResult<T> + Send + 'static,
) -> StoreResult<T> {
    install();
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new().name("kehu-guarded".into()).spawn(move || {
        KEPT.with(|k| *k.borrow_mut() = Some(None));
        let out = panic::catch_unwind(AssertUnwindSafe(f));
        let message = KEPT.with(|k| k.borrow_mut().take().flatten());
        let _ = tx.send(out.map_err(|_| message.unwrap_or_else(|| "unknown failure".into())));
    });
    if let Err(e) = spawned {
        return Err(StoreError::Io(format!("cannot start a thread to {what}: {e}")));
    }
    match rx.recv_timeout(deadline) {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => Err(StoreError::Corrupt(format!("sled failed to {what} ({panic})"))),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Err(StoreError::Corrupt(format!("sled did not {what} within {} s", deadline.as_secs())))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(StoreError::Corrupt(format!("sled failed to {what}")))
        }
    }
}

/// Runs `f` here, turning a panic into `Corrupt` naming `what` (for calls that cannot move to
/// another thread, such as a scan holding borrowed trees).
pub(crate) fn catching<T>(what: &str, f: impl FnOnce() -> StoreResult<T>) -> StoreResult<T> {
    install();
    let outer = KEPT.with(|k| k.borrow_mut().replace(None));
    let out = panic::catch_unwind(AssertUnwindSafe(f));
    let message = KEPT.with(|k| std::mem::replace(&mut *k.borrow_mut(), outer)).flatten();
    out.unwrap_or_else(|_| {
        Err(StoreError::Corrupt(format!(
            "sled failed to {what} ({})",
            message.unwrap_or_else(|| "unknown failure".into())
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_corrupt_with_its_message_and_a_hang_times_out() {
        let e =
            within("open", Duration::from_secs(5), || -> StoreResult<()> { panic!("assertion failed: x") })
                .unwrap_err();
        assert!(matches!(&e, StoreError::Corrupt(m) if m.contains("assertion failed: x")), "{e}");
        let (_hold, wait) = mpsc::channel::<()>();
        let e = within("open", Duration::from_millis(50), move || -> StoreResult<()> {
            let _ = wait.recv();
            Ok(())
        })
        .unwrap_err();
        assert!(e.to_string().contains("within"), "{e}");
        assert_eq!(within("open", Duration::from_secs(5), || Ok(7)).unwrap(), 7);
        let e = catching("read", || -> StoreResult<()> { panic!("boom") }).unwrap_err();
        assert!(e.to_string().contains("boom"), "{e}");
    }
}
