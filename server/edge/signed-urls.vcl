# llstream signed playback URLs at the edge (Varnish 7.1): the same check
# the origin makes (server/src/auth/signed-urls.ts), so a refused viewer
# never reaches the origin, and every viewer of a private stream shares one
# cache object per file, whatever their token.
#
# URL:    /live/{stream}/{expires}-{signature}/{file}
#         expires:   Unix time, whole seconds, 1 to 12 decimal digits
#         signature: lowercase hex HMAC-SHA256, key = the signing secret,
#                    message = "{stream}:{expires}"
# Valid while expires + 30 s >= the edge's clock (30 s: the origin's
# default playback.signing.clockSkew; keep the two equal).
#
# Needs vmod digest (Debian package varnish-vmod-digest), vmod var
# (varnish-modules) and std. Include it BEFORE llstream.vcl: it adds its
# check to vcl_recv, vcl_hash and vcl_backend_fetch, and Varnish joins
# same-named subroutines in include order, so its code runs before
# llstream.vcl's (before anything is looked up or passed). The secret(s)
# come from another small file of yours, included too:
#
#   # signing-secret.vcl
#   vcl 4.1;
#   import var;
#   sub vcl_init {
#       var.global_set("llstream_signing_secret", "the playback.signing secret");
#       # during a rotation, the other secret the origin still accepts:
#       # var.global_set("llstream_signing_secret_previous", "...");
#   }
#
#   npm run edge -w @llstream/server -- --origin http://127.0.0.1:8080 \
#     --include /etc/llstream/signing-secret.vcl --include signed-urls.vcl
#
# (or, by hand: include both before llstream.vcl in the wrapper VCL).
#
# What happens to a request:
#  - /live/{stream}/{token}/{file} with a well-formed token: checked here.
#    Bad signature -> 403 "playback token signature does not match stream X",
#    expired -> 403 "playback token expired"; both synthetic, nothing is
#    looked up. A valid one is looked up under the URL without the token
#    (plus a "signed" mark, so token-less requests never share the object),
#    and a miss goes to the origin with the original URL: the origin checks
#    the token again (it was valid a moment ago here).
#  - /live/{stream}/{something}/{file} where {something} is no token: 400
#    "malformed playback token", as at the origin.
#  - /live/{stream}/{file} (no token): not handled here. The origin answers
#    it: 403 "stream X is private" (no-store, so never cached) for a private
#    stream, the file for a public one.
#
# The signature comparison compares HMACs of the two hex strings rather than
# the strings themselves, so the time a string comparison takes says nothing
# about how much of a forged signature was right.

import digest;
import std;
import var;

sub llstream_signed_urls_recv {
    # Only this subroutine may set it: a client must not choose the URL the
    # origin is asked for.
    unset req.http.X-Llstream-Signed-Url;
    if (req.url ~ "^/live/[^/?]+/[^/?]+/[^/?]+") {
        set req.http.X-Llstream-Stream = regsub(req.url, "^/live/([^/?]+)/.*$", "\1");
        set req.http.X-Llstream-Token = regsub(req.url, "^/live/[^/?]+/([^/?]+)/.*$", "\1");
        if (req.http.X-Llstream-Stream !~ "^[A-Za-z0-9_-]{1,64}$" || req.http.X-Llstream-Token !~ "^[0-9]{1,12}-[0-9a-f]{64}$") {
            return (synth(400, "malformed playback token: expected /live/{stream}/{expires}-{signature}/{file}"));
        }
        set req.http.X-Llstream-Expires = regsub(req.http.X-Llstream-Token, "-.*$", "");
        set req.http.X-Llstream-Message = req.http.X-Llstream-Stream + ":" + req.http.X-Llstream-Expires;
        # digest returns "0x" and lowercase hex.
        set req.http.X-Llstream-Presented = "0x" + regsub(req.http.X-Llstream-Token, "^[0-9]+-", "");
        set req.http.X-Llstream-Secret-Ok = "no";
        if (digest.hmac_sha256(var.global_get("llstream_signing_secret"), req.http.X-Llstream-Presented) ==
            digest.hmac_sha256(var.global_get("llstream_signing_secret"), digest.hmac_sha256(var.global_get("llstream_signing_secret"), req.http.X-Llstream-Message))) {
            set req.http.X-Llstream-Secret-Ok = "yes";
        } elsif (var.global_get("llstream_signing_secret_previous") != "" &&
            digest.hmac_sha256(var.global_get("llstream_signing_secret_previous"), req.http.X-Llstream-Presented) ==
            digest.hmac_sha256(var.global_get("llstream_signing_secret_previous"), digest.hmac_sha256(var.global_get("llstream_signing_secret_previous"), req.http.X-Llstream-Message))) {
            set req.http.X-Llstream-Secret-Ok = "yes";
        }
        if (req.http.X-Llstream-Secret-Ok != "yes") {
            return (synth(403, "playback token signature does not match stream " + req.http.X-Llstream-Stream));
        }
        # Clock skew: 30 s, as the origin's default playback.signing.clockSkew.
        if (std.integer(s = req.http.X-Llstream-Expires, fallback = 0) + 30 < std.integer(time = now)) {
            return (synth(403, "playback token expired"));
        }
        set req.http.X-Llstream-Signed-Url = req.url;
        set req.url = "/live/" + req.http.X-Llstream-Stream + regsub(req.url, "^/live/[^/?]+/[^/?]+", "");
        unset req.http.X-Llstream-Stream;
        unset req.http.X-Llstream-Token;
        unset req.http.X-Llstream-Expires;
        unset req.http.X-Llstream-Message;
        unset req.http.X-Llstream-Presented;
        unset req.http.X-Llstream-Secret-Ok;
    }
}

sub llstream_signed_urls_hash {
    # Objects fetched with a valid token are not the answer to a token-less
    # request for the same file (the origin refuses those for private streams).
    if (req.http.X-Llstream-Signed-Url) {
        hash_data("llstream-signed");
    }
}

sub llstream_signed_urls_backend_fetch {
    # The origin checks the token too: ask it with the URL the viewer used.
    if (bereq.http.X-Llstream-Signed-Url) {
        set bereq.url = bereq.http.X-Llstream-Signed-Url;
        unset bereq.http.X-Llstream-Signed-Url;
    }
}

sub vcl_recv {
    call llstream_signed_urls_recv;
}

sub vcl_hash {
    call llstream_signed_urls_hash;
}

sub vcl_backend_fetch {
    call llstream_signed_urls_backend_fetch;
}
