# Sourced by p10.sh and breakdown.sh (bash): imports the P10 set, publishes it and serves it with nginx on 127.0.0.1.
# The caller sets PUB (the stork-publish command), T (its work directory, which it removes; every process started
# here is appended to $T/pids for it to stop), DEBS (the .deb cache), ROOTS (the packages asked for), say (a logger)
# and optionally LEVEL (import-deb --level; import-deb's default when unset).
# After serve_p10: the repository is $T/repo, published at http://127.0.0.1:$port/.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # URL: poll until it answers, for at most 60 s
    for _ in $(seq 300); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done
    echo "error: $1 did not answer within 60 s" >&2; exit 7
}

serve_p10() {
    say "import-deb --from-apt${LEVEL:+ (level $LEVEL)} + add --publish"
    $PUB init "$T/repo" >/dev/null 2>&1
    # shellcheck disable=SC2086
    $PUB import-deb --from-apt $ROOTS --cache "$DEBS" --output "$T/imported" ${LEVEL:+--level "$LEVEL"} \
        >/dev/null 2>"$T/import.err" || { cat "$T/import.err" >&2; exit 7; }
    $PUB add "$T/repo" "$T"/imported/*.stork --publish >/dev/null
    port=$(free_port)
    mkdir -p "$T/nginx"
    cat >"$T/nginx/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1; error_log $T/nginx/error.log warn; pid $T/nginx/nginx.pid;
events { worker_connections 256; }
http { access_log off; client_body_temp_path $T/nginx/cb; proxy_temp_path $T/nginx/p; fastcgi_temp_path $T/nginx/f;
  uwsgi_temp_path $T/nginx/u; scgi_temp_path $T/nginx/s; default_type application/octet-stream; sendfile on;
  server { listen 127.0.0.1:$port; root $T/repo/public; } }
EOF
    nginx -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" & echo $! >>"$T/pids"
    wait_http "http://127.0.0.1:$port/metadata/timestamp.json"
}
