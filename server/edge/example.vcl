# For running Varnish by hand in front of an origin on 127.0.0.1:8080:
#   varnishd -F -a :8081 -f "$PWD/server/edge/example.vcl" -p vcl_path="$PWD/server/edge" -n /tmp/llstream-varnish
# `npm run edge -- --origin http://HOST:PORT` writes the same three lines
# with the origin you name.
vcl 4.1;

backend origin {
    .host = "127.0.0.1";
    .port = "8080";
}

include "llstream.vcl";
