//! Advisory locks on open files (`flock`): held while the file stays open, released by
//! the kernel however the process ends, so a killed writer never leaves a stale lock.
//! Without Unix (no `flock`) locking is a no-op.

use std::fs::File;
use std::io;

/// Takes the exclusive lock on `file` if it is free: `Ok(false)` when another open file
/// (in this process or another) holds it.
pub fn try_lock(file: &File) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use rustix::fs::{FlockOperation, flock};
        match flock(file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(true),
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(true)
    }
}

/// Takes the exclusive lock on `file`, waiting for whoever holds it.
pub fn lock(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use rustix::fs::{FlockOperation, flock};
        loop {
            match flock(file, FlockOperation::LockExclusive) {
                Err(e) if e == rustix::io::Errno::INTR => continue,
                other => return other.map_err(Into::into),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_file_cannot_take_a_held_lock_until_it_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l");
        let first = File::create(&path).unwrap();
        let second = File::open(&path).unwrap();
        assert!(try_lock(&first).unwrap());
        assert!(!try_lock(&second).unwrap());
        drop(first);
        assert!(try_lock(&second).unwrap());
    }
}
