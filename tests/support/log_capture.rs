//! Log lines kept in memory, for the suites that read what was logged (the
//! secret-hygiene tests) and the cost model that measures its bytes.

use std::sync::{Arc, Mutex, PoisonError};

/// A log writer whose clones all append to one buffer: hand it to a
/// subscriber with `.with_writer(captured.clone())`.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// What was written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.lock()).into_owned()
    }

    /// What was written since the last take, emptying the buffer.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        // A writer that panicked mid-line leaves bytes that are still worth reading.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.lock().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CapturedLogs {
    type Writer = CapturedLogs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
