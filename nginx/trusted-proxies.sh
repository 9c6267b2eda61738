#!/bin/sh
# Run by the nginx image's entrypoint (docker-compose.yml mounts it in
# /docker-entrypoint.d/) before nginx starts: writes the networks listed in
# TRUSTED_PROXY_NETWORKS (comma-separated: the TLS terminator or load balancer in front of
# nginx) as the entries of default.conf's `geo $trusted_proxy` block. Only a peer in one of
# them may say which scheme the client used (X-Forwarded-Proto). Empty: nobody is trusted.
# The output path is the first argument (default: where default.conf includes it).
set -euf
out="${1:-/etc/nginx/trusted-proxies.conf}"
entries=""
for net in $(printf '%s' "${TRUSTED_PROXY_NETWORKS:-}" | tr ',' ' '); do
    case "$net" in
    # Addresses and networks only: nothing else may reach the nginx configuration.
    *[!0-9A-Fa-f:./]*)
        echo "TRUSTED_PROXY_NETWORKS: not an address or network: $net" >&2
        exit 1
        ;;
    esac
    entries="$entries$net 1;
"
done
printf '%s' "$entries" >"$out"
