# llstream edge: Varnish 7.1 in front of an llstream origin, for chunked
# low-latency MPEG-DASH (LL-DASH). See README.md beside this file.
#
# This file holds the caching rules only. It expects a backend named
# `origin` declared before it is included, e.g. (what `npm run edge`
# generates; example.vcl is the same for running varnishd by hand):
#
#   vcl 4.1;
#   backend origin { .host = "127.0.0.1"; .port = "8080"; }
#   include "llstream.vcl";
#
# What it does, in the order a request meets it:
#  - /ingest is refused here (403): publishers push to the origin itself.
#  - /api, /metrics, /healthz and /time go to the origin uncached (pass).
#  - /live/... (manifests and segments) is cached, keyed on Host + URL, and
#    every concurrent miss for one URL waits for a single origin fetch
#    (Varnish's waiting list: request collapsing). The fetch is streamed
#    (beresp.do_stream): every waiting client gets each CMAF chunk as it
#    arrives from the origin, while the origin is still writing it.
#  - Segments live as long as the origin's Surrogate-Control (else
#    Cache-Control) says: a year, their names are unique per publisher run.
#  - Manifests live as long as Cache-Control says (about half a segment)
#    and are never served stale (grace 0).
#  - 404s under /live/ (a segment asked for too early) are kept 250 ms, long
#    enough to answer the requests collapsed onto that fetch and short
#    enough that the segment is fetched as soon as a player asks again.

vcl 4.1;

import std;

sub vcl_recv {
    # Publishers never go through the edge: the origin checks their stream
    # key, and an edge must not cache or fan out what they push.
    if (req.url ~ "^/ingest(/|\?|$)") {
        return (synth(403, "Forbidden"));
    }

    # Signed playback URLs: server/edge/signed-urls.vcl, included before this
    # file, checks the HMAC token and its expiry in its own vcl_recv, which
    # Varnish runs before this one: requests it refuses never get here; the
    # ones it accepts arrive with the token removed from req.url (and looked
    # up with a "signed" mark), so every viewer shares one cache object per
    # segment, and a miss reaches the origin with the viewer's token.

    # Control and clock routes: always the origin's answer, never cached.
    # /time in particular: players sync their clock to it.
    if (req.url ~ "^/(api|metrics|healthz|time)(/|\?|$)") {
        return (pass);
    }

    if (req.url ~ "^/live/") {
        if (req.method != "GET" && req.method != "HEAD") {
            # CORS preflights (OPTIONS) are the origin's to answer.
            return (pass);
        }
        # Playback is public and the same for everyone: a cookie or an
        # Authorization header a browser happens to send must not turn
        # every segment request into an origin request (the builtin VCL
        # would pass them).
        unset req.http.Cookie;
        unset req.http.Authorization;
        return (hash);
    }

    # Everything else (the demo page, the player bundle): the builtin rules.
}

sub vcl_backend_fetch {
    # Held requests (a segment about to exist) wait up to 1.5 segment
    # durations at the origin before their first byte.
    set bereq.first_byte_timeout = 10s;
    # One CMAF chunk per frame arrives every 33 ms while a segment uploads.
    set bereq.between_bytes_timeout = 10s;
}

sub vcl_backend_response {
    if (bereq.url !~ "^/live/") {
        return (deliver);
    }

    if (beresp.status == 200 && bereq.url ~ "\.(m4s|mp4)(\?|$)") {
        # Stream misses: clients get each chunk as the origin sends it,
        # instead of waiting for the whole segment.
        set beresp.do_stream = true;
        # A segment still uploading says `Cache-Control: max-age=<one
        # segment>` to browsers and `Surrogate-Control: max-age=<a year>` to
        # CDNs: its bytes never change once complete, and an upload that
        # breaks off ends the response without its last chunk, which
        # Varnish does not keep (the fetch fails and the object is dropped).
        if (beresp.http.Surrogate-Control ~ "(^|,)\s*max-age=[0-9]+") {
            set beresp.ttl = std.duration(regsub(beresp.http.Surrogate-Control, "^.*max-age=([0-9]+).*$", "\1") + "s", beresp.ttl);
        }
        unset beresp.http.Surrogate-Control;
        return (deliver);
    }

    if (beresp.status == 200 && bereq.url ~ "\.mpd(\?|$)") {
        # TTL from the origin's Cache-Control (half a segment, at least 1 s);
        # no grace: a manifest older than that is never served, so a new
        # publisher run (new segment names) reaches players in time.
        set beresp.grace = 0s;
        set beresp.keep = 0s;
        unset beresp.http.Surrogate-Control;
        return (deliver);
    }

    if (beresp.status == 404) {
        # A segment (or a stream's manifest) that does not exist yet. The
        # origin says no-store; the builtin VCL would then make the URL
        # "hit-for-miss" for 2 minutes, and every request for it in that
        # time would go to the origin separately, uncollapsed, even after
        # the segment exists. Instead keep the 404 just long enough to
        # answer the requests waiting on this fetch.
        set beresp.ttl = 0.25s;
        set beresp.grace = 0s;
        set beresp.keep = 0s;
        return (deliver);
    }
    # Other answers (400, 5xx, aborted segments with no-store): builtin rules.
}

sub vcl_deliver {
    # Whether this edge answered from cache (a client served from an object
    # still being fetched counts as a hit): for debugging and the tests.
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}

sub vcl_synth {
    if (resp.status == 403 && req.url ~ "^/ingest(/|\?|$)") {
        set resp.http.Content-Type = "application/json";
        set resp.http.Cache-Control = "no-store";
        set resp.http.Access-Control-Allow-Origin = "*";
        set resp.body = {"{"statusCode":403,"error":"Forbidden","message":"this is a CDN edge: publish to the origin's /ingest directly, the edge serves playback only"} + {"""} + "}";
        return (deliver);
    }
}
