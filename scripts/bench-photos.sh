# make bench, the photo rows (sourced by scripts/bench.sh after the
# calendar rows: uses its row, AUTH, BASE_URL, STACK_DIR, DURATION, drps
# and dp99).
#   a 12-megapixel JPEG stored: wall per upload, the photo worker's peak
#   memory (VmHWM of its processes)
#   10 uploads at once while wrk loads the calendar, beside the unloaded
#   calendar figures

img=$STACK_DIR/bench-12mp.jpg
# About 4 MB, as a phone camera writes one.
convert -size 4000x3000 plasma:fractal -attenuate 0.4 +noise Gaussian \
    -sampling-factor 4:2:0 -quality 91 "$img" 2>/dev/null
imgsize=$(stat -c %s "$img")
mapfile -t pjobs < <(mariadb --no-defaults --socket="$MYSQL_SOCKET" -u "$(id -un)" -N safari \
    -e "SELECT id FROM jobs ORDER BY id LIMIT 20")
upload() {	# upload JOB: "status seconds"
	curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -H "$AUTH" \
	    -H 'Content-Type: image/jpeg' --data-binary @"$img" \
	    "$BASE_URL/api/jobs/$1/photos?kind=before"
}
walls=() bad=0
for i in 0 1 2 3 4; do
	read -r code secs <<<"$(upload "${pjobs[$i]}")"
	[ "$code" = 201 ] || bad=$((bad + 1))
	walls+=("$secs")
done
pmax=$(printf '%s\n' "${walls[@]}" | sort -n | tail -n 1)
pmed=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 3p)
hwm=0
for p in $(pgrep -P "$(cat "$STACK_DIR/run/photo.pid")"); do
	h=$(awk '/VmHWM/{print $2}' /proc/"$p"/status)
	[ "$h" -gt "$hwm" ] && hwm=$h
done
row "photo: 12 MP JPEG ($((imgsize / 1024)) KiB) stored, median/max of 5" \
    "${pmed} / ${pmax} s" "< 1 s: $(awk "BEGIN{print ($pmax<1 && $bad==0)?\"pass\":\"FAIL\"}")"
row "  photo worker peak memory (VmHWM)" "$((hwm / 1024)).$(((hwm % 1024) * 10 / 1024)) MiB" \
    "< 64 MiB: $([ "$hwm" -lt 65536 ] && echo pass || echo FAIL)"

# 10 uploads at once while the calendar is loaded.
wrk -t2 -c64 -d"${DURATION}s" --latency -H "$AUTH" "$BASE_URL/api/calendar" \
    >"$STACK_DIR/wrk-photos.txt" 2>&1 &
wrkpid=$!
sleep 1		# wrk connected: the uploads land inside its run
for i in $(seq 5 14); do upload "${pjobs[$i]}" >"$STACK_DIR/upload-$i.txt" & done
wait $(jobs -p | grep -v "^$wrkpid$") 2>/dev/null
wait "$wrkpid"
read -r lrps lp99 <<<"$(awk '/Requests\/sec/{rps=$2} /^ +99%/{p=$2}
    END{ if (p ~ /us$/) {sub(/us/,"",p); p=p/1000} else if (p ~ /ms$/) {sub(/ms/,"",p)} else if (p ~ /s$/) {sub(/s/,"",p); p=p*1000}
    printf "%d %.2f\n", rps, p }' "$STACK_DIR/wrk-photos.txt")"
ok=$(cat "$STACK_DIR"/upload-*.txt | awk '$1==201' | wc -l)
umax=$(cat "$STACK_DIR"/upload-*.txt | awk '{print $2}' | sort -n | tail -n 1)
row "10 uploads at once: stored / slowest" "$ok / ${umax} s" "10 stored: $([ "$ok" = 10 ] && echo pass || echo FAIL)"
row "  calendar meanwhile (loaded / unloaded)" "$lrps / $drps req/s" \
    "within 2x of static: $(awk "BEGIN{print ($lrps*2>=$srps)?\"pass\":\"FAIL\"}")"
row "  calendar p99 meanwhile (loaded / unloaded)" "$lp99 / $d99 ms" \
    "< 10 ms: $(awk "BEGIN{print ($lp99<10)?\"pass\":\"FAIL\"}")"
