#!/usr/bin/env bash
# The layering the README promises, checked on every test run: dependencies point one way
# (http/ -> actors/ -> vapi/; metrics/ and journal/ are pure leaves, redis/ a leaf; net/, the connection layer,
# knows no HTTP library and no actor), and no mutex guards anything in the request path.
set -u
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2
status=0
if hits=$(grep -rniE 'pistache' actors vapi metrics journal); then
  echo "actors/, vapi/, metrics/ and journal/ must not know Pistache:"; echo "$hits"; status=1
fi
if hits=$(grep -rnE 'caf/|caf::' vapi metrics journal); then
  echo "vapi/, metrics/ and journal/ must stay pure (no CAF):"; echo "$hits"; status=1
fi
if hits=$(grep -rnE '#include .(http/|actors/|net/)' journal); then
  echo "journal/ must include none of http/, actors/ or net/:"; echo "$hits"; status=1
fi
# redis/ is the Redis side: the URL and its encodings (pure), and one connection class owned by
# one thread; it shares http/'s percent decoding and knows no CAF, Pistache, actors/ or net/.
if hits=$(grep -rnE '#include .(pistache/|caf/|actors/|net/|journal/)|caf::|Pistache::' redis); then
  echo "redis/ must know no CAF, Pistache, actors/, net/ or journal/:"; echo "$hits"; status=1
fi
if hits=$(grep -rnE '#include .(pistache/|caf/|http/|actors/)|caf::|Pistache::' net); then
  echo "net/ must know neither Pistache, CAF, http/ nor actors/:"; echo "$hits"; status=1
fi
# delivery/ is pure (what a delivery sends and when it retries); outbound/ is the one libcurl
# owner, knowing neither actors nor HTTP routes.
if hits=$(grep -rnE '#include .(pistache/|caf/|http/|actors/|net/|curl/)|caf::|Pistache::' delivery); then
  echo "delivery/ must stay pure (no CAF, Pistache, libcurl, actors/, http/ or net/):"; echo "$hits"; status=1
fi
if hits=$(grep -rnE '#include .(pistache/|caf/|http/|actors/|net/)|caf::|Pistache::' outbound); then
  echo "outbound/ must know neither CAF, Pistache, http/, actors/ nor net/:"; echo "$hits"; status=1
fi
if hits=$(grep -rnE 'mutex|lock_guard|unique_lock|shared_lock|call_once' actors http net vapi metrics journal redis delivery outbound); then
  echo "no lock belongs in actors/, http/, net/, vapi/, metrics/, journal/, redis/, delivery/ or outbound/:"; echo "$hits"; status=1
fi
[ $status -eq 0 ] && echo "layering and lock-freedom hold"
exit $status
