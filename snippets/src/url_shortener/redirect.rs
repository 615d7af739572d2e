//! The redirect response: which status, `Location` and `Cache-Control` a lookup produces.
//!
//! Shown in "Design a URL Shortener" (`book/src/designs/url-shortener.md`), stages 4 and 8.
//!
//! In: what the lookup found for a code (a [`Link`] or nothing), the current time in
//! milliseconds, and the service's [`RedirectPolicy`].
//! Out: a [`Response`]: 301 or 302 with a `Location` for a live link, 404 for an unknown
//! code, and 410 for an expired or disabled link, which never redirects. Only a live link
//! may be cached outside the service.

use super::Link;

/// How the service answers a live link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectPolicy {
    /// 301 Moved Permanently. Browsers and shared caches may store it with no expiry
    /// stated, so repeat clicks may never reach the service again.
    Permanent,
    /// 302 Found, which caches do not store unless told to. With `max_age_s > 0` the
    /// browser (only) may reuse it for that many seconds: repeat clicks from one browser
    /// in that window are not seen.
    Counted {
        /// Seconds a browser may reuse the answer; 0 sends every click to the service.
        max_age_s: u32,
    },
}

/// The parts of an HTTP response that the redirect decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The `Location` header: present exactly when the response redirects.
    pub location: Option<String>,
    /// The `Cache-Control` header, if the response sets one.
    pub cache_control: Option<String>,
}

// region: respond
/// The response to `GET /{code}` given what the lookup found.
///
/// ```
/// use snippets::url_shortener::Link;
/// use snippets::url_shortener::redirect::{respond, RedirectPolicy};
///
/// let link = Link::new("https://example.com/a/very/long/path");
/// let r = respond(Some(&link), 0, RedirectPolicy::Counted { max_age_s: 0 });
/// assert_eq!(r.status, 302);
/// assert_eq!(r.cache_control.as_deref(), Some("no-store"));
/// assert_eq!(respond(None, 0, RedirectPolicy::Permanent).status, 404);
/// ```
pub fn respond(found: Option<&Link>, now_ms: u64, policy: RedirectPolicy) -> Response {
    // Codes can appear later (a custom alias) or die early (a takedown): never let a
    // browser or CDN keep a 404 or 410. Our own cache handles those, and can be purged.
    let no_store = || Some("no-store".to_string());
    let Some(link) = found else {
        return Response {
            status: 404,
            location: None,
            cache_control: no_store(),
        };
    };
    if link.disabled || link.expires_at_ms.is_some_and(|t| now_ms >= t) {
        // Gone on purpose: never send the visitor on.
        return Response {
            status: 410,
            location: None,
            cache_control: no_store(),
        };
    }
    let location = Some(link.long_url.clone());
    match policy {
        // No Cache-Control: caches may keep a 301 as long as their heuristics like.
        RedirectPolicy::Permanent => Response {
            status: 301,
            location,
            cache_control: None,
        },
        // Nobody may store it: every click reaches the service and is counted.
        RedirectPolicy::Counted { max_age_s: 0 } => Response {
            status: 302,
            location,
            cache_control: no_store(),
        },
        // Only this browser may reuse it, and only for max_age_s seconds.
        RedirectPolicy::Counted { max_age_s } => Response {
            status: 302,
            location,
            cache_control: Some(format!("private, max-age={max_age_s}")),
        },
    }
}
// endregion: respond

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_shortener::test_rng::SplitMix64;

    const POLICIES: [RedirectPolicy; 3] = [
        RedirectPolicy::Permanent,
        RedirectPolicy::Counted { max_age_s: 0 },
        RedirectPolicy::Counted { max_age_s: 300 },
    ];

    #[test]
    fn live_links_redirect_with_the_policy_status() {
        let link = Link::new("https://example.com/x");
        let r = respond(Some(&link), 5, RedirectPolicy::Permanent);
        assert_eq!(
            (r.status, r.location.as_deref()),
            (301, Some("https://example.com/x"))
        );
        assert_eq!(r.cache_control, None);
        let r = respond(Some(&link), 5, RedirectPolicy::Counted { max_age_s: 0 });
        assert_eq!(
            (r.status, r.cache_control.as_deref()),
            (302, Some("no-store"))
        );
        let r = respond(Some(&link), 5, RedirectPolicy::Counted { max_age_s: 300 });
        assert_eq!(r.status, 302);
        assert_eq!(r.cache_control.as_deref(), Some("private, max-age=300"));
    }

    #[test]
    fn unknown_codes_are_404_without_location() {
        for policy in POLICIES {
            let r = respond(None, 0, policy);
            assert_eq!((r.status, r.location), (404, None));
            assert_eq!(r.cache_control.as_deref(), Some("no-store"));
        }
    }

    #[test]
    fn expired_or_disabled_links_never_redirect() {
        let mut rng = SplitMix64::new(11);
        for _ in 0..10_000 {
            let expires = rng.next_u64() % 1_000;
            let now = rng.next_u64() % 1_000;
            let mut link = Link::new("https://example.com/y");
            link.expires_at_ms = Some(expires);
            link.disabled = rng.next_u64().is_multiple_of(4);
            for policy in POLICIES {
                let r = respond(Some(&link), now, policy);
                let gone = link.disabled || now >= expires;
                // A Location header is present exactly when the link is live.
                assert_eq!(r.location.is_some(), !gone);
                if gone {
                    assert_eq!(r.status, 410);
                    assert_eq!(r.cache_control.as_deref(), Some("no-store"));
                } else {
                    assert!(matches!(r.status, 301 | 302));
                }
            }
        }
    }

    #[test]
    fn expiry_is_exclusive_of_the_deadline() {
        let mut link = Link::new("https://example.com/z");
        link.expires_at_ms = Some(1_000);
        assert_eq!(
            respond(Some(&link), 999, RedirectPolicy::Permanent).status,
            301
        );
        assert_eq!(
            respond(Some(&link), 1_000, RedirectPolicy::Permanent).status,
            410
        );
    }
}
