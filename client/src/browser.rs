//! Whether this machine can show the person a browser. Under SSH, or on a
//! Linux (or BSD) machine without a display, a launcher would either fail or
//! open a browser nobody sees; the login is then finished on another device.

/// Why no browser is opened here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headless {
    /// An SSH session: a browser would open on the remote machine, if at all.
    Ssh,
    /// No X11 or Wayland display.
    NoDisplay,
}

impl std::fmt::Display for Headless {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Headless::Ssh => "this is an SSH session",
            Headless::NoDisplay => "this machine has no display",
        })
    }
}

/// Why this process cannot show a browser, judged from its environment
/// (`var` reads one variable; `std::env::var_os` in the binary).
pub fn headless(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<Headless> {
    let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
    if ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"]
        .into_iter()
        .any(set)
    {
        return Some(Headless::Ssh);
    }
    // macOS and Windows always have a way to open a browser; elsewhere a
    // desktop means X11 or Wayland.
    let needs_display = cfg!(all(unix, not(target_os = "macos")));
    if needs_display && !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
        return Some(Headless::NoDisplay);
    }
    None
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::ffi::OsString;

    use super::*;

    fn judge(vars: &[(&str, &str)]) -> Option<Headless> {
        let vars: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        headless(|name| vars.get(name).cloned())
    }

    #[test]
    fn ssh_sessions_are_headless_even_with_a_forwarded_display() {
        for var in ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"] {
            assert_eq!(
                judge(&[(var, "203.0.113.7 50000 10.0.0.2 22"), ("DISPLAY", ":10")]),
                Some(Headless::Ssh),
                "{var}"
            );
        }
        assert_eq!(judge(&[("SSH_TTY", ""), ("DISPLAY", ":0")]), None);
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn a_desktop_needs_a_display() {
        assert_eq!(judge(&[]), Some(Headless::NoDisplay));
        assert_eq!(judge(&[("DISPLAY", "")]), Some(Headless::NoDisplay));
        assert_eq!(judge(&[("DISPLAY", ":0")]), None);
        assert_eq!(judge(&[("WAYLAND_DISPLAY", "wayland-0")]), None);
    }
}
