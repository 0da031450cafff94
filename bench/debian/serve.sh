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

# publish_image (after serve_p10; the caller also sets MINBASE and IMAGE_DEBS): every package of the minbase image's
# dpkg status at the image's exact version (`apt-get download NAME=VERSION`, cached in IMAGE_DEBS) that the closure
# does not already publish at that version is imported and published into the same repository, so `adopt` can match
# the whole image. Shared by p10.sh and adopt-cpu.sh.
publish_image() {
    local name version f n ver nv published want=() get=()
    # The image's own packages at the image's exact versions, into the same repository (not timed: publisher side).
    # Those the closure has at the same version are published already.
    mkdir -p "$IMAGE_DEBS"
    tar -xOf "$MINBASE" ./var/lib/dpkg/status >"$T/image.status"
    published=" $($PUB list "$T/repo" | sed -n 's/^\([^ ]*\) [^ ]* (Debian \([^)]*\)).*/\1=\2/p' | tr '\n' ' ')"
    while read -r name version; do
        [[ "$published" == *" $name=$version "* ]] && continue
        f=$(ls "$IMAGE_DEBS/${name}_${version//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
        if [ -n "$f" ]; then want+=("$f"); else get+=("$name=$version"); fi
    done < <(awk '/^Package:/ { n = $2 } /^Version:/ { print n, $2 }' "$T/image.status")
    if [ ${#get[@]} -gt 0 ]; then
        say "adopt: apt-get download of ${#get[@]} image packages into $IMAGE_DEBS"
        (cd "$IMAGE_DEBS" && apt-get download -q "${get[@]}" >"$T/download.log" 2>&1) \
            || { tail -5 "$T/download.log" >&2; echo "error: apt-get download of the image's packages failed" >&2; exit 7; }
        for nv in "${get[@]}"; do
            n=${nv%%=*}; ver=${nv#*=}; want+=("$(ls "$IMAGE_DEBS/${n}_${ver//:/%3a}_"*.deb | head -1)")
        done
    fi
    say "adopt: import-deb + add --publish of ${#want[@]} image packages (the other $(( $(grep -c '^Package:' "$T/image.status") - ${#want[@]} )) are published with the closure)"
    $PUB import-deb "${want[@]}" --output "$T/image-imported" ${LEVEL:+--level "$LEVEL"} >/dev/null 2>"$T/image-import.err" \
        || { cat "$T/image-import.err" >&2; exit 7; }
    $PUB add "$T/repo" "$T"/image-imported/*.stork --publish >/dev/null
}
