//! Who can open a link built on a given base URL (anyone, this network, this computer), and
//! the doctor's report as the desktop receives it. One classification for the server's
//! `doctor` and the desktop's warning alike.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Who can open links built on a base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkReach {
    /// A public name or address over https: phones can open it.
    Public,
    /// A public name or address over plain http: phones open the page, but their browsers
    /// allow the camera only on https.
    PlainHttp,
    /// Loopback or unspecified (127.0.0.1, ::1, localhost, 0.0.0.0): only this computer.
    ThisComputer,
    /// RFC 1918, link-local, CGNAT (100.64/10), IPv6 unique-local or link-local, `.local`:
    /// only devices on the same network.
    PrivateNetwork,
    /// Not an http(s) URL with a host.
    NotAUrl,
}

impl LinkReach {
    /// True when someone on another network (a TikTok user's phone) can open the link.
    pub fn reaches_phones(self) -> bool {
        matches!(self, LinkReach::Public | LinkReach::PlainHttp)
    }
}

/// Classifies the host of `url` ("http://127.0.0.1:8750", "https://clips.example.com/").
pub fn link_reach(url: &str) -> LinkReach {
    let url = url.trim();
    let (https, rest) = if let Some(rest) = strip_prefix_ci(url, "https://") {
        (true, rest)
    } else if let Some(rest) = strip_prefix_ci(url, "http://") {
        (false, rest)
    } else {
        return LinkReach::NotAUrl;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        match bracketed.split_once(']') {
            Some((host, _)) => host,
            None => return LinkReach::NotAUrl,
        }
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || host.chars().any(char::is_whitespace) {
        return LinkReach::NotAUrl;
    }
    let reach = match host.parse::<IpAddr>() {
        Ok(ip) => ip_reach(ip),
        Err(_) if host == "localhost" || host.ends_with(".localhost") => LinkReach::ThisComputer,
        Err(_) if host.ends_with(".local") || !host.contains('.') => LinkReach::PrivateNetwork,
        Err(_) => LinkReach::Public,
    };
    match reach {
        LinkReach::Public if !https => LinkReach::PlainHttp,
        other => other,
    }
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn ip_reach(ip: IpAddr) -> LinkReach {
    let ip = match ip {
        // ::ffff:a.b.c.d is the IPv4 address a.b.c.d.
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    if ip.is_loopback() || ip.is_unspecified() {
        return LinkReach::ThisComputer;
    }
    let private = match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            // 100.64.0.0/10 is carrier-grade NAT: not reachable from outside either.
            v4.is_private() || v4.is_link_local() || (a == 100 && b & 0xc0 == 64)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            // fc00::/7 (unique local) and fe80::/10 (link-local).
            first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfe80
        }
    };
    if private {
        LinkReach::PrivateNetwork
    } else {
        LinkReach::Public
    }
}

/// A doctor check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DoctorVerdict {
    Ok,
    Warn,
    Fail,
}

/// One line of `clipdesk-server doctor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DoctorLine {
    pub name: String,
    pub verdict: DoctorVerdict,
    /// What was found and what to do.
    pub message: String,
}

/// What `GET /api/v1/doctor` answers: the server's own doctor, run on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DoctorReport {
    pub lines: Vec<DoctorLine>,
    /// "5 ok, 1 warn, 0 FAIL".
    pub summary: String,
    pub failed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_unspecified_addresses_reach_only_this_computer() {
        for url in [
            "http://127.0.0.1:8750",
            "http://127.8.9.1/r/x",
            "http://localhost:8750",
            "http://LOCALHOST",
            "http://app.localhost",
            "http://0.0.0.0:8750",
            "http://[::1]:8750",
            "http://[::]:8750",
            "http://[::ffff:127.0.0.1]",
            "https://user@127.0.0.1",
        ] {
            assert_eq!(link_reach(url), LinkReach::ThisComputer, "{url}");
        }
    }

    #[test]
    fn private_link_local_cgnat_ula_and_dot_local_reach_only_this_network() {
        for url in [
            "http://10.1.2.3:8750",
            "http://172.16.0.1",
            "http://172.31.255.255",
            "https://192.168.1.20",
            "http://169.254.10.1",
            "http://100.64.0.1",
            "http://100.127.255.254",
            "https://[fd00::1]",
            "https://[fc00::1]:443",
            "http://[fe80::1]",
            "http://[::ffff:192.168.0.2]",
            "http://printer.local:8750",
            "http://desk-42",
        ] {
            assert_eq!(link_reach(url), LinkReach::PrivateNetwork, "{url}");
        }
    }

    #[test]
    fn public_names_and_addresses_reach_phones_and_plain_http_says_so() {
        assert_eq!(link_reach("https://clips.example.com"), LinkReach::Public);
        assert_eq!(
            link_reach("HTTPS://Clips.Example.com./r/x"),
            LinkReach::Public
        );
        assert_eq!(link_reach("https://8.8.8.8:8443"), LinkReach::Public);
        assert_eq!(link_reach("https://100.128.0.1"), LinkReach::Public);
        assert_eq!(link_reach("https://172.32.0.1"), LinkReach::Public);
        assert_eq!(link_reach("https://[2001:db8::1]"), LinkReach::Public);
        assert_eq!(link_reach("http://clips.example.com"), LinkReach::PlainHttp);
        assert!(LinkReach::PlainHttp.reaches_phones());
        assert!(!LinkReach::PrivateNetwork.reaches_phones());
        assert!(!LinkReach::ThisComputer.reaches_phones());
    }

    #[test]
    fn what_is_not_an_http_url_with_a_host_is_named_so() {
        for url in [
            "clips.example.com",
            "ftp://x.example.com",
            "http://",
            "https://[::1",
            "http:// a",
        ] {
            assert_eq!(link_reach(url), LinkReach::NotAUrl, "{url}");
        }
    }
}
